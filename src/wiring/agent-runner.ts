import { isAppError } from '../core/index.ts';
import type { RunService } from '../orchestrator/index.ts';
import type { AgentRunCall, AgentRunner, AgentRunOutcome } from '../tools/index.ts';

const ENDED = new Set(['completed', 'failed', 'cancelled', 'timed_out']);
const FIRST_POLL_MS = 20;
const MAX_POLL_MS = 500;

/**
 * `type: agent` tools over the run service: the child run is a run like any other (queued,
 * durable, governed, in the caller's trace because it starts inside the tool's span), made as the
 * calling run's principal with `metadata.parent_run` and `metadata.agent_depth`. The call waits
 * for it to end; if the caller goes away, or the tool's timeout passes, the child is cancelled.
 */
export class RunAgentRunner implements AgentRunner {
  constructor(private readonly runs: RunService) {}

  async run(call: AgentRunCall): Promise<AgentRunOutcome> {
    let principal = call.principal ?? 'system';
    let depth = 0;
    if (call.parentRunId) {
      const parent = await this.runs.get(call.tenantId, call.parentRunId);
      principal = parent.created_by;
      depth = Number(parent.metadata.agent_depth ?? 0);
    }
    if (depth + 1 > call.maxDepth)
      throw new Error(
        `agents may call agents ${call.maxDepth} deep at most (this call would be ${depth + 1})`,
      );
    const caller = { tenantId: call.tenantId, principal };
    const { run } = await this.runs.start(
      caller,
      call.agent,
      {
        input: call.input as never,
        ...(call.version ? { version: call.version } : {}),
        metadata: {
          agent_depth: String(depth + 1),
          ...(call.parentRunId ? { parent_run: call.parentRunId } : {}),
        },
        ...(call.idempotencyKey
          ? { idempotency_key: `agent-tool:${call.idempotencyKey}`.slice(0, 255) }
          : {}),
      },
      undefined,
    );
    const deadline = Date.now() + call.timeoutMs;
    let wait = FIRST_POLL_MS;
    for (;;) {
      const current = await this.runs.get(call.tenantId, run.id);
      if (ENDED.has(current.status))
        return {
          runId: run.id,
          status: current.status,
          output: current.output ?? null,
          ...(current.error ? { error: current.error.message } : {}),
        };
      if (call.signal.aborted || Date.now() >= deadline) {
        await this.runs
          .cancel(
            caller,
            run.id,
            call.signal.aborted ? 'the calling run stopped' : 'the agent tool timed out',
          )
          .catch((error: unknown) => {
            if (!isAppError(error)) throw error;
          });
        call.signal.throwIfAborted();
        return {
          runId: run.id,
          status: 'timed_out',
          output: null,
          error: `no answer within ${call.timeoutMs} ms`,
        };
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait, Math.max(1, deadline - Date.now()))));
      wait = Math.min(MAX_POLL_MS, wait * 2);
    }
  }
}
