import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { type Command, Option } from 'commander';
import {
  DOCUMENT_EXTENSIONS,
  DOCUMENT_MAX_BYTES,
  type DocumentInput,
  type IngestJob,
  routes,
  SEARCH_MODES,
  type SearchMode,
} from '../../contracts/index.ts';
import { CommandExit, EXIT, UsageError } from '../exit-codes.ts';
import { type Column, renderData, renderTable } from '../output.ts';
import type { CliRuntime } from '../runtime.ts';

/** Bytes of file content per request (base64 makes it a third more on the wire). */
const BATCH_BYTES = 8 * 1024 * 1024;
const BATCH_FILES = 100;

/** Every file under the paths whose extension names a format, sorted; the rest reported as skipped. */
function collectFiles(paths: readonly string[]): { files: string[]; skipped: string[] } {
  const files: string[] = [];
  const skipped: string[] = [];
  const visit = (path: string) => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) throw new UsageError(`no such file or folder: ${path}`);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path).sort()) if (!entry.startsWith('.')) visit(join(path, entry));
    } else if (extname(path).toLowerCase() in DOCUMENT_EXTENSIONS) files.push(path);
    else skipped.push(path);
  };
  for (const path of paths) visit(path);
  return { files, skipped };
}

function progressBar(done: number, total: number, width = 24): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

const hitColumns: Column<{
  rank: number;
  score: number;
  documentId: string;
  heading: string | null;
  text: string;
}>[] = [
  { header: '#', value: (h) => String(h.rank) },
  { header: 'SCORE', value: (h) => h.score.toFixed(3) },
  { header: 'DOCUMENT', value: (h) => h.documentId },
  {
    header: 'PASSAGE',
    value: (h) => `${h.heading ? `${h.heading}: ` : ''}${h.text.replace(/\s+/g, ' ').slice(0, 100)}`,
  },
];

const jobColumns: Column<IngestJob>[] = [
  { header: 'ID', value: (j) => j.id },
  { header: 'STATUS', value: (j) => j.status },
  { header: 'DOCS', value: (j) => String(j.documents.length) },
  { header: 'FAILED', value: (j) => String(j.documents.filter((d) => d.status === 'failed').length) },
  { header: 'CHUNKS', value: (j) => String(j.chunks) },
  { header: 'CREATED', value: (j) => j.createdAt },
];

interface IngestOptions {
  accessGroup?: string;
  sensitivity?: string;
  meta?: string[];
}

export function registerKnowledge(program: Command, runtime: CliRuntime): void {
  const kb = program
    .command('kb')
    .description(
      'Knowledge bases: ingest documents, search them, follow ingestion jobs (create one with actl apply)',
    );

  kb.command('ingest')
    .description(
      'Ingest files and folders (Markdown, text, HTML, JSON, JSONL, PDF): unchanged files are skipped, changed ones replaced',
    )
    .argument('<kb>', 'knowledge base')
    .argument('<paths...>', 'files or folders (walked recursively; hidden entries skipped)')
    .option('--access-group <group>', "who may read them (default: the base's)")
    .option('--sensitivity <level>', "1 public, 2 internal, 3 confidential (default: the base's)")
    .option('--meta <key=value...>', 'metadata on every document')
    .action(async (name: string, paths: string[], options: IngestOptions) => {
      const sensitivity = options.sensitivity === undefined ? undefined : Number(options.sensitivity);
      if (sensitivity !== undefined && ![1, 2, 3].includes(sensitivity))
        throw new UsageError('--sensitivity must be 1, 2 or 3');
      const metadata: Record<string, string> = {};
      for (const pair of options.meta ?? []) {
        const at = pair.indexOf('=');
        if (at < 1) throw new UsageError(`--meta takes key=value, got "${pair}"`);
        metadata[pair.slice(0, at)] = pair.slice(at + 1);
      }
      const { files, skipped } = collectFiles(paths);
      for (const path of skipped) runtime.printer.err(`skipped ${path}: not a supported format`);
      if (files.length === 0)
        throw new UsageError('no files to ingest (supported: .md .txt .html .json .jsonl .pdf)');
      const client = runtime.client();
      const terminal = runtime.printer.terminal();
      const totals = { documents: 0, ingested: 0, unchanged: 0, failed: 0, chunks: 0 };
      const failures: string[] = [];
      const jobs: IngestJob[] = [];
      let batch: DocumentInput[] = [];
      let batchBytes = 0;
      const send = async () => {
        if (batch.length === 0) return;
        const job = await client.call(routes.ingestDocuments, {
          params: { name },
          query: { wait: 'true' },
          body: { documents: batch },
        });
        jobs.push(job);
        for (const document of job.documents) {
          totals.documents++;
          if (document.status === 'failed') {
            totals.failed++;
            failures.push(`${document.source ?? document.id}: ${document.error ?? 'failed'}`);
          } else if (document.status === 'unchanged') totals.unchanged++;
          else if (document.status === 'ingested') totals.ingested++;
        }
        totals.chunks += job.chunks;
        if (job.status === 'queued' || job.status === 'running')
          runtime.printer.err(
            `job ${job.id} is still ${job.status}; follow it with: actl kb jobs ${name} ${job.id}`,
          );
        const line = `${progressBar(totals.documents, files.length)} ${totals.documents}/${files.length} files, ${totals.chunks} chunks, ${totals.failed} failed`;
        if (terminal) terminal.write(`\r${line}`);
        batch = [];
        batchBytes = 0;
      };
      for (const path of files) {
        const size = statSync(path).size;
        const source = relative(runtime.cwd, path).split(sep).join('/');
        const problem =
          size === 0
            ? 'the file is empty'
            : size > DOCUMENT_MAX_BYTES
              ? `${size} bytes is over the ${DOCUMENT_MAX_BYTES}-byte limit of one document`
              : undefined;
        if (problem) {
          totals.documents++;
          totals.failed++;
          failures.push(`${source}: ${problem}`);
          continue;
        }
        if (batch.length >= BATCH_FILES || (batchBytes + size > BATCH_BYTES && batch.length > 0))
          await send();
        batch.push({
          source,
          content_base64: readFileSync(path).toString('base64'),
          ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
          ...(options.accessGroup ? { access_group: options.accessGroup } : {}),
          ...(sensitivity ? { sensitivity_level: sensitivity } : {}),
        });
        batchBytes += size;
      }
      await send();
      if (terminal) terminal.write('\n');
      const format = runtime.format();
      if (format === 'json' || format === 'yaml') runtime.printer.out(renderData({ totals, jobs }, format));
      else {
        for (const failure of failures) runtime.printer.err(`failed ${failure}`);
        runtime.printer.out(
          `${totals.ingested} ingested, ${totals.unchanged} unchanged, ${totals.failed} failed; ${totals.chunks} new chunks in ${name}`,
        );
      }
      if (totals.failed > 0) throw new CommandExit(EXIT.error);
    });

  kb.command('search')
    .description('Hybrid search (dense + full-text, re-ranked), as you may see the documents')
    .argument('<kb>', 'knowledge base')
    .argument('<query...>', 'what to look for')
    .option('-k, --top-k <n>', 'how many passages', '5')
    .addOption(new Option('--mode <mode>', 'retrieval').choices([...SEARCH_MODES]).default('hybrid'))
    .option('--no-rerank', 'keep the fused order')
    .action(
      async (name: string, words: string[], options: { topK: string; mode: SearchMode; rerank: boolean }) => {
        const topK = Number(options.topK);
        if (!Number.isInteger(topK)) throw new UsageError('--top-k must be a whole number');
        const response = await runtime.client().call(routes.searchKnowledgeBase, {
          params: { name },
          body: { query: words.join(' '), top_k: topK, mode: options.mode, rerank: options.rerank },
        });
        const format = runtime.format();
        if (format === 'json' || format === 'yaml') return runtime.printer.out(renderData(response, format));
        if (response.results.length === 0)
          return runtime.printer.err('No passages match (or none you may read).');
        runtime.printer.out(
          renderTable(
            response.results.map((hit, index) => ({ ...hit, rank: index + 1 })),
            hitColumns,
          ),
        );
        runtime.printer.err(
          `${response.mode}, re-ranked: ${response.reranker}, dense index: ${response.denseIndex}, ${response.tookMs} ms`,
        );
      },
    );

  kb.command('jobs')
    .description('Ingestion jobs of a knowledge base, or one job with the outcome of each document')
    .argument('<kb>', 'knowledge base')
    .argument('[job]', 'job id')
    .action(async (name: string, id: string | undefined) => {
      const client = runtime.client();
      const format = runtime.format();
      if (id) {
        const job = await client.call(routes.getIngestJob, { params: { name, job: id } });
        if (format === 'json' || format === 'yaml') return runtime.printer.out(renderData(job, format));
        runtime.printer.out(renderTable([job], jobColumns));
        for (const document of job.documents)
          runtime.printer.out(
            `  ${document.status.padEnd(9)} ${document.source ?? document.id}${document.error ? `: ${document.error}` : ''}`,
          );
        return;
      }
      const page = await client.call(routes.listIngestJobs, { params: { name } });
      if (format === 'json' || format === 'yaml') return runtime.printer.out(renderData(page, format));
      runtime.printer.out(renderTable(page.items, jobColumns));
    });

  kb.command('docs')
    .description('Documents of a knowledge base you may read')
    .argument('<kb>', 'knowledge base')
    .action(async (name: string) => {
      const page = await runtime.client().call(routes.listDocuments, { params: { name } });
      const format = runtime.format();
      if (format === 'json' || format === 'yaml') return runtime.printer.out(renderData(page, format));
      runtime.printer.out(
        renderTable(page.items, [
          { header: 'ID', value: (d) => d.id },
          { header: 'FORMAT', value: (d) => d.format },
          { header: 'CHUNKS', value: (d) => String(d.chunks) },
          { header: 'ACCESS', value: (d) => `${d.access_group}/L${d.sensitivity_level}` },
          { header: 'UPDATED', value: (d) => d.updatedAt },
        ]),
      );
    });

  kb.command('rm')
    .description('Delete a document and its chunks')
    .argument('<kb>', 'knowledge base')
    .argument('<document>', 'document id')
    .action(async (name: string, document: string) => {
      await runtime.client().call(routes.deleteDocument, { params: { name, document } });
      runtime.printer.out(`document ${document} deleted from ${name}`);
    });
}
