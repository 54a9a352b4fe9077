import { context as otel, type Span, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { SPAN_ATTRIBUTES as A, SPAN_NAMES } from '../contracts/index.ts';
import { failSpan } from '../core/index.ts';
import type { InvocationOutcome } from './invocation-recorder.ts';
import type { GatewayCaller } from './ports.ts';

export const INPUT_MESSAGES = A.genAiInputMessages;
export const OUTPUT_MESSAGES = A.genAiOutputMessages;

/** The `gen_ai.system` of an OpenAI-compatible backend. */
const SYSTEM = 'openai';

/**
 * Runs a gateway call inside its `LLM.Invoke` span. The span normally ends with the call's
 * invocation record ({@link endCallSpan}: a stream ends it when it ends); a call that fails before
 * it has one (an unknown model) ends it here.
 */
export async function tracedCall<T>(
  tracer: Tracer,
  caller: GatewayCaller,
  operation: 'chat' | 'embeddings' | 'rerank',
  model: string,
  call: (span: Span) => Promise<T>,
): Promise<T> {
  const span = tracer.startSpan(SPAN_NAMES.llm, {
    attributes: {
      [A.genAiOperation]: operation,
      [A.genAiSystem]: SYSTEM,
      [A.genAiRequestModel]: model,
      [A.tenantId]: caller.tenantId,
      [A.userId]: caller.principal,
      [A.route]: 'gateway',
      ...(caller.agent ? { [A.agentId]: caller.agent } : {}),
      ...(caller.runId ? { [A.runId]: caller.runId } : {}),
    },
  });
  try {
    return await otel.with(trace.setSpan(otel.active(), span), () => call(span));
  } catch (error) {
    if (span.isRecording()) {
      failSpan(span, error);
      span.end();
    }
    throw error;
  }
}

/** Ends a call's span with what the invocation record says: model, tokens, cost, cache, status. */
export function endCallSpan(span: Span, outcome: InvocationOutcome): void {
  if (!span.isRecording()) return;
  const usage = outcome.usage;
  span.setAttributes({
    [A.genAiResponseModel]: outcome.model,
    [A.llmModel]: outcome.model,
    'http.response.status_code': outcome.status,
    ...(outcome.cache ? { [A.cache]: outcome.cache } : {}),
    ...(outcome.costUsd !== null ? { [A.costUsd]: outcome.costUsd } : {}),
    ...(usage?.inputTokens != null
      ? { [A.genAiInputTokens]: usage.inputTokens, [A.llmPromptTokens]: usage.inputTokens }
      : {}),
    ...(usage?.outputTokens != null
      ? { [A.genAiOutputTokens]: usage.outputTokens, [A.llmCompletionTokens]: usage.outputTokens }
      : {}),
    ...(outcome.finishReasons ? { [A.genAiFinishReasons]: outcome.finishReasons } : {}),
  });
  if (outcome.error !== null) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error });
  span.end();
}
