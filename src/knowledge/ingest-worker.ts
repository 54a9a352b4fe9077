import { durationToMs, type KnowledgeBaseSpec } from '../contracts/index.ts';
import { canonicalJson, fullJitterDelay, isAppError } from '../core/index.ts';
import { embedderFor } from './embedders.ts';
import { bytesOf, hashOf, prepareDocument } from './ingest.ts';
import type { ClaimedJob, EmbeddingClient, IngestJobStore, KnowledgeStore, QueuedDocument } from './ports.ts';

/** How long a claimed job is ours without news; renewed after every document. */
const LEASE_MS = 60_000;
/** Attempts before a job whose failures are not the documents' own gives up. */
export const MAX_ATTEMPTS = 3;
const IDLE_POLL_MS = 500;

export interface IngestWorkerDeps {
  jobs: IngestJobStore;
  store: KnowledgeStore;
  /** The base's spec by id, at the moment its job runs; null when the base is gone. */
  specOf(tenantId: string, kbName: string, signal: AbortSignal): Promise<KnowledgeBaseSpec | null>;
  embeddings?: EmbeddingClient | undefined;
  owner: string;
  /** How often documents past their base's `retention` are deleted. */
  retentionEveryMs: number;
  /** Told how many documents a retention sweep deleted from a base. */
  onExpired?(deleted: number, base: { tenantId: string; kbId: string }): void;
  onError(error: unknown, job: { id: string; tenantId: string } | null): void;
}

/** A document's own failure (unreadable, empty): it fails alone and is not retried. */
const isDocumentFault = (error: unknown) => isAppError(error) && error.category === 'invalid';

/**
 * Runs ingestion jobs: claims one due job at a time (of any tenant), ingests its documents one by
 * one, each in its own transaction, and records the outcome of each. A document that cannot be
 * read fails alone; a fault outside the document (the embedding model, the database) gives the
 * job back to run again later, up to MAX_ATTEMPTS. Documents already in are skipped on the
 * next attempt by their content hash.
 */
export class IngestWorker {
  #stopped = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  readonly #abort = new AbortController();

  constructor(private readonly deps: IngestWorkerDeps) {}

  start(): void {
    this.#loop ??= this.#run();
  }

  /** A job was queued here: look now rather than at the next poll. */
  kick(): void {
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort(new Error('the ingest worker is stopping'));
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    let nextSweep = Date.now();
    while (!this.#stopped) {
      if (Date.now() >= nextSweep) {
        nextSweep = Date.now() + this.deps.retentionEveryMs;
        await this.sweepRetention().catch((error: unknown) => {
          if (!this.#stopped) this.deps.onError(error, null);
        });
      }
      let job: ClaimedJob | null = null;
      try {
        job = await this.deps.jobs.claim(this.deps.owner, LEASE_MS, this.#abort.signal);
        if (job) await this.#process(job);
      } catch (error) {
        if (!this.#stopped) this.deps.onError(error, job);
      }
      if (!job && !this.#stopped) await this.#idle();
    }
  }

  /** Deletes the documents of every base that have not changed for longer than its `retention`. */
  async sweepRetention(): Promise<void> {
    const signal = this.#abort.signal;
    for (const base of await this.deps.store.basesWithRetention(signal)) {
      const before = new Date(Date.now() - durationToMs(base.retention));
      const deleted = await this.deps.store.deleteStale(base.tenantId, base.kbId, before, signal);
      if (deleted > 0) this.deps.onExpired?.(deleted, base);
    }
  }

  #idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, IDLE_POLL_MS);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  async #process(job: ClaimedJob): Promise<void> {
    const signal = this.#abort.signal;
    const spec = await this.deps.specOf(job.tenantId, job.kbName, signal);
    if (!spec) {
      await this.deps.jobs.finish(job, this.deps.owner, 'failed', 'the knowledge base was deleted');
      return;
    }
    const embed = embedderFor(spec.embedder, job.tenantId, this.deps.embeddings);
    try {
      for (const [index, document] of job.payload.entries()) {
        const outcome = job.outcome[index];
        if (outcome?.status !== 'pending') continue;
        try {
          const result = await this.#ingest(job, document, spec, embed, signal);
          outcome.status = result.status;
          outcome.chunks = result.chunks;
          job.chunks += result.status === 'ingested' ? result.chunks : 0;
        } catch (error) {
          if (!isDocumentFault(error)) throw error;
          outcome.status = 'failed';
          outcome.error = (error as Error).message;
        }
        if (!(await this.deps.jobs.progress(job, this.deps.owner, LEASE_MS, signal))) return;
      }
    } catch (error) {
      if (signal.aborted) return;
      const message = error instanceof Error ? error.message : String(error);
      if (job.attempts < MAX_ATTEMPTS) {
        const wakeAt = new Date(Date.now() + fullJitterDelay(job.attempts, Math.random, 1_000, 60_000));
        await this.deps.jobs.retryAt(job, this.deps.owner, wakeAt, message);
        return;
      }
      for (const outcome of job.outcome)
        if (outcome.status === 'pending') Object.assign(outcome, { status: 'failed', error: message });
      await this.deps.jobs.finish(job, this.deps.owner, 'failed', message);
      return;
    }
    const failed = job.outcome.filter((outcome) => outcome.status === 'failed').length;
    const status = failed === 0 ? 'succeeded' : failed === job.outcome.length ? 'failed' : 'partial';
    await this.deps.jobs.finish(job, this.deps.owner, status, null);
  }

  async #ingest(
    job: ClaimedJob,
    document: QueuedDocument,
    spec: KnowledgeBaseSpec,
    embed: ReturnType<typeof embedderFor>,
    signal: AbortSignal,
  ): Promise<{ status: 'ingested' | 'unchanged'; chunks: number }> {
    const bytes = bytesOf(document);
    const contentHash = hashOf(bytes);
    const existing = await this.deps.store.findDocument(job.tenantId, job.kbId, document.key, signal);
    if (existing && existing.contentHash === contentHash) {
      const sameAccess =
        existing.accessGroup === document.accessGroup &&
        existing.sensitivity === document.sensitivity &&
        existing.source === document.source &&
        canonicalJson(existing.metadata) === canonicalJson(document.metadata);
      if (!sameAccess)
        await this.deps.store.updateDocumentAccess(job.tenantId, existing.id, document, signal);
      return { status: 'unchanged', chunks: existing.chunkCount };
    }
    const { write, chunks } = await prepareDocument(document, bytes, contentHash, spec, embed, signal);
    await this.deps.store.putDocument(job.tenantId, job.kbId, write, chunks, signal);
    return { status: 'ingested', chunks: chunks.length };
  }
}
