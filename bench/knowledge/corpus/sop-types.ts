/** What an SOP is composed from: a topic (what to do), a scope (for whom) and facts told apart by scope. */

export const SOP_SECTIONS = ['triage', 'escalation', 'containment', 'recovery', 'communication'] as const;
export type SopSection = (typeof SOP_SECTIONS)[number];

/** A business unit an SOP variant is written for; its label is how people name it in a question. */
export interface Scope {
  label: string;
  /** As it reads in a sentence: "the Payments division". */
  unit: string;
  slug: string;
  /** Site code its hosts are named after. */
  site: string;
  edr: string;
  siem: string;
}

/**
 * One statement a document variant makes, with the values that differ per variant. `{n}` and `{m}`
 * are drawn from their ranges; the other placeholders come from the variant. Queries are
 * `kind: text`; anchors default to the variant's label plus `anchor`.
 */
export interface FactSpec {
  text: string;
  n?: [number, number];
  m?: [number, number];
  /** `{n}` is an amount of money in the variant's currency (policies). */
  money?: boolean;
  anchor: string;
  /** Replaces the default anchors (for facts told apart by an identifier alone). */
  anchors?: string[];
  queries: string[];
}

/** A fact of an SOP, and the section it goes in. */
export interface FactTemplate extends FactSpec {
  section: SopSection;
}

export type FactValues = Record<string, string | number>;

export interface SopTopic {
  code: string;
  slug: string;
  title: string;
  /** The words a keyword query uses for the topic. */
  keyword: string;
  purpose: string[];
  signals: string[];
  containment: string[];
  recovery: string[];
  /** Log sources the variant states a retention for: [as the SOP names it, as a person asks]. */
  logKinds: Array<[string, string]>;
  facts: FactTemplate[];
}
