import { z } from 'zod';
import { abortableSleep } from '../../core/index.ts';
import { BaseToolConfigSchema, defineBuiltinTool, textResult } from '../builtin-tool.ts';

export const MAX_SLEEP_SECONDS = 3600;

export const SleepArgsSchema = z.strictObject({
  seconds: z
    .number()
    .min(0)
    .max(MAX_SLEEP_SECONDS)
    .describe(`How long to wait, in seconds (fractions allowed, at most ${MAX_SLEEP_SECONDS})`),
});

/**
 * Waits in process, cancellable through the signal. It stands in for a slow tool call in tests
 * (a crash mid-call, cancellation); it is not a durable wait: a run that must wait for hours
 * pauses with a wake-up time in the store instead.
 */
export const sleepTool = defineBuiltinTool({
  name: 'sleep',
  description: 'Waits the given number of seconds, then returns.',
  args: SleepArgsSchema,
  config: BaseToolConfigSchema,
  idempotent: true,
  run: async ({ seconds }, { signal }) => {
    await abortableSleep(seconds * 1000, signal);
    return textResult(`slept ${seconds} s`, { seconds });
  },
});
