import type { LatencySummary, MeanScore } from './metrics.ts';

/** What the runner measured, as it goes to results.json and to the tables. */

export interface IngestionResult {
  base: string;
  documents: number;
  chunks: number;
  seconds: number;
  batches: number;
}

/** Quality of one search configuration: overall and by slice (language, kind, document type). */
export interface QualityResult {
  label: string;
  base: string;
  overall: MeanScore;
  slices: Record<string, MeanScore>;
  judgedBy: { offsets: number; text: number };
  serverTookMs: LatencySummary;
}

export interface LatencyResult {
  label: string;
  concurrency: number;
  eval: LatencySummary;
  scale: LatencySummary;
  scaleServerTookMs: LatencySummary;
}

export function markdownTable(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  align?: string[],
) {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(header),
    line(header.map((_, i) => align?.[i] ?? (i === 0 ? '---' : '---:'))),
    ...rows.map(line),
  ].join('\n');
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '–');
const share = (value: number) => (Number.isFinite(value) ? value.toFixed(3) : '–');

export function ingestionTable(results: readonly IngestionResult[]): string {
  return markdownTable(
    ['base', 'documents', 'chunks', 'batches', 'seconds', 'documents/s', 'chunks/s'],
    results.map((r) => [
      r.base,
      String(r.documents),
      String(r.chunks),
      String(r.batches),
      r.seconds.toFixed(1),
      r.seconds > 0 ? (r.documents / r.seconds).toFixed(1) : '–',
      r.seconds > 0 ? (r.chunks / r.seconds).toFixed(0) : '–',
    ]),
  );
}

/** One table per metric: a row per configuration, a column per slice (with its query count). */
export function qualityTable(
  results: readonly QualityResult[],
  metric: 'recall' | 'mrr',
  slices: string[],
): string {
  const first = results[0];
  const header = [
    'mode',
    `all (n=${first?.overall.queries ?? 0})`,
    ...slices.map((s) => `${s} (n=${first?.slices[s]?.queries ?? 0})`),
  ];
  return markdownTable(
    header,
    results.map((r) => [
      r.label,
      share(r.overall[metric]),
      ...slices.map((s) => share(r.slices[s]?.[metric] ?? Number.NaN)),
    ]),
  );
}

export function scaleQualityTable(small: readonly QualityResult[], large: readonly QualityResult[]): string {
  return markdownTable(
    [
      'mode',
      'recall@5 eval',
      'recall@5 scale',
      'MRR@10 eval',
      'MRR@10 scale',
      'server p50 ms eval',
      'server p50 ms scale',
    ],
    small.map((r, i) => {
      const other = large[i];
      return [
        r.label,
        share(r.overall.recall),
        share(other?.overall.recall ?? Number.NaN),
        share(r.overall.mrr),
        share(other?.overall.mrr ?? Number.NaN),
        ms(r.serverTookMs.p50),
        ms(other?.serverTookMs.p50 ?? Number.NaN),
      ];
    }),
  );
}

export function latencyTable(results: readonly LatencyResult[], targetMs: number): string {
  return markdownTable(
    [
      'mode',
      'in flight',
      'eval p50',
      'eval p95',
      'eval p99',
      'scale p50',
      'scale p95',
      'scale p99',
      'p95 scale / eval',
      'server p50 (scale)',
      `scale p95 < ${targetMs} ms`,
    ],
    results.map((r) => [
      r.label,
      String(r.concurrency),
      ms(r.eval.p50),
      ms(r.eval.p95),
      ms(r.eval.p99),
      ms(r.scale.p50),
      ms(r.scale.p95),
      ms(r.scale.p99),
      `${(r.scale.p95 / r.eval.p95).toFixed(2)}x`,
      ms(r.scaleServerTookMs.p50),
      r.scale.p95 < targetMs ? 'yes' : 'no',
    ]),
  );
}
