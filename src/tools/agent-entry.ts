import { AgentToolConfigSchema, durationToMs, type Tool } from '../contracts/index.ts';
import { type ParameterEntry, toJsonSchema } from './argument-schema.ts';
import { type CatalogEntry, type EntryDeps, errorText } from './catalog-entries.ts';
import { capResult } from './result-shaping.ts';

/** What an agent tool asks of the orchestrator: run an agent as a child run and wait for its end. */
export interface AgentRunCall {
  tenantId: string;
  agent: string;
  version?: number | undefined;
  input: unknown;
  /** The calling run (its principal and depth carry over), absent for a direct call. */
  parentRunId?: string | undefined;
  /** Who asks, for a direct call. */
  principal?: string | undefined;
  /** Stable per calling step: a step that runs again gets the same child run, not a second one. */
  idempotencyKey?: string | undefined;
  timeoutMs: number;
  maxDepth: number;
  signal: AbortSignal;
}

export interface AgentRunOutcome {
  runId: string;
  status: string;
  output: unknown;
  error?: string | undefined;
}

export interface AgentRunner {
  run(call: AgentRunCall): Promise<AgentRunOutcome>;
}

/** Without parameters an agent tool takes one `input` string: the child run's input. */
const DEFAULT_PARAMETERS = {
  type: 'object',
  properties: { input: { type: 'string', description: 'What to ask the agent' } },
  required: ['input'],
};

const textOf = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value ?? null));

/**
 * A `type: agent` manifest: a call starts a run of another agent (a child of the calling run, in
 * its trace, as its principal) and answers with that run's output once it ends. Idempotent by the
 * calling step: a crash and retry finds the same child run. Left out of the catalog when no
 * orchestrator is wired (tools outside the server).
 */
export function agentEntry(deps: EntryDeps, manifest: Tool): CatalogEntry | null {
  const { spec, metadata } = manifest;
  if (!deps.agents) return null;
  const config = AgentToolConfigSchema.parse(spec.config ?? {});
  const annotations = { readOnly: false, destructive: false, idempotent: true, ...spec.annotations };
  return {
    info: {
      name: metadata.name,
      type: 'agent',
      source: 'manifest',
      description: spec.description ?? `Ask the agent ${config.agent}`,
      parameters: spec.parameters
        ? toJsonSchema(spec.parameters as Record<string, unknown> | ParameterEntry[])
        : DEFAULT_PARAMETERS,
      annotations,
      labels: metadata.labels,
      version: spec.version ?? null,
      server: null,
    },
    destructive: annotations.destructive ?? false,
    idempotent: annotations.idempotent ?? true,
    run: async (tenantId, args, context) => {
      const runner = deps.agents?.runner;
      if (!runner) return { result: errorText('agent tools are not available here'), truncated: false };
      const keys = Object.keys(args);
      try {
        const outcome = await runner.run({
          tenantId,
          agent: config.agent,
          version: config.version,
          input: keys.length === 1 && keys[0] === 'input' ? args.input : args,
          parentRunId: context.runId,
          principal: context.principal,
          idempotencyKey: context.idempotencyKey,
          timeoutMs: durationToMs(config.timeout),
          maxDepth: config.maxDepth,
          signal: context.signal,
        });
        const ok = outcome.status === 'completed';
        const text = ok
          ? textOf(outcome.output)
          : `agent ${config.agent} run ${outcome.runId} ended ${outcome.status}${outcome.error ? `: ${outcome.error}` : ''}`;
        return capResult(
          {
            content: [{ type: 'text', text }],
            isError: !ok,
            structured: { run_id: outcome.runId, status: outcome.status, output: outcome.output ?? null },
          },
          deps.maxResultBytes,
        );
      } catch (error) {
        context.signal.throwIfAborted();
        return { result: errorText(`agent ${config.agent}: ${(error as Error).message}`), truncated: false };
      }
    },
  };
}
