export { WORKFLOW_OUTPUT, WorkflowNodeError } from './errors.ts';
export { checkWorkflowExpressions } from './expressions.ts';
export { MAX_NODE_EXECUTIONS } from './workflow-run.ts';
export {
  type ResolvedWorkflowAgent,
  type WorkflowAgentSpec,
  WorkflowRuntime,
  type WorkflowRuntimeDeps,
} from './workflow-runtime.ts';
