import { z } from 'zod';

/** Finish reasons of answers worth serving again: complete, not filtered, not failed. */
export const STORABLE_FINISH_REASONS = ['stop', 'length', 'tool_calls'] as const;
export type StorableFinishReason = (typeof STORABLE_FINISH_REASONS)[number];

const ToolCallSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});

/**
 * A chat completion the response cache may hold and replay: permissive about extra fields (they are
 * kept and replayed), strict about what a replay reads. `id` and `created` are required because every
 * replayed chunk repeats them.
 */
export const StoredCompletionSchema = z.looseObject({
  id: z.string(),
  object: z.literal('chat.completion').optional(),
  created: z.number(),
  model: z.unknown().optional(),
  choices: z
    .array(
      z.looseObject({
        index: z.number().int().nonnegative(),
        message: z.looseObject({
          role: z.string().optional(),
          content: z.string().nullish(),
          tool_calls: z.array(ToolCallSchema).nullish(),
        }),
        finish_reason: z.enum(STORABLE_FINISH_REASONS),
      }),
    )
    .min(1),
  error: z.null().optional(),
});
export type StoredCompletion = z.infer<typeof StoredCompletionSchema>;

/**
 * True if the completion may be cached: it has an `id`, a `created` time and at least one choice,
 * every choice has a message and finished with `stop`, `length` or `tool_calls` (never
 * `content_filter`, `function_call`, a missing or an unknown reason), and it carries no `error`.
 */
export function isStorable(completion: Record<string, unknown>): boolean {
  return StoredCompletionSchema.safeParse(completion).success;
}

/** What L2 holds under a key: the completion and when it stops being servable (epoch ms). */
export const StoredEntrySchema = z.object({
  v: z.literal(1),
  expiresAt: z.number(),
  completion: StoredCompletionSchema,
});
export type StoredEntry = z.infer<typeof StoredEntrySchema>;
