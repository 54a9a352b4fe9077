import type { AgentSpec, Workflow } from '../../contracts/index.ts';
import type { ModelClient, ModelTarget, RunContext, ToolDefinition, ToolInvoker } from '../ports.ts';
import { ConditionEvaluator } from './expressions.ts';
import { WorkflowRun } from './workflow-run.ts';

/** An agent spec with `runtime: workflow` (the schema guarantees a workflow there). */
export type WorkflowAgentSpec = AgentSpec & { workflow: Workflow };

/** What the orchestrator resolved from the spec: the agent's tools and, if any, its model backend. */
export interface ResolvedWorkflowAgent {
  tools: ToolDefinition[];
  /** Needed only when the workflow reaches an llm node. */
  model?: ModelTarget;
}

export interface WorkflowRuntimeDeps {
  models: ModelClient;
  tools: ToolInvoker;
}

/**
 * Runs declarative workflows (tool, llm, condition, approval, parallel and map nodes). Every node
 * is a checkpointed `ctx.step` (approvals go through `ctx.awaitApproval`), so executing the same
 * run again after a crash or a pause replays recorded outputs and continues where it stopped.
 *
 * `execute` resolves with the run output: the `workflow.output` template if set, else the output
 * of the last node that ran (conditions excluded). It rejects with WorkflowNodeError when a node
 * fails, with RunPaused / abort reasons / limit errors from the RunContext unchanged, and stops
 * between nodes once `ctx.signal` is aborted.
 */
export class WorkflowRuntime {
  /** Parsed conditions, shared by every run of this runtime (cached by expression text). */
  private readonly conditions = new ConditionEvaluator();

  constructor(private readonly deps: WorkflowRuntimeDeps) {}

  execute(ctx: RunContext, spec: WorkflowAgentSpec, resolved: ResolvedWorkflowAgent): Promise<unknown> {
    const env = {
      ctx,
      spec,
      models: this.deps.models,
      tools: this.deps.tools,
      definitions: resolved.tools,
      model: resolved.model,
    };
    return new WorkflowRun(spec.workflow, env, this.conditions).run();
  }
}
