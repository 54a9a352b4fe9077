import type { QueryKind } from '../dataset.ts';
import { QUERY_KINDS } from '../dataset.ts';
import type { FactSpec, FactValues } from './sop-types.ts';
import type { QueryCandidate } from './text.ts';
import { fill } from './text.ts';

/** "kind: text" as written in the topic tables. */
export function parseQuery(spec: string): { kind: QueryKind; text: string } {
  const colon = spec.indexOf(':');
  const kind = QUERY_KINDS.find((k) => k === spec.slice(0, colon).trim());
  if (!kind) throw new Error(`query ${JSON.stringify(spec)} names no kind`);
  return { kind, text: spec.slice(colon + 1).trim() };
}

export interface FilledFact {
  sentence: string;
  candidates: QueryCandidate[];
}

/**
 * A fact of one document variant: its sentence and the queries it answers. `draw` picks `{n}` and
 * `{m}` from their ranges (and may scale or format them).
 */
export function fillFact(
  template: FactSpec,
  values: FactValues,
  draw: (range: [number, number], name: 'n' | 'm') => number | string,
): FilledFact {
  const all: FactValues = {
    ...values,
    ...(template.n ? { n: draw(template.n, 'n') } : {}),
    ...(template.m ? { m: draw(template.m, 'm') } : {}),
  };
  const sentence = fill(template.text, all);
  const anchors = (template.anchors ?? ['{label}', template.anchor]).map((anchor) => fill(anchor, all));
  return {
    sentence,
    candidates: template.queries.map((spec) => {
      const { kind, text } = parseQuery(spec);
      return { kind, query: fill(text, all), passage: sentence, anchors };
    }),
  };
}
