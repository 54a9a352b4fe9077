import { isAppError } from '../core/index.ts';
import { type RunService, RunStop } from '../orchestrator/index.ts';
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
    if (call.parentRunId) principal = (await this.runs.get(call.tenantId, call.parentRunId)).created_by;
    const depth = await this.#depth(call.tenantId, call.parentRunId, call.maxDepth);
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
        // A worker that shuts down or loses its lease hands the calling run to another, which
        // finds this same child again (idempotency key): only a real end of the caller cancels it.
        const reason: unknown = call.signal.reason;
        const handedOver =
          call.signal.aborted &&
          reason instanceof RunStop &&
          (reason.why === 'shutdown' || reason.why === 'lease_lost');
        if (!handedOver)
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

  /**
   * How many agent-tool calls deep the calling run is: counted by walking `parent_run` links, not
   * read from `agent_depth` (run metadata is the client's to set). A client can only make the
   * chain longer, never shorter: every link this runner adds is real. Stops past `maxDepth`.
   */
  async #depth(tenantId: string, runId: string | undefined, maxDepth: number): Promise<number> {
    // Runs that exist in the chain, less the calling run itself: a parent_run naming no run ends it.
    let depth = -1;
    const seen = new Set<string>();
    let current = runId;
    while (current && !seen.has(current) && depth <= maxDepth) {
      seen.add(current);
      const run = await this.runs.get(tenantId, current).catch((error: unknown) => {
        if (isAppError(error) && error.code === 'NOT_FOUND') return null;
        throw error;
      });
      if (!run) break;
      depth += 1;
      current = run.metadata.parent_run;
    }
    return Math.max(0, depth);
  }
}
