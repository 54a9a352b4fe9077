export { DEFAULT_MODEL_TIMEOUT_MS, OpenAICompatibleModelClient } from './model/index.ts';
export type {
  AgentRuntime,
  ApprovalDecision,
  ChatMessage,
  ChatOptions,
  ChatRequest,
  ChatResult,
  ModelClient,
  ModelTarget,
  PreparedAgent,
  RunContext,
  RuntimeEvent,
  StepExecution,
  StepKind,
  StepOptions,
  TokenUsage,
  ToolCall,
  ToolContent,
  ToolDefinition,
  ToolInvokeOptions,
  ToolInvoker,
  ToolRef,
  ToolResult,
  ToolSchema,
} from './ports.ts';
export { ModelRequestError, ModelUnavailableError, RunPaused, STEP_KINDS } from './ports.ts';
export { ReactRuntime } from './react/react-runtime.ts';
export { checkWorkflowExpressions, WorkflowRuntime } from './workflow/index.ts';
