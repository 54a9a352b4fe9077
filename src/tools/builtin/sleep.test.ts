import { describe, expect, it } from 'vitest';
import type { ToolInvokeOptions } from '../../runtime/index.ts';
import { sleepTool } from './sleep.ts';

const options = (signal = new AbortController().signal): ToolInvokeOptions => ({
  signal,
  idempotencyKey: 'run-1:step-1',
  config: {},
});

describe('sleep', () => {
  it('waits the given seconds, fractions included, then says so', async () => {
    const started = performance.now();
    const result = await sleepTool.run({ seconds: 0.05 }, options());
    expect(performance.now() - started).toBeGreaterThanOrEqual(40);
    expect(result).toEqual({
      content: [{ type: 'text', text: 'slept 0.05 s' }],
      isError: false,
      structured: { seconds: 0.05 },
    });
  });

  it('rejects with the abort reason promptly when cancelled', async () => {
    const controller = new AbortController();
    const reason = new Error('run cancelled');
    setTimeout(() => controller.abort(reason), 20);
    const started = performance.now();
    await expect(sleepTool.run({ seconds: 3600 }, options(controller.signal))).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('refuses durations outside 0..3600 seconds, naming the field', async () => {
    for (const seconds of [-1, 3601]) {
      const result = await sleepTool.run({ seconds }, options());
      expect(result.isError).toBe(true);
      expect(result.content[0]?.text).toMatch(/^invalid arguments for sleep: \/seconds: Too (small|big)/);
    }
  });
});
