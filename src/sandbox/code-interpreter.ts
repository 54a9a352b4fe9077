import { z } from 'zod';
import { AppError } from '../core/index.ts';
import {
  BaseToolConfigSchema,
  type BuiltinTool,
  defineBuiltinTool,
  errorResult,
  textResult,
} from '../tools/index.ts';
import type { ExecResult } from './driver.ts';
import type { SandboxManager } from './sandbox-manager.ts';

export const CODE_LANGUAGES = ['python', 'javascript', 'bash'] as const;

/** Each language reads its program from stdin, so code of any length fits (no argv limit). */
export const INTERPRETERS: Record<(typeof CODE_LANGUAGES)[number], string[]> = {
  python: ['/usr/bin/python3', '-'],
  javascript: ['/usr/bin/node', '-'],
  bash: ['/bin/bash', '-s'],
};

const MAX_FILE_BYTES = 1024 * 1024;

export const CodeInterpreterArgsSchema = z.strictObject({
  language: z.enum(CODE_LANGUAGES).describe('python (python3), javascript (node) or bash'),
  code: z
    .string()
    .min(1)
    .max(512 * 1024)
    .describe('The program; it runs in /workspace, which keeps files between calls of one run'),
  files: z
    .array(
      z.strictObject({
        path: z.string().min(1).max(1024).describe('Relative to /workspace'),
        content: z.string().max(MAX_FILE_BYTES).describe('Text content'),
      }),
    )
    .max(50)
    .optional()
    .describe('Files written into the workspace before the code runs'),
  outputFiles: z
    .array(z.string().min(1).max(1024))
    .max(20)
    .optional()
    .describe('Workspace files to return after the code ran (text, at most 1 MiB each)'),
  timeoutSeconds: z.number().int().min(1).max(3600).optional().describe('Wall-clock limit of this call'),
});

export const CodeInterpreterConfigSchema = BaseToolConfigSchema;

/**
 * `code_interpreter`: runs model-written code in a sandbox, never on the host. Calls of one run
 * share one sandbox (its files and installed state carry over) until the run ends; a direct call
 * gets a sandbox of its own, destroyed after it. Limits come back as a result the model can read
 * (`outcome: timeout`, `oom`, …), not as a platform failure.
 */
export function codeInterpreterTool(sandboxes: SandboxManager): BuiltinTool {
  return defineBuiltinTool({
    name: 'code_interpreter',
    description:
      'Runs Python, JavaScript (Node.js) or Bash code in an isolated sandbox with no network and returns ' +
      'stdout, stderr and the exit code. Files persist in /workspace across calls within one run.',
    args: CodeInterpreterArgsSchema,
    config: CodeInterpreterConfigSchema,
    idempotent: false,
    async run(args, context) {
      if (!context.tenantId) return errorResult('code_interpreter needs a tenant');
      let sandbox: Awaited<ReturnType<SandboxManager['create']>>;
      try {
        // Egress is what the tenant's policy allows sandboxes (none by default), never the agent's say.
        sandbox = context.runId
          ? await sandboxes.session(context.tenantId, context.runId)
          : await sandboxes.create({
              tenantId: context.tenantId,
              owner: 'direct-call',
              egress: await sandboxes.egressAllowed(context.tenantId),
            });
      } catch (error) {
        if (error instanceof AppError) return errorResult(error.message);
        throw error;
      }
      const oneOff = !context.runId;
      try {
        for (const file of args.files ?? [])
          await sandboxes.writeFile(context.tenantId, sandbox.id, file.path, file.content);
        const result = await sandboxes.exec(context.tenantId, sandbox.id, INTERPRETERS[args.language], {
          stdin: args.code,
          signal: context.signal,
          ...(args.timeoutSeconds
            ? { timeoutMs: Math.min(args.timeoutSeconds * 1000, sandbox.limits.timeoutMs) }
            : {}),
        });
        const files: { path: string; content?: string; error?: string }[] = [];
        for (const path of args.outputFiles ?? []) {
          try {
            const bytes = await sandboxes.readFile(context.tenantId, sandbox.id, path, MAX_FILE_BYTES);
            files.push({ path, content: Buffer.from(bytes).toString('utf8') });
          } catch (error) {
            files.push({ path, error: (error as Error).message });
          }
        }
        const structured = { ...result, sandboxId: sandbox.id, driver: sandbox.driver, files };
        const text = describeExec(result, files);
        return result.outcome === 'completed' && result.exitCode === 0
          ? textResult(text, structured)
          : errorResult(text, structured);
      } catch (error) {
        if (error instanceof AppError && error.category === 'invalid') return errorResult(error.message);
        throw error;
      } finally {
        if (oneOff) await sandboxes.destroy(context.tenantId, sandbox.id).catch(() => undefined);
      }
    },
  });
}

export function describeExec(
  result: ExecResult,
  files: { path: string; content?: string; error?: string }[],
): string {
  const lines = [`outcome: ${result.outcome}, exit code: ${result.exitCode ?? 'none (killed)'}`];
  if (result.stdout) lines.push(`stdout:\n${result.stdout}`);
  if (result.stderr) lines.push(`stderr:\n${result.stderr}`);
  if (result.truncated) lines.push('(output truncated at the sandbox limit)');
  for (const file of files)
    lines.push(file.error ? `file ${file.path}: ${file.error}` : `file ${file.path}:\n${file.content}`);
  return lines.join('\n');
}
