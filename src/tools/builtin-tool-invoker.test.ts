import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../core/index.ts';
import type { ToolInvokeOptions } from '../runtime/index.ts';
import { echoTool } from './builtin/echo.ts';
import { BuiltinToolInvoker } from './builtin-tool-invoker.ts';

const options = (overrides: Partial<ToolInvokeOptions> = {}): ToolInvokeOptions => ({
  signal: new AbortController().signal,
  idempotencyKey: 'run-1:step-1',
  config: {},
  ...overrides,
});

async function resolveError(invoker: BuiltinToolInvoker, refs: Parameters<BuiltinToolInvoker['resolve']>[0]) {
  const error = await invoker.resolve(refs).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('BuiltinToolInvoker', () => {
  const invoker = new BuiltinToolInvoker();

  it('resolves the built-in tools with their descriptions, schemas and config', async () => {
    const definitions = await invoker.resolve([
      { name: 'echo' },
      { name: 'sleep' },
      { name: 'http_request', config: { timeoutMs: 5000 } },
    ]);
    expect(definitions.map(({ name, idempotent, config }) => ({ name, idempotent, config }))).toEqual([
      { name: 'echo', idempotent: true, config: {} },
      { name: 'sleep', idempotent: true, config: {} },
      // The method is known only per call, so the definition stays conservative.
      { name: 'http_request', idempotent: false, config: { timeoutMs: 5000 } },
    ]);
    expect(definitions[0]?.description).toBe('Returns the given text unchanged.');
  });

  it('lets config.idempotent decide the definition’s idempotency', async () => {
    const definitions = await invoker.resolve([
      { name: 'echo', config: { idempotent: false } },
      { name: 'http_request', config: { idempotent: true } },
    ]);
    expect(definitions.map((definition) => definition.idempotent)).toEqual([false, true]);
  });

  it('gives parameters that are JSON Schema objects accepting valid arguments and refusing others', async () => {
    const definitions = await invoker.resolve([
      { name: 'echo' },
      { name: 'sleep' },
      { name: 'http_request' },
    ]);
    const examples: Record<string, { valid: unknown; invalid: unknown }> = {
      echo: { valid: { text: 'hi' }, invalid: { text: 1 } },
      sleep: { valid: { seconds: 1.5 }, invalid: { seconds: 'soon' } },
      http_request: { valid: { url: 'https://example.com', method: 'POST', body: { a: 1 } }, invalid: {} },
    };
    for (const definition of definitions) {
      const { parameters } = definition;
      expect(parameters.type).toBe('object');
      expect(parameters).not.toHaveProperty('$schema');
      const schema = z.fromJSONSchema(parameters);
      const example = examples[definition.name];
      expect(schema.safeParse(example?.valid).success, definition.name).toBe(true);
      expect(schema.safeParse(example?.invalid).success, definition.name).toBe(false);
    }
    expect(definitions[2]?.parameters).toMatchObject({
      required: ['url'],
      properties: { method: { enum: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] } },
    });
  });

  it('hands out copies of the parameters, so a caller cannot change the tool', async () => {
    const [first] = await invoker.resolve([{ name: 'echo' }]);
    (first?.parameters as { type: string }).type = 'string';
    const [second] = await invoker.resolve([{ name: 'echo' }]);
    expect(second?.parameters.type).toBe('object');
  });

  it('refuses an unknown tool with INVALID_REQUEST pointing at its reference', async () => {
    const error = await resolveError(invoker, [{ name: 'echo' }, { name: 'rm_rf' }]);
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.message).toBe(
      'unknown tool "rm_rf" (built-in tools: echo, http_request, sleep) at /spec/tools/1',
    );
    expect(error.fieldErrors).toEqual([
      {
        pointer: '/spec/tools/1',
        detail: 'unknown tool "rm_rf" (built-in tools: echo, http_request, sleep)',
      },
    ]);
  });

  it('reports every bad reference at once: unknown, repeated and misconfigured', async () => {
    const error = await resolveError(invoker, [
      { name: 'nope' },
      { name: 'http_request', config: { timeoutMs: -1, allowedHost: ['x'] } },
      { name: 'http_request' },
    ]);
    expect(error.message).toMatch(/^unknown tool "nope" .* at \/spec\/tools\/0 \(and 3 more\)$/);
    expect(error.fieldErrors?.map((fieldError) => fieldError.pointer)).toEqual([
      '/spec/tools/0',
      '/spec/tools/1/config/timeoutMs',
      '/spec/tools/1/config/allowedHost',
      '/spec/tools/2',
    ]);
    expect(error.fieldErrors?.[3]?.detail).toBe('tool "http_request" is listed more than once');
  });

  it('offers only the tools it was constructed with', async () => {
    const echoOnly = new BuiltinToolInvoker([echoTool]);
    const error = await resolveError(echoOnly, [{ name: 'sleep' }]);
    expect(error.fieldErrors?.[0]?.detail).toBe('unknown tool "sleep" (built-in tools: echo)');
    expect(() => new BuiltinToolInvoker([echoTool, echoTool])).toThrow('built-in tool "echo" defined twice');
  });

  it('invokes a tool by name', async () => {
    const result = await invoker.invoke('echo', { text: 'hi' }, options());
    expect(result).toEqual({
      content: [{ type: 'text', text: 'hi' }],
      isError: false,
      structured: { text: 'hi' },
    });
  });

  it('answers a call to an unknown tool with an error result the model can correct', async () => {
    const result = await invoker.invoke('ech', { text: 'hi' }, options());
    expect(result).toEqual({
      content: [{ type: 'text', text: 'unknown tool "ech" (available: echo, http_request, sleep)' }],
      isError: true,
    });
  });

  it('answers invalid arguments with an error result naming the field', async () => {
    const result = await invoker.invoke('sleep', { seconds: 'ten' }, options());
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toBe(
      'invalid arguments for sleep: /seconds: Invalid input: expected number, received string',
    );
  });

  it('throws the abort reason when the call is cancelled', async () => {
    const controller = new AbortController();
    const reason = new Error('run cancelled');
    const call = invoker.invoke('sleep', { seconds: 60 }, options({ signal: controller.signal }));
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
  });
});
