import { z } from 'zod';
import { BaseToolConfigSchema, defineBuiltinTool, textResult } from '../builtin-tool.ts';

export const EchoArgsSchema = z.strictObject({
  text: z.string().max(1_000_000).describe('The text to return'),
});

/** Returns its argument: the smallest tool, for testing runtimes end to end. */
export const echoTool = defineBuiltinTool({
  name: 'echo',
  description: 'Returns the given text unchanged.',
  args: EchoArgsSchema,
  config: BaseToolConfigSchema,
  idempotent: true,
  run: async ({ text }) => textResult(text, { text }),
});
