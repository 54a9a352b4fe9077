/** Chat completions as OpenAI returns them, for the response cache's tests. */

/** A text answer long enough to span several replayed pieces, with a character outside the BMP. */
export function textCompletion(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'chatcmpl-text-1',
    object: 'chat.completion',
    created: 1_760_000_000,
    model: 'gpt-4o-mini',
    system_fingerprint: 'fp_1234',
    service_tier: 'default',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: `${'Your order 42 left the warehouse on Monday and should arrive by Thursday. '.repeat(3)}🚚 Track it with the link in your email.`,
          refusal: null,
          annotations: [],
        },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: {
      prompt_tokens: 31,
      completion_tokens: 58,
      total_tokens: 89,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    },
    ...overrides,
  };
}

/** Two parallel tool calls, one with arguments longer than a replayed piece, and no text. */
export function toolCallCompletion(): Record<string, unknown> {
  return {
    id: 'chatcmpl-tools-1',
    object: 'chat.completion',
    created: 1_760_000_100,
    model: 'gpt-4o-mini',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_a',
              type: 'function',
              function: {
                name: 'lookup_order',
                arguments: JSON.stringify({
                  id: '42',
                  include: ['items', 'shipping', 'payments', 'history', 'returns', 'invoices'],
                }),
              },
            },
            { id: 'call_b', type: 'function', function: { name: 'current_time', arguments: '{}' } },
          ],
          refusal: null,
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ],
    usage: { prompt_tokens: 80, completion_tokens: 40, total_tokens: 120 },
  };
}

/** `n: 2`: two choices, the second cut off by `max_tokens`. */
export function twoChoiceCompletion(): Record<string, unknown> {
  const base = textCompletion();
  return {
    ...base,
    id: 'chatcmpl-two-1',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Thursday.' },
        logprobs: null,
        finish_reason: 'stop',
      },
      {
        index: 1,
        message: { role: 'assistant', content: 'It should' },
        logprobs: null,
        finish_reason: 'length',
      },
    ],
  };
}

/** A completion whose only choice ends with `finishReason`. */
export function finishedWith(finishReason: unknown): Record<string, unknown> {
  const completion = textCompletion();
  const [choice] = completion.choices as Record<string, unknown>[];
  return { ...completion, choices: [{ ...choice, finish_reason: finishReason }] };
}
