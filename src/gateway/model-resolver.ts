import { durationToMs, type ModelAliasSpec, type RoutingStrategy } from '../contracts/index.ts';
import { GatewayError } from './openai-wire.ts';
import type { GatewayAlias, TenantCatalog } from './ports.ts';
import {
  type BreakerConfig,
  breakerConfigOf,
  expandTargets,
  pinTarget,
  type RouteTarget,
} from './routing/index.ts';

/** Where one request may go: the candidates, the rule that orders them, and how hard to try. */
export interface Route {
  /** What the caller named. */
  requested: string;
  alias: GatewayAlias | null;
  targets: RouteTarget[];
  strategy: RoutingStrategy;
  breaker: BreakerConfig;
  /** Attempts over `targets` (a single target is retried; several are failed over). */
  maxAttempts: number;
  backoffMs: number;
  /** Resolved later, only if every target failed. */
  fallbacks: readonly string[];
  cache: ModelAliasSpec['cache'] | undefined;
}

export const modelId = (backend: string, model: string) => `${backend}/${model}`;

const DIRECT_ATTEMPTS = 2;
const ALIAS_ATTEMPTS = 3;
const DEFAULT_BACKOFF_MS = 100;

/**
 * Resolves a request's `model` within the caller's tenant, in this order:
 * - the name of a `kind: ModelAlias`: its targets, routed by its strategy; an `x-model-id` header
 *   (`pin`) naming one of them sends the request there alone;
 * - `backend/model`: that backend's model (model names may hold slashes themselves,
 *   `meta-llama/Llama-3`, so a prefix that is no backend falls through to:)
 * - a bare model name served by exactly one backend of the tenant.
 * Returns null if nothing by that name exists (the caller may reload the catalog and ask again).
 * Throws a 400 GatewayError if a bare name is served by several backends, if the pin names no
 * target of the alias, and if the alias has no usable target.
 */
export function resolveRoute(catalog: TenantCatalog, model: string, pin: string | null): Route | null {
  const alias = catalog.aliases.get(model);
  if (alias) return aliasRoute(catalog, alias, pin);
  const slash = model.indexOf('/');
  if (slash > 0) {
    const backend = catalog.backends.get(model.slice(0, slash));
    const upstreamModel = model.slice(slash + 1);
    if (backend?.spec.models.includes(upstreamModel)) return directRoute(model, backend, upstreamModel);
  }
  const serving = [...catalog.backends.values()].filter((backend) => backend.spec.models.includes(model));
  const [only, ...others] = serving;
  if (!only) return null;
  if (others.length > 0)
    throw new GatewayError(400, {
      message: `The model \`${model}\` is served by several backends; name one of: ${serving
        .map((backend) => modelId(backend.name, model))
        .join(', ')}`,
      type: 'invalid_request_error',
      param: 'model',
      code: 'model_ambiguous',
    });
  return directRoute(model, only, model);
}

export function modelNotFound(model: string): GatewayError {
  return new GatewayError(404, {
    message: `The model \`${model}\` does not exist or you do not have access to it; GET /v1/models lists what you may use.`,
    type: 'invalid_request_error',
    param: 'model',
    code: 'model_not_found',
  });
}

function aliasRoute(catalog: TenantCatalog, alias: GatewayAlias, pin: string | null): Route {
  const expanded = expandTargets(alias.spec, [...catalog.backends.values()]);
  if (!Array.isArray(expanded))
    throw new GatewayError(400, {
      message: `The model alias \`${alias.name}\` cannot route: ${expanded.problem}`,
      type: 'invalid_request_error',
      param: 'model',
      code: 'alias_unroutable',
    });
  let targets = expanded;
  if (pin !== null) {
    const pinned = pinTarget(expanded, pin);
    if (!pinned)
      throw new GatewayError(400, {
        message: `x-model-id \`${pin}\` is not a target of the alias \`${alias.name}\`; its targets: ${expanded
          .map((target) => target.id)
          .join(', ')}`,
        type: 'invalid_request_error',
        param: 'x-model-id',
        code: 'invalid_model_pin',
      });
    targets = [pinned];
  }
  const retries = alias.spec.retries;
  return {
    requested: alias.name,
    alias,
    targets,
    strategy: alias.spec.routing_strategy,
    breaker: breakerConfigOf(alias.spec),
    maxAttempts: retries?.max_attempts ?? Math.max(ALIAS_ATTEMPTS, targets.length),
    backoffMs: retries ? durationToMs(retries.backoff) : DEFAULT_BACKOFF_MS,
    fallbacks: pin === null ? (alias.spec.fallbacks ?? []) : [],
    cache: alias.spec.cache,
  };
}

function directRoute(requested: string, backend: RouteTarget['backend'], upstreamModel: string): Route {
  return {
    requested,
    alias: null,
    targets: [
      {
        backend,
        upstreamModel,
        id: modelId(backend.name, upstreamModel),
        weight: 1,
        priority: 0,
        position: 0,
      },
    ],
    strategy: 'priority',
    breaker: breakerConfigOf({}),
    maxAttempts: DIRECT_ATTEMPTS,
    backoffMs: DEFAULT_BACKOFF_MS,
    fallbacks: [],
    cache: undefined,
  };
}

/** The alias's `degrade_to` route; null if it has none, or it names nothing routable now. */
export function degradedRoute(catalog: TenantCatalog, route: Route): Route | null {
  const target = route.alias?.spec.degrade_to;
  return target ? fallbackRoute(catalog, target) : null;
}

/** Every target a call on `route` may end on: its own, its fallbacks' (one level) and its degraded route's. */
export function reachableTargets(catalog: TenantCatalog, route: Route): RouteTarget[] {
  const degradeTo = route.alias?.spec.degrade_to;
  const others = [...route.fallbacks, ...(degradeTo ? [degradeTo] : [])];
  // An unroutable one is never reached: it cannot cost anything.
  return [...route.targets, ...others.flatMap((name) => fallbackRoute(catalog, name)?.targets ?? [])];
}

/** A fallback's route; null if it names nothing, or nothing routable now (it is skipped). */
export function fallbackRoute(catalog: TenantCatalog, name: string): Route | null {
  try {
    return resolveRoute(catalog, name, null);
  } catch {
    return null;
  }
}
