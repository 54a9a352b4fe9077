import { describe, expect, it } from 'vitest';
import type { ModelBackendSpec } from '../contracts/index.ts';
import { resolveModel } from './model-resolver.ts';
import { GatewayError } from './openai-wire.ts';
import type { BackendDirectory, GatewayBackend } from './ports.ts';

const backend = (name: string, models: string[]): GatewayBackend => ({
  name,
  spec: { type: 'openai-compatible', endpoint: 'http://127.0.0.1:1/v1', models } satisfies ModelBackendSpec,
  createdAt: new Date(0),
});

const backends = [backend('a', ['m', 'shared', 'meta-llama/Llama-3']), backend('b', ['shared', 'n'])];
const directory: BackendDirectory = {
  find: async (_tenant, name) => backends.find((b) => b.name === name) ?? null,
  list: async () => backends,
};
const resolve = (model: string) => resolveModel(directory, 't', model, new AbortController().signal);

describe('resolveModel', () => {
  it('takes backend/model, and a bare name one backend serves', async () => {
    expect(await resolve('b/shared')).toMatchObject({ upstreamModel: 'shared', id: 'b/shared' });
    expect(await resolve('n')).toMatchObject({ upstreamModel: 'n', id: 'b/n' });
  });

  it('finds a model whose own name has a slash', async () => {
    expect(await resolve('meta-llama/Llama-3')).toMatchObject({ id: 'a/meta-llama/Llama-3' });
    expect(await resolve('a/meta-llama/Llama-3')).toMatchObject({ upstreamModel: 'meta-llama/Llama-3' });
  });

  it('refuses an ambiguous name with the candidates, an unknown one with model_not_found', async () => {
    const ambiguous = await resolve('shared').catch((e: unknown) => e);
    expect(ambiguous).toBeInstanceOf(GatewayError);
    expect(ambiguous).toMatchObject({ status: 400, param: 'model', code: 'model_ambiguous' });
    expect((ambiguous as Error).message).toContain('a/shared, b/shared');
    expect(await resolve('a/n').catch((e: unknown) => e)).toMatchObject({
      status: 404,
      code: 'model_not_found',
    });
    expect(await resolve('zzz').catch((e: unknown) => e)).toMatchObject({ status: 404 });
  });
});
