import { z } from 'zod';
import { parseJson } from '../contracts/index.ts';
import { AppError } from '../core/index.ts';
import {
  BaseToolConfigSchema,
  type BuiltinTool,
  defineBuiltinTool,
  errorResult,
  textResult,
} from '../tools/index.ts';
import { CODE_LANGUAGES, describeExec, INTERPRETERS } from './code-interpreter.ts';
import type { SandboxManager } from './sandbox-manager.ts';

const ScriptConfigSchema = BaseToolConfigSchema.extend({
  language: z.enum(CODE_LANGUAGES),
  code: z
    .string()
    .min(1)
    .max(512 * 1024),
  timeoutSeconds: z.number().int().min(1).max(3600).optional(),
});

const SCRIPT_FILE: Record<(typeof CODE_LANGUAGES)[number], string> = {
  python: 'tool.py',
  javascript: 'tool.mjs',
  bash: 'tool.sh',
};

/**
 * Runs `kind: Tool` manifests of `type: sandbox`: the manifest's script in a fresh sandbox per
 * call (from the warm pool), the call's arguments as JSON on stdin; stdout is the result, and
 * structured too when it is JSON. The gateway has already checked the arguments against the
 * manifest's parameters.
 */
export function sandboxScriptTool(sandboxes: SandboxManager): BuiltinTool {
  return defineBuiltinTool({
    name: 'sandbox_script',
    description: 'Runs a registered sandbox tool script',
    args: z.record(z.string(), z.unknown()),
    config: ScriptConfigSchema,
    idempotent: false,
    async run(args, context) {
      if (!context.tenantId) return errorResult('sandbox tools need a tenant');
      const { language, code, timeoutSeconds } = context.config;
      let sandbox: Awaited<ReturnType<SandboxManager['create']>>;
      try {
        sandbox = await sandboxes.create({
          tenantId: context.tenantId,
          owner: context.runId ? `run:${context.runId}` : 'direct-call',
          runId: context.runId ?? null,
          egress: await sandboxes.egressAllowed(context.tenantId),
        });
      } catch (error) {
        if (error instanceof AppError) return errorResult(error.message);
        throw error;
      }
      try {
        const file = SCRIPT_FILE[language];
        await sandboxes.writeFile(context.tenantId, sandbox.id, file, code);
        const interpreter = INTERPRETERS[language][0] as string;
        const result = await sandboxes.exec(context.tenantId, sandbox.id, [interpreter, file], {
          stdin: JSON.stringify(args),
          signal: context.signal,
          ...(timeoutSeconds ? { timeoutMs: Math.min(timeoutSeconds * 1000, sandbox.limits.timeoutMs) } : {}),
        });
        if (result.outcome !== 'completed' || result.exitCode !== 0)
          return errorResult(describeExec(result, []), { ...result, sandboxId: sandbox.id });
        const parsed = parseJsonOutput(result.stdout);
        return textResult(result.stdout, parsed);
      } finally {
        await sandboxes.destroy(context.tenantId, sandbox.id).catch(() => undefined);
      }
    },
  });
}

function parseJsonOutput(stdout: string): unknown {
  const text = stdout.trim();
  if (!text.startsWith('{') && !text.startsWith('[')) return undefined;
  const parsed = parseJson(text);
  return parsed.ok ? parsed.value : undefined;
}
