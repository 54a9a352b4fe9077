import type { Language } from '../dataset.ts';
import { fillFact } from './facts.ts';
import type { Identifiers, Person } from './identifiers.ts';
import { isoDate } from './identifiers.ts';
import type { Random } from './random.ts';
import type { FactSpec } from './sop-types.ts';
import type { DraftDocument, QueryCandidate, Section } from './text.ts';
import { bullets, render } from './text.ts';

/** A legal entity a policy variant is written for. */
export interface PolicyEntity {
  label: string;
  /** The label as it reads after "in": "the United States". */
  place: string;
  slug: string;
  full: string;
  city: string;
  currency: string;
  /** Amounts in the kind's tables are in EUR; this converts them (roughly) to the currency. */
  scale: number;
}

/** Non-security policies: the distractors of the corpus, sharing words like "retention" and "escalate". */
export interface PolicyKind {
  code: string;
  slug: string;
  title: string;
  owner: string;
  purpose: string[];
  statements: string[];
  facts: FactSpec[];
}

export interface PolicyPhrases {
  language: Language;
  kinds: PolicyKind[];
  entities: PolicyEntity[];
  join: string;
  person(ids: Identifiers): Person;
  money(entity: PolicyEntity, amount: number): string;
  header(policyId: string, effective: string, owner: string): string;
  ownerText(name: string, owner: string): string;
  headings: [
    purpose: string,
    scope: string,
    policy: string,
    exceptions: string,
    responsibilities: string,
    contacts: string,
  ];
  scope(entity: PolicyEntity): string;
  exceptions: string[];
  responsibilities: string[];
  contact(name: string, entity: PolicyEntity, extension: string, review: string): string;
  ownerQuery(policyId: string): string;
}

function policy(
  random: Random,
  ids: Identifiers,
  p: PolicyPhrases,
  kind: PolicyKind,
  entity: PolicyEntity,
): DraftDocument {
  const values = { label: entity.label, place: entity.place, full: entity.full, city: entity.city };
  const facts = kind.facts.map((fact) =>
    fillFact(fact, values, ([low, high], name) => {
      const value = random.int(low, high);
      if (!(fact.money && name === 'n')) return value;
      // Round converted amounts the way a policy would state them.
      const step = entity.scale >= 100 ? 1000 : 10;
      return p.money(entity, Math.round((value * entity.scale) / step) * step);
    }),
  );
  const policyId = ids.next(`POL-${kind.code}`);
  const owner = p.person(ids);
  const ownerText = p.ownerText(owner.name, kind.owner);
  const effective = isoDate(ids.moment(2022, 2024));
  const statements = random.shuffle([
    ...facts.map((f) => f.sentence),
    ...random.subset(kind.statements, random.int(2, kind.statements.length)),
  ]);
  const [hPurpose, hScope, hPolicy, hExceptions, hResponsibilities, hContacts] = p.headings;
  const extension = ids.unique(() => String(random.int(2000, 8999)));
  const review = isoDate(ids.moment(2025, 2026));
  const sections: Section[] = [
    { heading: hPurpose, blocks: [random.pick(kind.purpose)] },
    { heading: hScope, blocks: [p.scope(entity)] },
    { heading: hPolicy, blocks: [bullets(statements)] },
    { heading: hExceptions, blocks: [random.pick(p.exceptions)] },
    { heading: hContacts, blocks: [p.contact(p.person(ids).name, entity, extension, review)] },
    {
      heading: hResponsibilities,
      optional: true,
      blocks: [random.sample(p.responsibilities, 2).join(p.join)],
    },
  ];
  const candidates: QueryCandidate[] = [
    ...facts.flatMap((f) => f.candidates),
    { kind: 'identifier', query: p.ownerQuery(policyId), passage: ownerText, anchors: [policyId] },
  ];
  const title = `${kind.title} — ${entity.label}`;
  return {
    source: `policies/${p.language === 'en' ? '' : 'zh/'}${kind.slug}-${entity.slug}.md`,
    language: p.language,
    type: 'policy',
    title,
    metadata: { type: 'policy', policy: kind.slug, entity: entity.full, owner: owner.name, effective },
    content: render(title, [p.header(policyId, effective, ownerText)], sections, 3000),
    candidates,
  };
}

/** `perKind` variants of every policy kind of a language, each for a different entity. */
export function policyDocuments(
  random: Random,
  ids: Identifiers,
  phrases: PolicyPhrases,
  perKind: number,
): DraftDocument[] {
  return phrases.kinds.flatMap((kind) =>
    random.sample(phrases.entities, perKind).map((entity) => policy(random, ids, phrases, kind, entity)),
  );
}
