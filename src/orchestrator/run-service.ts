import { randomBytes } from 'node:crypto';
import {
  type AgentSpec,
  durationToMs,
  type Page,
  type ResolveAction,
  type Run,
  type RunCreate,
  type RunStep,
  type Session,
  type SessionMessage,
  SPAN_ATTRIBUTES,
} from '../contracts/index.ts';
import {
  AppError,
  activeTraceIds,
  type Clock,
  contentHash,
  decodeCursor,
  encodeCursor,
  IdCursorSchema,
  type IdGenerator,
  NO_TELEMETRY,
  notFound,
  type Telemetry,
} from '../core/index.ts';
import type { RunEventFeed } from './event-feed.ts';
import type { EventRecord, RunFilter, RunRecord, RunStore } from './ports.ts';
import { toRunResource, toSessionMessageResource, toSessionResource, toStepResource } from './resources.ts';
import { startRunSpan } from './run-span.ts';
import { isTerminal } from './run-states.ts';

/** How the API finds the agent version a new run uses (the registry, wired in main.ts). */
export interface AgentDirectory {
  /**
   * The given version, or the active one. Throws NOT_FOUND for an unknown agent or version and
   * CONFLICT when the agent has no published version and none was named, or the version is deprecated.
   */
  versionFor(
    tenantId: string,
    agent: string,
    version: number | undefined,
  ): Promise<{ version: number; spec: AgentSpec }>;
}

export interface Caller {
  tenantId: string;
  principal: string;
}

/** A W3C trace id: 16 random bytes as hex. */
const newTraceId = () => randomBytes(16).toString('hex');

/** Runs as the API offers them: start (idempotently), read, list, cancel, resolve, follow. */
export class RunService {
  constructor(
    private readonly store: RunStore,
    private readonly agents: AgentDirectory,
    private readonly feed: RunEventFeed,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly telemetry: Telemetry = NO_TELEMETRY,
  ) {}

  /**
   * Starts a run, or returns the run an earlier start with the same idempotency key began
   * (`created: false`); the same key with a different request is a CONFLICT. With `keyOnly`, the
   * key alone identifies the request: a repeat gets the key's run whatever its body (a webhook
   * re-sending an alert with a new timestamp).
   */
  async start(
    caller: Caller,
    agent: string,
    request: RunCreate,
    headerKey: string | undefined,
    options: { keyOnly?: boolean } = {},
  ): Promise<{ run: Run; created: boolean }> {
    const key = request.idempotency_key ?? headerKey;
    if (request.idempotency_key && headerKey && request.idempotency_key !== headerKey) {
      throw new AppError('INVALID_REQUEST', 'the Idempotency-Key header and idempotency_key differ', {
        fieldErrors: [{ pointer: '/idempotency_key', detail: 'must equal the Idempotency-Key header' }],
      });
    }
    const { version, spec } = await this.agents.versionFor(caller.tenantId, agent, request.version);
    const now = this.clock.now();
    // The request's trace (a client's traceparent): the run joins it, its root span under the client's.
    const parent = activeTraceIds();
    const { run, created } = await this.store.create(
      caller.tenantId,
      {
        id: this.ids.next(),
        agentName: agent,
        agentVersion: version,
        sessionId: request.session_id ?? null,
        input: request.input,
        metadata: request.metadata ?? {},
        idempotencyKey: key ?? null,
        requestHash: !key
          ? null
          : options.keyOnly
            ? contentHash({ key })
            : contentHash({
                agent,
                version: request.version ?? null,
                input: request.input,
                metadata: request.metadata ?? {},
                session: request.session_id ?? null,
              }),
        createdBy: caller.principal,
        traceId: parent?.traceId ?? newTraceId(),
        parentSpanId: parent?.spanId ?? null,
        timeoutMs: spec.limits?.timeout ? durationToMs(spec.limits.timeout) : null,
        createdAt: now,
      },
      { concurrency: spec.concurrency },
    );
    return { run: toRunResource(run), created };
  }

  async #require(tenantId: string, id: string): Promise<RunRecord> {
    const run = await this.store.get(tenantId, id);
    if (!run) throw notFound('run', id);
    return run;
  }

  async get(tenantId: string, id: string): Promise<Run> {
    return toRunResource(await this.#require(tenantId, id));
  }

  async list(
    tenantId: string,
    filter: RunFilter,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<Page<Run>> {
    const after = decodeCursor(page.cursor, IdCursorSchema)?.id;
    const rows = await this.store.list(tenantId, filter, { limit: page.limit + 1, after });
    const items = rows.slice(0, page.limit).map(toRunResource);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > page.limit && last ? encodeCursor({ id: last.id }) : null };
  }

  /**
   * A running run is stopped by its worker (whose `Run` span records the end); a pending or paused
   * one ends here, so it gets a `Run` span of its own: the trace shows the end, and the run counts
   * in `agent_run_total`.
   */
  async cancel(caller: Caller, id: string, reason: string | undefined): Promise<Run> {
    const run = await this.store.requestCancel(caller.tenantId, id, caller.principal, reason);
    if (run.status === 'cancelled')
      startRunSpan(this.telemetry, run, {
        [SPAN_ATTRIBUTES.runStatus]: 'cancelled',
        [SPAN_ATTRIBUTES.runReason]: 'cancelled',
        'run.cancelled_by': caller.principal,
      }).end();
    return toRunResource(run);
  }

  async resolve(
    caller: Caller,
    id: string,
    action: ResolveAction,
    comment: string | undefined,
  ): Promise<Run> {
    return toRunResource(
      await this.store.resolve(caller.tenantId, id, { action, by: caller.principal, comment }),
    );
  }

  async steps(tenantId: string, id: string): Promise<RunStep[]> {
    await this.#require(tenantId, id);
    return (await this.store.steps(tenantId, id)).map(toStepResource);
  }

  /**
   * Checks the run and the resume point before a stream opens. `after` beyond the run's last
   * event is an id this server never issued: INVALID_REQUEST. Returns `finished: true` when the
   * run has ended and the caller has every event (nothing is left to stream).
   */
  async openEvents(tenantId: string, id: string, after: number): Promise<{ finished: boolean }> {
    const run = await this.#require(tenantId, id);
    if (after > run.eventSeq) {
      throw new AppError(
        'INVALID_REQUEST',
        `event id ${after} is unknown: run ${id} has ${run.eventSeq} event(s)`,
        {
          fieldErrors: [{ pointer: '/headers/last-event-id', detail: 'not an event id of this run' }],
        },
      );
    }
    return { finished: isTerminal(run.status) && after === run.eventSeq };
  }

  follow(
    tenantId: string,
    id: string,
    after: number,
    signal: AbortSignal,
  ): AsyncGenerator<EventRecord | null> {
    return this.feed.follow(tenantId, id, after, signal);
  }

  async createSession(
    tenantId: string,
    input: {
      id?: string | undefined;
      agent?: string | undefined;
      metadata?: Record<string, string> | undefined;
    },
  ): Promise<Session> {
    const now = this.clock.now();
    return toSessionResource(
      await this.store.createSession(tenantId, {
        id: input.id ?? this.ids.next(),
        agentName: input.agent ?? null,
        metadata: input.metadata ?? {},
        createdAt: now,
        updatedAt: now,
      }),
    );
  }

  async getSession(tenantId: string, id: string): Promise<Session> {
    const session = await this.store.getSession(tenantId, id);
    if (!session) throw notFound('session', id);
    return toSessionResource(session);
  }

  async sessionMessages(tenantId: string, id: string): Promise<SessionMessage[]> {
    await this.getSession(tenantId, id);
    return (await this.store.sessionMessages(tenantId, id)).map(toSessionMessageResource);
  }
}
