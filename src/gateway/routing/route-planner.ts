import type { ModelAliasSpec, ModelBackendSpec, RoutingStrategy } from '../../contracts/index.ts';
import { assertNever } from '../../core/index.ts';
import type { GatewayBackend } from '../ports.ts';

/** One backend model an alias may send a request to, with its routing attributes resolved. */
export interface RouteTarget {
  backend: GatewayBackend;
  /** The model name sent upstream. */
  upstreamModel: string;
  /** `backend/model`, as in the model list, the audit log and the `x-model-id` header. */
  id: string;
  /** Share under `weighted`; default 1, 0 means fallback only. */
  weight: number;
  /** Order under `priority`, lower first; defaults to `position`. */
  priority: number;
  /** Index in the alias's `targets` (or in the name-ordered capability match); the last tie-break. */
  position: number;
}

/**
 * What the planner reads of live backend health, keyed by `GatewayBackend.key` (unique across
 * tenants); `BackendHealth` implements it.
 */
export interface RouteHealth {
  available(backendKey: string): boolean;
  retryAfterMs(backendKey: string): number;
  ewmaMs(backendKey: string): number | undefined;
  inFlight(backendKey: string): number;
}

export interface PlanOptions {
  health: RouteHealth;
  /** Uniform in [0, 1); called once per `weighted` plan that has a target with weight above 0. */
  random: () => number;
}

/**
 * Resolves an alias's targets against the tenant's backends.
 *
 * With `targets`: each names a backend and optionally a model (left out: the backend's first,
 * usually only, model). A target whose backend does not exist, does not serve the model, or lacks
 * one of `capabilities` is skipped; a second target with the same id is dropped. Without
 * `targets` (or with none): every backend having all `capabilities`, its first model, ordered by
 * backend name.
 *
 * Returns `{ problem }`, a sentence naming why each target was skipped, only if nothing is left.
 */
export function expandTargets(
  spec: Pick<ModelAliasSpec, 'targets' | 'capabilities'>,
  backends: readonly GatewayBackend[],
): RouteTarget[] | { problem: string } {
  const required = spec.capabilities ?? [];
  const missing = (backend: GatewayBackend) =>
    required.filter((capability) => !(backend.spec.capabilities ?? []).includes(capability));

  if (!spec.targets || spec.targets.length === 0) {
    const matching = backends
      .filter((backend) => missing(backend).length === 0 && backend.spec.models.length > 0)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const targets = matching.flatMap((backend, position) => {
      const model = backend.spec.models[0];
      return model === undefined ? [] : [target(backend, model, 1, position, position)];
    });
    if (targets.length > 0) return targets;
    return {
      problem:
        required.length > 0
          ? `no model backend has every capability the alias requires: ${required.join(', ')}`
          : 'the tenant has no model backends',
    };
  }

  const byName = new Map(backends.map((backend) => [backend.name, backend]));
  const targets: RouteTarget[] = [];
  const skipped: string[] = [];
  for (const [position, aliasTarget] of spec.targets.entries()) {
    const backend = byName.get(aliasTarget.backend);
    const model = backend && (aliasTarget.model ?? backend.spec.models[0]);
    const lacking = backend ? missing(backend) : [];
    if (!backend) skipped.push(`backend \`${aliasTarget.backend}\` does not exist`);
    else if (model === undefined || !backend.spec.models.includes(model))
      skipped.push(`backend \`${backend.name}\` does not serve \`${model ?? ''}\``);
    else if (lacking.length > 0)
      skipped.push(`backend \`${backend.name}\` lacks capabilities ${lacking.join(', ')}`);
    else {
      const weight = aliasTarget.weight ?? 1;
      const resolved = target(backend, model, weight, aliasTarget.priority ?? position, position);
      if (!targets.some((existing) => existing.id === resolved.id)) targets.push(resolved);
    }
  }
  if (targets.length > 0) return targets;
  return { problem: `no target of the alias is usable: ${skipped.join('; ')}` };
}

/**
 * The order in which to try the targets for one request: the primary first, then failover order.
 * Targets whose backend's circuit would not admit a call now are left out, so an empty result
 * means every circuit is open (see `earliestRetryMs`). Never mutates `targets`.
 *
 * - `priority`: priority ascending.
 * - `cost_optimized`: blended price per 1k tokens ascending ((input + output) / 2); backends
 *   without a price after every priced one; ties by priority.
 * - `latency_optimized`: EWMA latency × (1 + in-flight) ascending; a backend without a sample
 *   scores 0, so new backends get explored; ties by in-flight.
 * - `weighted`: the primary drawn at random in proportion to weight among targets with weight
 *   above 0; the rest by weight descending (weight-0 targets only ever as fallbacks).
 *
 * Every order ends its ties by `position`.
 */
export function planRoute(
  strategy: RoutingStrategy,
  targets: readonly RouteTarget[],
  { health, random }: PlanOptions,
): RouteTarget[] {
  const admitted = targets.filter((target) => health.available(target.backend.key));
  switch (strategy) {
    case 'priority':
      return admitted.sort(byPriority);
    case 'cost_optimized':
      return admitted.sort(
        (a, b) =>
          comparePrice(blendedPrice(a.backend.spec), blendedPrice(b.backend.spec)) || byPriority(a, b),
      );
    case 'latency_optimized': {
      const inFlight = (target: RouteTarget) => health.inFlight(target.backend.key);
      const score = (target: RouteTarget) =>
        (health.ewmaMs(target.backend.key) ?? 0) * (1 + inFlight(target));
      return admitted.sort(
        (a, b) => score(a) - score(b) || inFlight(a) - inFlight(b) || a.position - b.position,
      );
    }
    case 'weighted':
      return weightedOrder(admitted, random);
    default:
      return assertNever(strategy);
  }
}

/** The target the `x-model-id` header names (`backend/model`); null if the alias has none by that id. */
export function pinTarget(targets: readonly RouteTarget[], id: string): RouteTarget | null {
  return targets.find((target) => target.id === id) ?? null;
}

/**
 * Milliseconds until the first of the targets' circuits admits a call again, for a 503's
 * Retry-After when `planRoute` left nothing; 0 if any target is available or there are none.
 */
export function earliestRetryMs(targets: readonly RouteTarget[], health: RouteHealth): number {
  if (targets.length === 0) return 0;
  return Math.min(...targets.map((target) => health.retryAfterMs(target.backend.key)));
}

function target(
  backend: GatewayBackend,
  model: string,
  weight: number,
  priority: number,
  position: number,
): RouteTarget {
  return { backend, upstreamModel: model, id: `${backend.name}/${model}`, weight, priority, position };
}

function byPriority(a: RouteTarget, b: RouteTarget): number {
  return a.priority - b.priority || a.position - b.position;
}

function blendedPrice(spec: ModelBackendSpec): number | undefined {
  const cost = spec.cost_per_1k;
  if (cost === undefined) return undefined;
  return typeof cost === 'number' ? cost : (cost.input + cost.output) / 2;
}

function comparePrice(a: number | undefined, b: number | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return a - b;
}

function weightedOrder(admitted: RouteTarget[], random: () => number): RouteTarget[] {
  const rest = [...admitted].sort((a, b) => b.weight - a.weight || a.position - b.position);
  const drawable = [...admitted].filter((t) => t.weight > 0).sort((a, b) => a.position - b.position);
  const total = drawable.reduce((sum, t) => sum + t.weight, 0);
  if (total === 0) return rest;
  let remaining = random() * total;
  // The last drawable target also catches a `random()` that rounds up to 1.
  let primary = drawable[drawable.length - 1];
  for (const candidate of drawable) {
    if (remaining < candidate.weight) {
      primary = candidate;
      break;
    }
    remaining -= candidate.weight;
  }
  return primary ? [primary, ...rest.filter((t) => t !== primary)] : rest;
}
