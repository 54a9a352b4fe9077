import { describe, expect, it } from 'vitest';
import { type ModelAliasSpecInput, ModelAliasSpecSchema, type ModelBackendSpec } from '../contracts/index.ts';
import { resolveRoute } from './model-resolver.ts';
import { GatewayError } from './openai-wire.ts';
import type { GatewayAlias, GatewayBackend, TenantCatalog } from './ports.ts';

const backend = (name: string, models: string[], extra: Partial<ModelBackendSpec> = {}): GatewayBackend => ({
  name,
  key: `t1/${name}`,
  createdAt: new Date(0),
  spec: { type: 'openai-compatible', endpoint: `http://${name}.test/v1`, models, ...extra },
});
const alias = (name: string, spec: ModelAliasSpecInput): GatewayAlias => ({
  name,
  createdAt: new Date(0),
  spec: ModelAliasSpecSchema.parse(spec),
});
const catalog = (backends: GatewayBackend[], aliases: GatewayAlias[] = []): TenantCatalog => ({
  tenantId: 't1',
  backends: new Map(backends.map((b) => [b.name, b])),
  aliases: new Map(aliases.map((a) => [a.name, a])),
});

function gatewayError(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}

describe('resolveRoute', () => {
  const tenant = catalog(
    [backend('vllm', ['meta-llama/Llama-3', 'qwen']), backend('ollama', ['qwen', 'phi'])],
    [
      alias('smart', {
        routing_strategy: 'weighted',
        targets: [
          { backend: 'vllm', model: 'qwen', weight: 80 },
          { backend: 'ollama', model: 'qwen', weight: 20 },
        ],
        fallbacks: ['ollama/phi'],
        retries: { max_attempts: 4, backoff: '50ms' },
        circuit_breaker: { failure_threshold: 2, cooldown: '5s' },
      }),
      alias('qwen', { targets: [{ backend: 'ollama', model: 'qwen' }] }),
    ],
  );

  it('resolves an alias to its targets, strategy, retries, breaker and fallbacks', () => {
    const route = resolveRoute(tenant, 'smart', null);
    expect(route?.targets.map((target) => target.id)).toEqual(['vllm/qwen', 'ollama/qwen']);
    expect(route).toMatchObject({
      requested: 'smart',
      strategy: 'weighted',
      maxAttempts: 4,
      backoffMs: 50,
      breaker: { failureThreshold: 2, cooldownMs: 5000 },
      fallbacks: ['ollama/phi'],
    });
  });

  it('takes an alias before a bare model of the same name', () => {
    expect(resolveRoute(tenant, 'qwen', null)?.alias?.name).toBe('qwen');
  });

  it('resolves backend/model, with slashes in model names', () => {
    const route = resolveRoute(tenant, 'vllm/meta-llama/Llama-3', null);
    expect(route?.targets).toHaveLength(1);
    expect(route?.targets[0]).toMatchObject({
      upstreamModel: 'meta-llama/Llama-3',
      id: 'vllm/meta-llama/Llama-3',
    });
    expect(route?.alias).toBeNull();
  });

  it('resolves a bare model served by one backend, and names the candidates when several serve it', () => {
    expect(resolveRoute(tenant, 'phi', null)?.targets[0]?.id).toBe('ollama/phi');
    const twice = catalog([backend('a', ['m']), backend('b', ['m'])]);
    const error = gatewayError(() => resolveRoute(twice, 'm', null));
    expect(error).toMatchObject({ status: 400, code: 'model_ambiguous' });
    expect(error.message).toContain('a/m');
    expect(error.message).toContain('b/m');
  });

  it('returns null for a model nothing serves, so the caller may reload the catalog', () => {
    expect(resolveRoute(tenant, 'gpt-9', null)).toBeNull();
    expect(resolveRoute(tenant, 'vllm/phi', null)).toBeNull();
  });

  it('pins an alias to the target x-model-id names, without fallbacks, and refuses a stranger', () => {
    const pinned = resolveRoute(tenant, 'smart', 'ollama/qwen');
    expect(pinned?.targets.map((target) => target.id)).toEqual(['ollama/qwen']);
    expect(pinned?.fallbacks).toEqual([]);
    expect(gatewayError(() => resolveRoute(tenant, 'smart', 'ollama/phi'))).toMatchObject({
      status: 400,
      code: 'invalid_model_pin',
      param: 'x-model-id',
    });
  });

  it('refuses an alias none of whose targets exists any more, saying why', () => {
    const orphan = catalog(
      [backend('vllm', ['qwen'])],
      [alias('gone', { targets: [{ backend: 'deleted' }] })],
    );
    const error = gatewayError(() => resolveRoute(orphan, 'gone', null));
    expect(error).toMatchObject({ status: 400, code: 'alias_unroutable' });
    expect(error.message).toContain('deleted');
  });

  it('gives a direct model two attempts and an alias at least one per target', () => {
    expect(resolveRoute(tenant, 'ollama/phi', null)?.maxAttempts).toBe(2);
    const wide = catalog(
      ['a', 'b', 'c', 'd'].map((name) => backend(name, ['m'])),
      [alias('wide', { targets: ['a', 'b', 'c', 'd'].map((name) => ({ backend: name })) })],
    );
    expect(resolveRoute(wide, 'wide', null)?.maxAttempts).toBe(4);
  });
});
