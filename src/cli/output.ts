import Table from 'cli-table3';
import { stringify } from 'yaml';
import { UsageError } from './exit-codes.ts';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml', 'name'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function parseOutputFormat(value: string | undefined): OutputFormat {
  const format = value ?? 'table';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`-o must be one of ${OUTPUT_FORMATS.join(', ')} (got "${format}")`);
  }
  return format as OutputFormat;
}

export interface Column<T> {
  header: string;
  value: (item: T) => string;
}

/** A borderless, kubectl-like table; no colours, so pipes and files get plain text. */
export function renderTable<T>(items: readonly T[], columns: readonly Column<T>[]): string {
  const table = new Table({
    head: columns.map((c) => c.header),
    chars: {
      top: '',
      'top-mid': '',
      'top-left': '',
      'top-right': '',
      bottom: '',
      'bottom-mid': '',
      'bottom-left': '',
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      right: '',
      'right-mid': '',
      middle: '   ',
    },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  for (const item of items) table.push(columns.map((c) => c.value(item)));
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

export function renderData(data: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? JSON.stringify(data, null, 2) : stringify(data).trimEnd();
}

/** How long ago, the way kubectl says it: 45s, 12m, 3h, 5d. */
export function age(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

export interface Printer {
  /** One or more lines on stdout (a newline is added). */
  out(text: string): void;
  /** One or more lines on stderr (a newline is added). */
  err(text: string): void;
  /** Text on stdout exactly as given: a live token stream that ends its line later. */
  write(text: string): void;
  /** stdout when it is a terminal (spinners and colours go there), undefined when piped. */
  terminal(): NodeJS.WriteStream | undefined;
}

export const stdio: Printer = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  write: (text) => process.stdout.write(text),
  terminal: () => (process.stdout.isTTY ? process.stdout : undefined),
};
