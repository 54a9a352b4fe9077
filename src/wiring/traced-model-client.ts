import type { Tracer } from '@opentelemetry/api';
import { SPAN_ATTRIBUTES as A, SPAN_NAMES } from '../contracts/index.ts';
import { inSpan } from '../core/index.ts';
import type { ChatOptions, ChatRequest, ChatResult, ModelClient, ModelTarget } from '../runtime/index.ts';

/**
 * Direct model calls of runs (agents naming a ModelBackend, not an alias) as `LLM.Invoke` spans
 * with the GenAI attributes, seed aliases and the call's cost from the backend's `cost_per_1k`.
 * Calls through the gateway are its own spans, so they pass straight through.
 */
export class TracedModelClient implements ModelClient {
  constructor(
    private readonly inner: ModelClient,
    private readonly tracer: Tracer,
    /** Put prompts and completions on the spans (the exporters mask them). */
    private readonly traceContent = false,
  ) {}

  chat(target: ModelTarget, request: ChatRequest, options: ChatOptions): Promise<ChatResult> {
    if (target.gateway) return this.inner.chat(target, request, options);
    return inSpan(
      this.tracer,
      SPAN_NAMES.llm,
      {
        [A.genAiOperation]: 'chat',
        [A.genAiSystem]: 'openai',
        [A.genAiRequestModel]: target.backend,
        // The backend is a registry name: metrics and usage keep it even when the call fails.
        [A.llmModel]: target.backend,
        [A.route]: 'direct',
        ...(request.maxTokens !== undefined ? { 'gen_ai.request.max_tokens': request.maxTokens } : {}),
        ...(this.traceContent ? { [A.genAiInputMessages]: JSON.stringify(request.messages) } : {}),
      },
      async (span) => {
        const result = await this.inner.chat(target, request, options);
        const { inputTokens, outputTokens } = result.usage;
        span.setAttributes({
          [A.genAiResponseModel]: target.backend,
          [A.llmModel]: target.backend,
          [A.genAiInputTokens]: inputTokens,
          [A.genAiOutputTokens]: outputTokens,
          [A.llmPromptTokens]: inputTokens,
          [A.llmCompletionTokens]: outputTokens,
          [A.genAiFinishReasons]: [result.finishReason],
          ...(this.traceContent ? { [A.genAiOutputMessages]: JSON.stringify(result.message) } : {}),
          ...(target.price
            ? { [A.costUsd]: (inputTokens * target.price.input + outputTokens * target.price.output) / 1000 }
            : {}),
        });
        return result;
      },
    );
  }
}
