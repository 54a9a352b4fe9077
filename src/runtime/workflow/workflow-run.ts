import { durationToMs, type Workflow, type WorkflowNode } from '../../contracts/index.ts';
import { assertNever } from '../../core/index.ts';
import { RunPaused } from '../ports.ts';
import { WORKFLOW_OUTPUT, WorkflowNodeError } from './errors.ts';
import type { ConditionEvaluator } from './expressions.ts';
import {
  type CallEnvironment,
  type CallSite,
  callModel,
  callTool,
  renderFor,
  resolveFor,
} from './node-calls.ts';
import type { TemplateScope } from './template.ts';

/** Loops through conditions are legal; this stops one that never ends. */
export const MAX_NODE_EXECUTIONS = 1000;

type NodeOf<T extends WorkflowNode['type']> = Extract<WorkflowNode, { type: T }>;

interface Visit {
  output: unknown;
  /** Where the graph goes next; undefined ends the workflow. */
  next: string | undefined;
}

/**
 * One execution of a workflow for one run. Deterministic given the recorded step outputs, so a
 * resumed run replays to where it stopped: step keys depend only on the path taken
 * (`node:<id>`, `node:<id>#<visit>` on later visits, `node:<id>[<index>]` for map items).
 */
export class WorkflowRun {
  private readonly byId: ReadonlyMap<string, WorkflowNode>;
  private readonly outputs: Record<string, { output: unknown }> = {};
  private readonly visits = new Map<string, number>();
  private executions = 0;

  constructor(
    private readonly workflow: Workflow,
    private readonly env: CallEnvironment,
    private readonly conditions: ConditionEvaluator,
  ) {
    this.byId = new Map(workflow.nodes.map((node) => [node.id, node]));
  }

  async run(): Promise<unknown> {
    const { signal } = this.env.ctx;
    let current = this.workflow.start ?? this.workflow.nodes[0]?.id;
    // A condition routes; it does not produce the run's answer.
    let last: unknown = null;
    while (current !== undefined) {
      signal.throwIfAborted();
      const node = this.node(current);
      const visit = await this.visit(node, this.scope());
      if (node.type !== 'condition') last = visit.output;
      current = visit.next;
    }
    if (this.workflow.output === undefined) return last;
    return resolveFor(WORKFLOW_OUTPUT, this.workflow.output, this.scope(), 'workflow output');
  }

  private node(id: string): WorkflowNode {
    const node = this.byId.get(id);
    if (!node) throw new WorkflowNodeError(id, `workflow has no node ${id}`);
    return node;
  }

  /** Snapshot, so parallel branches all see the outputs as they were when the parallel node began. */
  private scope(): TemplateScope {
    return { input: this.env.ctx.input, nodes: { ...this.outputs } };
  }

  /** Counts an execution and returns its step key, unique however often the node runs. */
  private stepKey(id: string): string {
    this.executions += 1;
    if (this.executions > MAX_NODE_EXECUTIONS) {
      throw new WorkflowNodeError(
        id,
        `workflow exceeded ${MAX_NODE_EXECUTIONS} node executions (at node ${id})`,
      );
    }
    const count = (this.visits.get(id) ?? 0) + 1;
    this.visits.set(id, count);
    return count === 1 ? `node:${id}` : `node:${id}#${count}`;
  }

  private async visit(node: WorkflowNode, scope: TemplateScope): Promise<Visit> {
    const key = this.stepKey(node.id);
    const visit = await this.execute(node, key, scope);
    this.outputs[node.id] = { output: visit.output };
    return visit;
  }

  private execute(node: WorkflowNode, key: string, scope: TemplateScope): Promise<Visit> {
    const site: CallSite = { nodeId: node.id, key, name: node.id, scope };
    switch (node.type) {
      case 'tool':
        return callTool(this.env, site, node).then((output) => ({ output, next: node.next }));
      case 'llm':
        return callModel(this.env, site, node).then((output) => ({ output, next: node.next }));
      case 'condition':
        return this.condition(node, key, scope);
      case 'approval':
        return this.approval(node, key, scope);
      case 'parallel':
        return this.parallel(node, scope);
      case 'map':
        return this.map(node, key, scope);
      default:
        return assertNever(node);
    }
  }

  private async condition(node: NodeOf<'condition'>, key: string, scope: TemplateScope): Promise<Visit> {
    const { ctx } = this.env;
    const options = {
      kind: 'workflow_node',
      name: node.id,
      input: { expression: node.expression },
      idempotent: true,
    } as const;
    const result = await ctx.step(key, options, async () => {
      const value = this.conditions.evaluate(node.id, node.expression, scope);
      const target = value ? node.then : node.else;
      await ctx.emit({
        type: 'step_thought',
        data: { text: `${node.id}: ${value} → ${target ?? 'end'}`, step: key },
      });
      return value;
    });
    return { output: result, next: result === true ? node.then : node.else };
  }

  private async approval(node: NodeOf<'approval'>, key: string, scope: TemplateScope): Promise<Visit> {
    const message = renderFor(node.id, node.message, scope);
    const details = {
      node: node.id,
      ...(node.description === undefined ? {} : { description: node.description }),
    };
    const decision = await this.env.ctx.awaitApproval(key, {
      message,
      details,
      ...(node.approvers ? { approvers: node.approvers } : {}),
      ...(node.min_approvals ? { minApprovals: node.min_approvals } : {}),
      ...(node.timeout ? { timeoutMs: durationToMs(node.timeout) } : {}),
      ...(node.on_timeout ? { onTimeout: node.on_timeout } : {}),
    });
    if (decision.approved) return { output: decision, next: node.next };
    if (node.onReject !== undefined) return { output: decision, next: node.onReject };
    const comment = decision.comment ? `: ${decision.comment}` : '';
    throw new WorkflowNodeError(node.id, `approval ${node.id} rejected by ${decision.by}${comment}`);
  }

  /** Branches run at once, each its own step; their `next` is not followed. */
  private async parallel(node: NodeOf<'parallel'>, scope: TemplateScope): Promise<Visit> {
    const branches = node.branches.map((id) => this.node(id));
    const settled = await Promise.allSettled(branches.map((branch) => this.visit(branch, scope)));
    throwFirstFailure(settled);
    const output = Object.fromEntries(
      branches.map((branch, index) => {
        const result = settled[index];
        return [branch.id, result?.status === 'fulfilled' ? result.value.output : undefined];
      }),
    );
    return { output, next: node.next };
  }

  /** The body once per item, at most `concurrency` at a time; output in item order. */
  private async map(node: NodeOf<'map'>, key: string, scope: TemplateScope): Promise<Visit> {
    const { signal } = this.env.ctx;
    const items = resolveFor(node.id, node.items, scope);
    if (!Array.isArray(items)) {
      throw new WorkflowNodeError(node.id, `map ${node.id}: items ${node.items} is not a list`);
    }
    const results: unknown[] = new Array(items.length);
    const failures: PromiseSettledResult<unknown>[] = [];
    let nextIndex = 0;
    const worker = async () => {
      // After a failure no new item starts; those in flight finish so their steps are recorded.
      while (failures.length === 0 && nextIndex < items.length) {
        signal.throwIfAborted();
        const index = nextIndex;
        nextIndex += 1;
        const site: CallSite = {
          nodeId: node.id,
          key: `${key}[${index}]`,
          name: `${node.id}[${index}]`,
          scope: { ...scope, item: items[index], index },
        };
        try {
          results[index] =
            node.node.type === 'tool'
              ? await callTool(this.env, site, node.node)
              : await callModel(this.env, site, node.node);
        } catch (error) {
          failures.push({ status: 'rejected', reason: error });
        }
      }
    };
    const workers = Array.from({ length: Math.min(node.concurrency, items.length) }, worker);
    throwFirstFailure(await Promise.allSettled(workers));
    throwFirstFailure(failures);
    return { output: results, next: node.next };
  }
}

/** Rethrows a failure, preferring a real error over a pause (the run fails rather than waits). */
function throwFirstFailure(settled: readonly PromiseSettledResult<unknown>[]): void {
  const reasons = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
  const failure = reasons.find((reason) => !(reason instanceof RunPaused)) ?? reasons[0];
  if (reasons.length > 0) throw failure;
}
