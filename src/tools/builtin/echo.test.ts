import { describe, expect, it } from 'vitest';
import type { ToolInvokeOptions } from '../../runtime/index.ts';
import { echoTool } from './echo.ts';

const options = (): ToolInvokeOptions => ({
  signal: new AbortController().signal,
  idempotencyKey: 'run-1:step-1',
  config: {},
});

describe('echo', () => {
  it('returns its text as content and as structured output', async () => {
    expect(await echoTool.run({ text: 'hello' }, options())).toEqual({
      content: [{ type: 'text', text: 'hello' }],
      isError: false,
      structured: { text: 'hello' },
    });
  });

  it('accepts the JSON string a model’s tool call carries', async () => {
    const result = await echoTool.run('{"text":"from the model"}', options());
    expect(result.content).toEqual([{ type: 'text', text: 'from the model' }]);
  });

  it('answers arguments that are not JSON with an error the model can act on', async () => {
    const result = await echoTool.run('{"text":', options());
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(/^invalid arguments for echo: not valid JSON \(/);
  });

  it('names the missing field and unknown ones', async () => {
    const result = await echoTool.run({ txt: 'typo' }, options());
    expect(result).toEqual({
      content: [
        {
          type: 'text',
          text: 'invalid arguments for echo: /text: Invalid input: expected string, received undefined; /txt: unknown field(s): txt',
        },
      ],
      isError: true,
    });
  });

  it('answers a bad reference config with an error result', async () => {
    const result = await echoTool.run({ text: 'x' }, { ...options(), config: { idempotent: 'yes' } });
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(/^invalid config for echo: \/idempotent: /);
  });

  it('does not start when the signal is already aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    controller.abort(reason);
    await expect(echoTool.run({ text: 'x' }, { ...options(), signal: controller.signal })).rejects.toBe(
      reason,
    );
  });
});
