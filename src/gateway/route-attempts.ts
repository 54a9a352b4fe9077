import { abortableSleep, fullJitterDelay } from '../core/index.ts';
import type { Route } from './model-resolver.ts';
import { GatewayError } from './openai-wire.ts';
import {
  type Attempt,
  type BackendHealth,
  earliestRetryMs,
  planRoute,
  type RouteTarget,
} from './routing/index.ts';
import { BACKEND_BUSY, type Exchange, type UpstreamPool } from './upstream-exchange.ts';

/** The longest Retry-After worth waiting for before the same backend; past it, fail over at once. */
const MAX_RETRY_WAIT_MS = 10_000;
const MAX_FALLBACK_DEPTH = 4;

export interface AttemptContext {
  pool: UpstreamPool;
  health: BackendHealth;
  random: () => number;
  now: () => number;
  /** The route a fallback name stands for, or null if it names nothing. */
  resolveFallback: (name: string) => Route | null;
  path: string;
  /** The request body for one target (its upstream model name, its trust level). */
  bodyFor: (target: RouteTarget) => string;
  streaming: boolean;
  signal: AbortSignal;
}

/** An open upstream answer and where it came from. */
export interface Opened {
  exchange: Exchange;
  target: RouteTarget;
  health: Attempt;
  /** Upstream requests made, this one included. */
  attempts: number;
}

/**
 * Opens the route: tries its targets in the order its strategy gives (leaving out open circuits),
 * `route.maxAttempts` times in all — several targets are failed over in turn, a single one is
 * retried after an exponential, fully jittered backoff (or the backend's Retry-After, when it asks
 * for at most 10 s) — and then each fallback in turn. Only failures the backend is to blame for
 * move on (429, 5xx, unreachable, timeout, local queue full); an upstream 4xx is the caller's and
 * is thrown at once. Throws the last failure when nothing answered, or a 503 with Retry-After if
 * every circuit was open.
 */
export async function openRoute(route: Route, context: AttemptContext): Promise<Opened> {
  const state: AttemptState = {
    attempts: 0,
    lastError: undefined,
    circuitWaitMs: Infinity,
    failures: new Map(),
  };
  const visited = new Set<string>([route.requested]);
  const queue: Route[] = [route];
  for (let depth = 0; depth <= MAX_FALLBACK_DEPTH && queue.length > 0; depth += 1) {
    const current = queue.shift() as Route;
    const opened = await tryRoute(current, context, state);
    if (opened) return opened;
    for (const name of current.fallbacks) {
      if (visited.has(name)) continue;
      visited.add(name);
      const fallback = context.resolveFallback(name);
      if (fallback) queue.push(fallback);
    }
  }
  if (state.lastError) throw summarize(route.requested, state);
  const waitMs = Number.isFinite(state.circuitWaitMs) ? state.circuitWaitMs : 1_000;
  throw new GatewayError(
    503,
    {
      message: `every backend of \`${route.requested}\` is failing (circuit open); retry in ${Math.ceil(waitMs / 1000)} s`,
      type: 'upstream_error',
      code: 'circuit_open',
    },
    { retryAfterMs: waitMs },
  );
}

interface AttemptState {
  attempts: number;
  lastError: GatewayError | undefined;
  circuitWaitMs: number;
  /** The last failure of each target tried, by `backend/model`. */
  failures: Map<string, string>;
}

/**
 * The last failure, named for what the caller asked: with several targets tried, every one's
 * reason, so "cannot reach local-vllm" does not hide that the fallback failed too.
 */
function summarize(requested: string, state: AttemptState): GatewayError {
  const last = state.lastError as GatewayError;
  if (state.failures.size < 2) return last;
  const reasons = [...state.failures].map(([id, reason]) => `${id}: ${reason}`).join('; ');
  return new GatewayError(
    last.status,
    {
      message: `no target of \`${requested}\` answered (${reasons})`,
      type: last.type,
      param: last.param,
      code: last.code,
    },
    { cause: last, ...(last.retryAfterMs === undefined ? {} : { retryAfterMs: last.retryAfterMs }) },
  );
}

async function tryRoute(route: Route, context: AttemptContext, state: AttemptState): Promise<Opened | null> {
  const plan = planRoute(route.strategy, route.targets, { health: context.health, random: context.random });
  if (plan.length === 0) {
    state.circuitWaitMs = Math.min(state.circuitWaitMs, earliestRetryMs(route.targets, context.health));
    return null;
  }
  let retryAfter: number | undefined;
  for (let attempt = 0; attempt < route.maxAttempts; attempt += 1) {
    const target = plan[attempt % plan.length] as RouteTarget;
    if (attempt >= plan.length) {
      // Back at a target already tried: wait, as the backend asked or by backoff.
      if (retryAfter !== undefined && retryAfter > MAX_RETRY_WAIT_MS) return null;
      const backoff = fullJitterDelay(attempt - plan.length, context.random, route.backoffMs);
      await abortableSleep(Math.max(backoff, retryAfter ?? 0), context.signal);
    }
    const health = context.health.begin(target.backend.key, route.breaker);
    if (!health) continue;
    state.attempts += 1;
    const started = context.now();
    try {
      const exchange = await context.pool.open(
        target.backend,
        context.path,
        context.bodyFor(target),
        context.streaming,
        context.signal,
      );
      health.succeeded(context.now() - started);
      return { exchange, target, health, attempts: state.attempts };
    } catch (error) {
      if (!(error instanceof GatewayError) || !isRetryable(error)) {
        health.released();
        throw error;
      }
      if (error.code === BACKEND_BUSY) health.released();
      else health.failed(error.status === 504 ? context.now() - started : undefined);
      state.lastError = error;
      state.failures.set(target.id, error.message);
      retryAfter = error.retryAfterMs;
    }
  }
  return null;
}

/** Failures another attempt (or another backend) may cure. */
export function isRetryable(error: GatewayError): boolean {
  return error.status === 408 || error.status === 429 || error.status >= 500;
}
