/**
 * A workflow node failed: a reference that points at nothing, a tool that answered isError, a
 * condition that is not a boolean, a rejected approval, the execution cap… The run fails with
 * this message; `nodeId` says where (WORKFLOW_OUTPUT for the output template). Errors the
 * orchestrator throws through the RunContext (RunPaused, aborts, limits) pass through unwrapped.
 */
export class WorkflowNodeError extends Error {
  constructor(
    readonly nodeId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WorkflowNodeError';
  }
}

/** The `nodeId` of a failure in the `workflow.output` template; node ids cannot start with `$`. */
export const WORKFLOW_OUTPUT = '$output';
