/**
 * One kind of incident a report can be about. Templates use the report's values: {id}, {service},
 * {host}, {host2}, {ws}, {ip}, {ip2}, {wsip}, {ext}, {user}, {person}, {domain}, {cve}, {family},
 * {n}, {records}, {minutes}, {amount}, {edr}, {siem}.
 */
export interface IncidentKind {
  /** The SOP topic (slug) it is handled under. */
  topic: string;
  keyword: string;
  /** What happened, as the root-cause sentence names it: "The {service} {noun} happened because …". */
  noun: string;
  titles: string[];
  summary: string[];
  /** Events in order: the first is the initial access (before detection), the second the detection. */
  timeline: string[];
  /** Clauses: "… found that {clause}." */
  rootCauses: string[];
  /** [impact sentence, a question it answers that names the service]. */
  impacts: Array<[string, string]>;
  actions: string[];
  /** A question about the root cause that names the service but not the ticket. */
  rootQuery: string;
  /** Roles the second affected host may have (default: any). */
  secondRoles?: string[];
  /** Happens only to systems reachable from the internet (logins, floods, injection). */
  publicOnly?: boolean;
}

/** A business system incidents happen to: [name, host role, what that host is, internet-facing]. */
export type SystemSpec = readonly [string, string, string, boolean];
