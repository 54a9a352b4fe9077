import type { ModelBackendSpec } from '../contracts/index.ts';
import type { Usage } from './completion-shapes.ts';
import type { InvocationRecorder } from './invocation-recorder.ts';
import type { ChatMessageInput } from './openai-wire.ts';
import type { SpendEstimate, SpendHold } from './ports.ts';
import { costOf } from './spend.ts';
import { countUsage } from './token-count.ts';

/**
 * How a call that got an answer ends: its usage (reported by the backend, else counted with a
 * tokenizer from the prompt and the text sent) settles the budget hold and goes on the audit
 * record with its cost. Usage neither reported nor countable charges the reservation, an upper
 * bound. The returned function is called once, when the answer (or stream) has ended.
 */
export function settlement(call: {
  hold: SpendHold | undefined;
  reserved: SpendEstimate;
  record: InvocationRecorder;
  backend: ModelBackendSpec;
  messages: readonly ChatMessageInput[];
  model: string;
  cache: string | null;
  attempts: number;
}): (reported: Usage | null, error: string | null, status: number, text: string) => void {
  return (reported, error, status, text) => {
    const finish = (usage: Usage | null, counted: boolean) => {
      const costUsd = costOf(call.backend, usage);
      call.hold?.settle(
        usage
          ? { tokens: (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0), usd: costUsd }
          : call.reserved,
      );
      call.record.done({
        status,
        error,
        usage,
        counted,
        model: call.model,
        cache: call.cache,
        attempts: call.attempts,
        costUsd,
      });
    };
    if (reported) finish(reported, false);
    else
      countUsage(call.messages, text).then(
        (counted) => finish(counted, true),
        () => finish(null, false),
      );
  };
}
