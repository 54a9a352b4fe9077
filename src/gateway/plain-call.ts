import type { Span } from '@opentelemetry/api';
import type { z } from 'zod';
import { parseUpstream, usageOf } from './completion-shapes.ts';
import type { CallOptions, Served } from './gateway-options.ts';
import { invocationRecorder } from './invocation-recorder.ts';
import { fallbackRoute, type Route, reachableTargets } from './model-resolver.ts';
import type { GatewayAudit, GatewayCaller, PseudonymSession, TenantCatalog, UsageGovernor } from './ports.ts';
import { type Opened, openRoute } from './route-attempts.ts';
import type { BackendHealth, RouteTarget } from './routing/index.ts';
import { costOf, highestPrice } from './spend.ts';
import { malformedUpstream } from './upstream-errors.ts';
import type { UpstreamPool } from './upstream-exchange.ts';

/** A gateway call answered by one JSON body: what differs between embeddings and rerank. */
export interface PlainCall {
  operation: 'embeddings' | 'rerank';
  model: string;
  /** Tokens reserved on the budgets before the call. */
  estimate: number;
  /** Appended to the backend's endpoint. */
  path: string;
  schema: z.ZodType<Record<string, unknown>>;
  bodyFor(target: RouteTarget, session: PseudonymSession | null): Record<string, unknown>;
}

/** The gateway's parts a plain call uses. */
export interface PlainCallDeps {
  audit: GatewayAudit;
  governor: UsageGovernor | undefined;
  now: () => number;
  random: () => number;
  pool: UpstreamPool;
  health: BackendHealth;
  route(
    tenantId: string,
    model: string,
    pin: string | null,
    signal: AbortSignal,
  ): Promise<{ catalog: TenantCatalog; route: Route }>;
  session(sessions: Map<string, PseudonymSession>, target: RouteTarget): PseudonymSession | null;
}

/**
 * A call answered by one JSON body (embeddings, rerank): no streaming, no cache. Admitted and
 * reserved on the caller's limits, routed with failover, settled on the usage the answer reports
 * (the reservation when it reports none), and recorded once.
 */
export async function plainCall(
  deps: PlainCallDeps,
  caller: GatewayCaller,
  call: PlainCall,
  signal: AbortSignal,
  options: CallOptions,
  span: Span,
): Promise<{ body: Record<string, unknown>; served: Served }> {
  const started = deps.now();
  const { catalog, route } = await deps.route(caller.tenantId, call.model, options.pin ?? null, signal);
  const estimate = call.estimate;
  const record = invocationRecorder(
    deps.audit,
    deps.now,
    caller,
    route.requested,
    call.operation,
    false,
    started,
    signal,
    span,
  );
  const refused = (error: unknown) => record.failed(error, route.requested, null);
  await deps.governor?.admit(caller, estimate, signal).catch(refused);
  const reserved = { tokens: estimate, usd: highestPrice(reachableTargets(catalog, route), estimate) };
  const hold = await deps.governor?.reserve(caller, reserved, signal).catch(refused);
  const sessions = new Map<string, PseudonymSession>();
  let opened: Opened;
  try {
    opened = await openRoute(route, {
      pool: deps.pool,
      health: deps.health,
      random: deps.random,
      now: deps.now,
      resolveFallback: (name) => fallbackRoute(catalog, name),
      path: call.path,
      bodyFor: (target) => JSON.stringify(call.bodyFor(target, deps.session(sessions, target))),
      streaming: false,
      signal,
    });
  } catch (error) {
    hold?.release();
    record.failed(error, route.targets[0]?.id ?? route.requested, null);
    throw error;
  }
  const { exchange, target, attempts } = opened;
  try {
    const text = await deps.pool.read(target.backend, exchange.response, exchange.call);
    const parsed = parseUpstream(call.schema, text);
    if (!parsed.ok) throw malformedUpstream(target.backend.name, parsed.problem);
    const body = { ...parsed.value, model: call.model };
    const usage = usageOf(parsed.value.usage as Parameters<typeof usageOf>[0]);
    const costUsd = costOf(target.backend.spec, usage);
    hold?.settle(
      usage ? { tokens: (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0), usd: costUsd } : reserved,
    );
    record.done({ status: 200, error: null, usage, model: target.id, cache: null, attempts, costUsd });
    return { body, served: { model: target.id, cache: null } };
  } catch (error) {
    hold?.release();
    record.failed(error, target.id, null);
    throw error;
  } finally {
    exchange.close();
  }
}
