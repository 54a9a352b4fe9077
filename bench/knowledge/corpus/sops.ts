import type { Language } from '../dataset.ts';
import { fillFact } from './facts.ts';
import type { Identifiers, Person } from './identifiers.ts';
import { isoDate } from './identifiers.ts';
import type { Random } from './random.ts';
import type { Scope, SopSection, SopTopic } from './sop-types.ts';
import type { DraftDocument, QueryCandidate, Section } from './text.ts';
import { bullets, fill, numbered, render, table } from './text.ts';

export type SopHeading = SopSection | 'purpose' | 'evidence' | 'systems' | 'roles' | 'history';

/** The words of one language an SOP is written in. */
export interface SopPhrases {
  language: Language;
  topics: SopTopic[];
  scopes: Scope[];
  approvers: string[];
  teams: string[];
  tools: string[];
  vaults: string[];
  imagingTeams: string[];
  stores: string[];
  periods: string[];
  headings: Record<SopHeading, string[]>;
  generic: Record<SopSection, string[]>;
  changes: string[];
  person(ids: Identifiers): Person;
  /** Joins sentences into a paragraph. */
  join: string;
  header(docId: string, version: string, owner: string, reviewed: string): string;
  ownerText(name: string, team: string): string;
  appliesTo(purpose: string, scope: Scope): string;
  retention(scope: Scope, log: string, period: string, store: string, variant: boolean): string;
  evidenceTail: string;
  channel(topic: SopTopic, scope: Scope): string;
  channelText(channel: string): string;
  roles(commander: string, owner: string): string[];
  systems(scope: Scope, queue: string, extension: string): string[];
  /** Whether the systems section may go when the document is too long. */
  systemsOptional: boolean;
  historyHeader: [string, string, string];
  firstVersion: string;
  queries: {
    retentionAsked(scope: Scope, asked: string): string;
    retentionKeyword(scope: Scope, log: string): string;
    channel(scope: Scope, topic: SopTopic): string;
    owner(docId: string): string;
  };
}

function values(random: Random, ids: Identifiers, p: SopPhrases, topic: SopTopic, scope: Scope) {
  const role = topic.code === 'LAT' ? 'jump' : topic.code === 'VPN' ? 'vpn' : 'app';
  const phoneArea = random.pick(['+44 20 7946', '+1 202 555', '+49 30 5550']);
  return {
    label: scope.label,
    unit: scope.unit,
    unitCap: scope.unit.charAt(0).toUpperCase() + scope.unit.slice(1),
    edr: scope.edr,
    siem: scope.siem,
    approver: random.pick(p.approvers),
    person: p.person(ids).name,
    hostA: ids.host(scope.site, role),
    hostB: ids.host(scope.site, role),
    account: ids.unique(() => String(random.int(100_000_000_000, 999_999_999_999))),
    tool: random.pick(p.tools),
    phone: ids.unique(() => `${phoneArea} ${String(random.int(0, 999)).padStart(4, '0')}`),
    vault: random.pick(p.vaults),
    team: random.pick(p.imagingTeams),
    bg: ids.unique(() => `bg-${scope.slug.slice(0, 4)}-admin${String(random.int(1, 99)).padStart(2, '0')}`),
  };
}

function sop(random: Random, ids: Identifiers, p: SopPhrases, topic: SopTopic, scope: Scope): DraftDocument {
  const v = values(random, ids, p, topic, scope);
  const withTools = (text: string) => fill(text, { edr: scope.edr, siem: scope.siem });
  const facts = topic.facts.map((f) => ({
    section: f.section,
    ...fillFact(f, v, ([low, high]) => random.int(low, high)),
  }));
  const paragraph = (section: SopSection, extra: string[] = []) =>
    random
      .shuffle([
        ...facts.filter((f) => f.section === section).map((f) => f.sentence),
        random.pick(p.generic[section]),
      ])
      .concat(extra)
      .join(p.join);
  const heading = (key: SopHeading) => random.pick(p.headings[key]);

  const docId = ids.next(`SOP-${topic.code}`);
  const owner = p.person(ids);
  const ownerText = p.ownerText(owner.name, random.pick(p.teams));
  const reviewed = isoDate(ids.moment(2023, 2024));
  const version = `${random.int(1, 6)}.${random.int(0, 9)}`;
  const [logTerm, logAsked] = random.pick(topic.logKinds);
  const retention = p.retention(
    scope,
    logTerm,
    random.pick(p.periods),
    random.pick(p.stores),
    random.chance(0.5),
  );
  const channel = p.channel(topic, scope);
  const channelText = p.channelText(channel);

  const sections: Section[] = [
    { heading: heading('purpose'), blocks: [p.appliesTo(random.pick(topic.purpose), scope)] },
    {
      heading: heading('triage'),
      blocks: [bullets(random.subset(topic.signals, random.int(3, 5)).map(withTools)), paragraph('triage')],
    },
    { heading: heading('escalation'), blocks: [paragraph('escalation')] },
    {
      heading: heading('containment'),
      blocks: [
        numbered(random.subset(topic.containment, random.int(4, 6)).map(withTools)),
        paragraph('containment'),
      ],
    },
    {
      heading: heading('recovery'),
      blocks: [
        bullets(random.subset(topic.recovery, random.int(2, 3)).map(withTools)),
        paragraph('recovery'),
      ],
    },
    { heading: heading('evidence'), blocks: [[retention, p.evidenceTail].join(p.join)] },
    { heading: heading('communication'), blocks: [paragraph('communication', [channelText])] },
    {
      heading: heading('systems'),
      optional: p.systemsOptional,
      blocks: [
        bullets(
          p.systems(
            scope,
            `SEC-${scope.slug.toUpperCase().replace(/-/g, '')}-${topic.code}`,
            ids.unique(() => String(random.int(2000, 8999))),
          ),
        ),
      ],
    },
    {
      heading: heading('roles'),
      optional: true,
      blocks: [bullets(p.roles(p.person(ids).name, owner.name))],
    },
    {
      heading: heading('history'),
      optional: true,
      blocks: [
        table(p.historyHeader, [
          [version, reviewed, random.pick(p.changes)],
          ['1.0', isoDate(ids.moment(2019, 2021)), p.firstVersion],
        ]),
      ],
    },
  ];
  if (random.chance(0.3)) {
    // Some SOPs put evidence before escalation: the same facts, not always in the same place.
    const [evidence] = sections.splice(5, 1);
    if (evidence) sections.splice(2, 0, evidence);
  }

  const retentionAnchors = [scope.label, logTerm];
  const candidates: QueryCandidate[] = [
    ...facts.flatMap((f) => f.candidates),
    {
      kind: 'paraphrase',
      query: p.queries.retentionAsked(scope, logAsked),
      passage: retention,
      anchors: retentionAnchors,
    },
    {
      kind: 'keyword',
      query: p.queries.retentionKeyword(scope, logTerm),
      passage: retention,
      anchors: retentionAnchors,
    },
    { kind: 'keyword', query: p.queries.channel(scope, topic), passage: channelText, anchors: [channel] },
    { kind: 'identifier', query: p.queries.owner(docId), passage: ownerText, anchors: [docId] },
  ];
  const title = `${topic.title} — ${scope.label}`;
  return {
    source: `sop/${p.language === 'en' ? '' : 'zh/'}${topic.slug}-${scope.slug}.md`,
    language: p.language,
    type: 'sop',
    title,
    metadata: { type: 'sop', topic: topic.slug, scope: scope.label, owner: owner.name, version, reviewed },
    content: render(title, [p.header(docId, version, ownerText, reviewed)], sections, 3000),
    candidates,
  };
}

/** `perTopic` variants of every topic of a language, each for a different business unit. */
export function sopDocuments(
  random: Random,
  ids: Identifiers,
  phrases: SopPhrases,
  perTopic: number,
): DraftDocument[] {
  return phrases.topics.flatMap((topic) =>
    random.sample(phrases.scopes, perTopic).map((scope) => sop(random, ids, phrases, topic, scope)),
  );
}
