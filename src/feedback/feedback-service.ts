import type {
  DatasetExample,
  Feedback,
  FeedbackWrite,
  Page,
  PreferenceQuery,
  RunStatus,
} from '../contracts/index.ts';
import {
  AppError,
  assertNever,
  type Clock,
  decodeCursor,
  encodeCursor,
  IdCursorSchema,
  notFound,
} from '../core/index.ts';
import { exampleOf, promptOf, promptSettings } from './dataset-examples.ts';
import type {
  DatasetSource,
  FeedbackAudit,
  FeedbackMasking,
  FeedbackRecord,
  FeedbackStore,
  HistoryMessage,
  HistoryRequest,
} from './ports.ts';

/**
 * Run statuses that take feedback: the run has an answer, or a proposal waiting for a decision,
 * to judge. A pending or running run has neither yet.
 */
export const FEEDBACK_RUN_STATUSES: readonly RunStatus[] = [
  'paused',
  'completed',
  'failed',
  'cancelled',
  'timed_out',
];

export interface FeedbackServiceDeps {
  store: FeedbackStore;
  masking: FeedbackMasking;
  audit: FeedbackAudit;
  clock: Clock;
}

/** Who gives feedback: the calling principal. */
export interface FeedbackAuthor {
  id: string;
  name: string;
}

function toWire(record: FeedbackRecord): Feedback {
  return {
    id: record.id,
    run_id: record.runId,
    agent: record.agent,
    principal: record.principal,
    score: record.score,
    correction: record.correction,
    category: record.category,
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
  };
}

const runNotFound = (runId: string) => notFound('run', runId);

/**
 * Feedback on runs — one per principal and run, replaced by a repeat, audited — and the training
 * datasets made from it, masked on the way out.
 */
export class FeedbackService {
  readonly #deps: FeedbackServiceDeps;

  constructor(deps: FeedbackServiceDeps) {
    this.#deps = deps;
  }

  /**
   * Records the author's feedback on the run, replacing theirs if they gave some before; the
   * correction is masked first. Throws NOT_FOUND if the run is not the tenant's, CONFLICT while it
   * is pending or running. The audit record is written after the feedback commits: if that fails
   * the call throws and the feedback stands (as with admin changes).
   */
  async give(
    tenantId: string,
    author: FeedbackAuthor,
    runId: string,
    write: FeedbackWrite,
    signal?: AbortSignal,
  ): Promise<{ feedback: Feedback; created: boolean }> {
    const correction =
      write.correction === undefined ? null : await this.#deps.masking.forStorage(tenantId, write.correction);
    const result = await this.#deps.store.upsert(
      tenantId,
      {
        runId,
        principal: author.name,
        score: write.score,
        correction,
        category: write.category ?? null,
        at: this.#deps.clock.now(),
      },
      FEEDBACK_RUN_STATUSES,
      signal,
    );
    switch (result.outcome) {
      case 'run_not_found':
        throw runNotFound(runId);
      case 'run_not_ready':
        throw new AppError(
          'CONFLICT',
          `run ${runId} is ${result.status}: give feedback once it has ended (or is paused for a decision)`,
        );
      case 'created':
      case 'replaced': {
        const operation = result.outcome === 'created' ? 'create' : 'replace';
        await this.#deps.audit.record(
          tenantId,
          { operation, principal: author.name, principalId: author.id, feedback: result.feedback },
          signal,
        );
        return { feedback: toWire(result.feedback), created: result.outcome === 'created' };
      }
      default:
        return assertNever(result);
    }
  }

  /** Every principal's feedback on the run, oldest first. Throws NOT_FOUND if the run is not the tenant's. */
  async list(tenantId: string, runId: string, signal?: AbortSignal): Promise<Feedback[]> {
    const records = await this.#deps.store.list(tenantId, runId, signal);
    if (records === null) throw runNotFound(runId);
    return records.map(toWire);
  }

  /** Withdraws the author's feedback. Throws NOT_FOUND if they gave none on this run of the tenant. */
  async withdraw(
    tenantId: string,
    author: FeedbackAuthor,
    runId: string,
    signal?: AbortSignal,
  ): Promise<void> {
    const removed = await this.#deps.store.remove(tenantId, runId, author.name, signal);
    if (!removed) throw new AppError('NOT_FOUND', `${author.name} has no feedback on run ${runId}`);
    await this.#deps.audit.record(
      tenantId,
      { operation: 'delete', principal: author.name, principalId: author.id, feedback: removed },
      signal,
    );
  }

  /**
   * A page of training examples in feedback order. A page reads `limit` feedback rows and may
   * hold fewer examples (rows that make none are skipped); `nextCursor` is null at the end.
   * Prompts and answers are masked for export.
   */
  async preferences(
    tenantId: string,
    query: PreferenceQuery,
    signal?: AbortSignal,
  ): Promise<Page<DatasetExample>> {
    const after = decodeCursor(query.cursor, IdCursorSchema);
    const rows = await this.#deps.store.scan(
      tenantId,
      {
        format: query.format,
        agent: query.agent,
        from: query.from ? new Date(query.from) : undefined,
        to: query.to ? new Date(query.to) : undefined,
        afterId: after?.id,
        limit: query.limit + 1,
      },
      signal,
    );
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    const histories = await this.#histories(tenantId, page, signal);
    const items: DatasetExample[] = [];
    for (const row of page) {
      const settings = promptSettings(row.spec);
      const prompt = promptOf(row, settings, histories.get(row.runId) ?? []);
      const example = exampleOf(query.format, row, prompt);
      if (example) items.push(await this.#mask(tenantId, example));
    }
    return {
      items,
      nextCursor: rows.length > query.limit && last ? encodeCursor({ id: last.feedbackId }) : null,
    };
  }

  #histories(
    tenantId: string,
    rows: readonly DatasetSource[],
    signal?: AbortSignal,
  ): Promise<Map<string, HistoryMessage[]>> {
    const requests: HistoryRequest[] = [];
    const seen = new Set<string>();
    for (const row of rows) {
      const limit = promptSettings(row.spec).maxHistory;
      if (row.sessionId === null || limit === 0 || seen.has(row.runId)) continue;
      seen.add(row.runId);
      requests.push({ runId: row.runId, sessionId: row.sessionId, before: row.startedAt, limit });
    }
    return requests.length === 0
      ? Promise.resolve(new Map())
      : this.#deps.store.histories(tenantId, requests, signal);
  }

  /** Masks the texts of an example; its metadata (ids, names, scores) stays as it is. */
  async #mask(tenantId: string, example: DatasetExample): Promise<DatasetExample> {
    if ('chosen' in example) {
      const { prompt, chosen, rejected } = example;
      return { ...example, ...(await this.#deps.masking.forExport(tenantId, { prompt, chosen, rejected })) };
    }
    const { prompt, completion } = example;
    return { ...example, ...(await this.#deps.masking.forExport(tenantId, { prompt, completion })) };
  }
}
