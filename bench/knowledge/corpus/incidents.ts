import type { Language } from '../dataset.ts';
import type { Identifiers, Person } from './identifiers.ts';
import { isoDate, isoMinute } from './identifiers.ts';
import type { IncidentKind, SystemSpec } from './incident-types.ts';
import type { Random } from './random.ts';
import type { DraftDocument, QueryCandidate, Section } from './text.ts';
import { bullets, fill, render, table } from './text.ts';

/** The words of one language an incident report is written in. */
export interface IncidentPhrases {
  language: Language;
  kinds: IncidentKind[];
  cities: Record<string, string>;
  systems: SystemSpec[];
  secondHosts: Record<string, string>;
  malware: string[];
  ransomware: string[];
  cves: string[];
  edrs: string[];
  siems: string[];
  lessons: string[];
  person(ids: Identifiers): Person;
  service(city: string, system: string): string;
  number(value: number): string;
  domain(random: Random): string;
  reportTitle(id: string, title: string): string;
  fields: [severity: string, status: string, detected: string, resolved: string, commander: string];
  closed: string;
  headings: [
    summary: string,
    affected: string,
    timeline: string,
    root: string,
    impact: string,
    actions: string,
    lessons: string,
  ];
  hostLine(host: string, role: string, ip: string): string;
  workstationOf(account: string): string;
  /** How the root cause names the service a second time: "the system". */
  sameSystem: string;
  /** Joins sentences into a paragraph. */
  join: string;
  timelineLine(time: string, event: string): string;
  rootById(id: string, cause: string): string;
  rootByService(service: string, noun: string, cause: string): string;
  contributing(cause: string): string;
  recurrence(host: string, previousId: string, date: string): string;
  action(change: string, action: string): string;
  actionTail(owner: string, due: string): string;
  queries: {
    rootById(id: string): string;
    keywordRoot(service: string, keyword: string): string;
    host(host: string, keyword: string): string;
    affected(host: string): string;
    external(ip: string): string;
    change(change: string): string;
    involving(host: string): string;
  };
}

interface Report {
  id: string;
  moment: number;
  host: string;
  hostLine: string;
  draft: DraftDocument;
}

const MINUTE = 60_000;

/** "the X" or "X" in a clause becomes "the system" (or 该系统): the sentence names X already. */
function mentionOnce(clause: string, service: string, sameSystem: string): string {
  return clause.includes(`the ${service}`)
    ? clause.replace(`the ${service}`, sameSystem)
    : clause.replace(service, sameSystem);
}

function report(
  random: Random,
  ids: Identifiers,
  p: IncidentPhrases,
  kind: IncidentKind,
  place: { site: string; system: SystemSpec },
  previous: Report | undefined,
): Report {
  const [system, role, roleName] = place.system;
  const city = p.cities[place.site] ?? place.site;
  const service = p.service(city, system);
  const moment = previous ? previous.moment + random.int(20, 200) * 1440 * MINUTE : ids.moment(2022, 2024);
  const id = ids.ticket('INC', new Date(moment).getUTCFullYear());
  const secondRole = random.pick(kind.secondRoles ?? Object.keys(p.secondHosts));
  const user = p.person(ids);
  const v = {
    id,
    service,
    host: ids.host(place.site, role),
    ip: ids.internalIp(),
    host2: ids.host(place.site, secondRole),
    ip2: ids.internalIp(),
    ws: ids.workstation(place.site),
    wsip: ids.internalIp(),
    ext: ids.externalIp(),
    user: user.account,
    person: user.name,
    domain: ids.unique(() => p.domain(random)),
    cve: random.pick(p.cves),
    family: random.pick(kind.topic === 'ransomware-response' ? p.ransomware : p.malware),
    n: random.int(2, 40),
    records: p.number(random.int(1_200, 480_000)),
    minutes: random.int(25, 900),
    amount: p.number(random.int(8_000, 950_000)),
    edr: random.pick(p.edrs),
    siem: random.pick(p.siems),
  };
  const f = (template: string) => fill(template, v);
  const title = p.reportTitle(id, f(random.pick(kind.titles)));

  let time = moment - random.int(30, 4000) * MINUTE;
  const events = kind.timeline.map((event, index) => {
    if (index === 1) time = moment;
    else if (index > 1) time += random.int(10, 300) * MINUTE;
    return { line: p.timelineLine(isoMinute(time), f(event)), event: f(event) };
  });
  const hostLine = p.hostLine(v.host, roleName, v.ip);
  const affected = [
    hostLine,
    p.hostLine(v.host2, p.secondHosts[secondRole] ?? secondRole, v.ip2),
    p.hostLine(v.ws, p.workstationOf(v.user), v.wsip),
  ];
  const summary = [f(random.pick(kind.summary))];
  let recurrence: string | undefined;
  if (previous) {
    affected.push(previous.hostLine);
    recurrence = p.recurrence(previous.host, previous.id, isoDate(previous.moment));
    summary.push(recurrence);
  }

  const [cause, contributing] = random.sample(kind.rootCauses, 2).map(f);
  const byId = random.chance(0.5);
  // Named once by the service: "The X outage happened because the system …", not "because the X …".
  const rootSentence = byId
    ? p.rootById(id, cause ?? '')
    : p.rootByService(service, kind.noun, mentionOnce(cause ?? '', service, p.sameSystem));
  const [impact, impactQuery] = random.pick(kind.impacts).map(f) as [string, string];
  const actions = random.sample(kind.actions, random.int(2, 3)).map((action) => {
    const change = ids.ticket('CHG', new Date(moment).getUTCFullYear());
    const owner = p.person(ids).name;
    const due = isoDate(moment + random.int(14, 120) * 1440 * MINUTE);
    const head = p.action(change, f(action));
    return { change, head, line: [head, p.actionTail(owner, due)].join(p.join) };
  });
  const [hSummary, hAffected, hTimeline, hRoot, hImpact, hActions, hLessons] = p.headings;
  const sections: Section[] = [
    { heading: hSummary, blocks: [summary.join(p.join)] },
    { heading: hAffected, blocks: [bullets(affected)] },
    { heading: hTimeline, blocks: [bullets(events.map((e) => e.line))] },
    {
      heading: hRoot,
      blocks: [[rootSentence, p.contributing(contributing ?? '')].join(p.join)],
    },
    { heading: hImpact, blocks: [impact] },
    { heading: hActions, blocks: [bullets(actions.map((a) => a.line))] },
    { heading: hLessons, optional: true, blocks: [random.sample(p.lessons, 2).join(p.join)] },
  ];
  const [fSeverity, fStatus, fDetected, fResolved, fCommander] = p.fields;
  const preamble = [
    table(
      [p.language === 'en' ? 'Field' : '字段', p.language === 'en' ? 'Value' : '内容'],
      [
        [fSeverity, `SEV-${random.int(1, 4)}`],
        [fStatus, p.closed],
        [fDetected, `${isoMinute(moment)} UTC`],
        [fResolved, `${isoMinute(time + random.int(60, 2000) * MINUTE)} UTC`],
        [fCommander, p.person(ids).name],
      ],
    ),
  ];

  const candidates: QueryCandidate[] = [];
  if (byId) {
    candidates.push({
      kind: 'identifier',
      query: p.queries.rootById(id),
      passage: rootSentence,
      anchors: [id],
    });
  } else {
    candidates.push(
      { kind: 'paraphrase', query: f(kind.rootQuery), passage: rootSentence, anchors: [service] },
      {
        kind: 'keyword',
        query: p.queries.keywordRoot(service, kind.keyword),
        passage: rootSentence,
        anchors: [service],
      },
    );
  }
  if (impact.includes(service))
    candidates.push({ kind: 'paraphrase', query: impactQuery, passage: impact, anchors: [service] });
  const hostEvent = events.find((e) => e.event.includes(v.host))?.event;
  candidates.push({
    kind: 'identifier',
    query: hostEvent ? p.queries.host(v.host, kind.keyword) : p.queries.affected(v.host),
    passage: hostEvent ?? hostLine,
    anchors: [v.host],
  });
  const externalEvent =
    events.find((e) => e.event.includes(v.ext))?.event ?? summary.find((s) => s.includes(v.ext));
  if (externalEvent)
    candidates.push({
      kind: 'identifier',
      query: p.queries.external(v.ext),
      passage: externalEvent,
      anchors: [v.ext],
    });
  const firstAction = actions[0];
  if (firstAction)
    candidates.push({
      kind: 'identifier',
      query: p.queries.change(firstAction.change),
      passage: firstAction.head,
      anchors: [firstAction.change],
    });

  const draft: DraftDocument = {
    source: `incidents/${id.toLowerCase()}.md`,
    language: p.language,
    type: 'incident',
    title,
    metadata: { type: 'incident', ticket: id, topic: kind.topic, detected: isoDate(moment), service },
    content: render(title, preamble, sections, 3000),
    candidates,
  };
  if (previous && recurrence)
    draft.candidates.push({
      kind: 'identifier',
      query: p.queries.involving(previous.host),
      passage: recurrence,
      anchors: [previous.host],
      also: [{ document: previous.draft, passage: previous.hostLine }],
    });
  return { id, moment, host: v.host, hostLine, draft };
}

/**
 * `count` incident reports, kinds in turn, each about a different system at a different site.
 * Every `recurEvery`-th report happens again on a host of an earlier one and says so: the queries
 * about that host have two relevant documents.
 */
export function incidentDocuments(
  random: Random,
  ids: Identifiers,
  phrases: IncidentPhrases,
  count: number,
  recurEvery: number,
): DraftDocument[] {
  const places = random.shuffle(
    Object.keys(phrases.cities).flatMap((site) => phrases.systems.map((system) => ({ site, system }))),
  );
  const takePlace = (kind: IncidentKind) => {
    const index = places.findIndex((place) => !kind.publicOnly || place.system[3]);
    if (index < 0) throw new Error(`no system left for a ${kind.topic} incident`);
    return places.splice(index, 1)[0] as (typeof places)[number];
  };
  const reports: Report[] = [];
  const reused = new Set<Report>();
  for (let i = 0; i < count; i += 1) {
    const kind = phrases.kinds[i % phrases.kinds.length] as IncidentKind;
    const earlier = reports.filter((r) => !reused.has(r));
    const previous =
      i % recurEvery === recurEvery - 1 && earlier.length > 0 ? random.pick(earlier) : undefined;
    if (previous) reused.add(previous);
    const next = report(random, ids, phrases, kind, takePlace(kind), previous);
    reports.push(next);
    if (previous) reused.add(next);
  }
  return reports.map((r) => r.draft);
}
