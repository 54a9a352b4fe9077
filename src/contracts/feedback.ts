import { z } from 'zod';
import { NameSchema, PAGE_LIMIT_MAX, TimestampSchema } from './common.ts';
import { ChatMessageInputSchema } from './runs.ts';

/**
 * Feedback on runs (a thumbs up or down, an optional correction and category) and the preference
 * datasets made from it. Fields are snake_case like runs.
 */

/** 1: the answer was good; -1: it was not. */
export const FEEDBACK_SCORES = [-1, 1] as const;
export type FeedbackScore = (typeof FEEDBACK_SCORES)[number];

/** The longest correction, in UTF-8 bytes. */
export const CORRECTION_MAX_BYTES = 32 * 1024;

const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

export const FeedbackScoreSchema = z
  .union([z.literal(-1), z.literal(1)], { error: 'score must be 1 (good) or -1 (bad)' })
  .describe('1: the answer was good (thumbs up); -1: it was not (thumbs down)');

export const FeedbackCategorySchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9_.-]{0,63}$/,
    'a category is a short label: a lowercase letter, then up to 63 lowercase letters, digits, _ . -',
  )
  .describe('A short label, e.g. good, false_positive, wrong_action, incomplete');

export const CorrectionSchema = z
  .string()
  .refine((text) => text.trim().length > 0, 'a correction needs some text')
  .refine((text) => utf8Bytes(text) <= CORRECTION_MAX_BYTES, `at most ${CORRECTION_MAX_BYTES} bytes (UTF-8)`)
  .describe(
    'What the agent should have answered. PII is masked with the tenant policy rules before it is stored',
  );

/** `POST /api/v1/runs/{id}/feedback`: the caller's whole feedback; a repeat replaces it. */
export const FeedbackWriteSchema = z.strictObject({
  score: FeedbackScoreSchema,
  correction: CorrectionSchema.optional(),
  category: FeedbackCategorySchema.optional(),
});
export type FeedbackWrite = z.infer<typeof FeedbackWriteSchema>;

export const FeedbackSchema = z.strictObject({
  id: z.string(),
  run_id: z.string(),
  agent: NameSchema,
  principal: z.string().describe('Who gave it; one feedback per principal and run'),
  score: FeedbackScoreSchema,
  correction: z.string().nullable().describe('Masked'),
  category: z.string().nullable(),
  created_at: TimestampSchema,
  updated_at: TimestampSchema.describe('The last time its author replaced it'),
});
export type Feedback = z.infer<typeof FeedbackSchema>;

export const FeedbackListSchema = z.strictObject({ items: z.array(FeedbackSchema) });

/** dpo: preference pairs (prompt, chosen, rejected); sft: (prompt, completion) examples. */
export const DATASET_FORMATS = ['dpo', 'sft'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

export const DATASET_PAGE_LIMIT_DEFAULT = 100;

export const PreferenceQuerySchema = z
  .object({
    format: z.enum(DATASET_FORMATS).default('dpo').describe('dpo (default) or sft'),
    agent: NameSchema.optional().describe('Only feedback on runs of this agent'),
    from: TimestampSchema.optional().describe('Feedback given or last changed at or after this time'),
    to: TimestampSchema.optional().describe('Feedback given or last changed before this time'),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(PAGE_LIMIT_MAX)
      .default(DATASET_PAGE_LIMIT_DEFAULT)
      .describe(`Feedback rows read for this page, 1..${PAGE_LIMIT_MAX}`),
    cursor: z.string().max(512).optional().describe('Opaque cursor from the previous page'),
  })
  .refine((query) => !query.from || !query.to || Date.parse(query.from) < Date.parse(query.to), {
    message: 'to must be later than from',
    path: ['to'],
  });
export type PreferenceQuery = z.infer<typeof PreferenceQuerySchema>;

/** One chat message, as chat templates (and TRL's conversational datasets) take them. */
export const ChatTurnSchema = z.strictObject({
  role: ChatMessageInputSchema.shape.role,
  content: z.string(),
});
export type ChatTurn = z.infer<typeof ChatTurnSchema>;

const exampleMeta = {
  run_id: z.string(),
  agent: z.string(),
  agent_version: z.number().int(),
  score: FeedbackScoreSchema,
  category: z.string().nullable(),
};

const PromptSchema = z
  .array(ChatTurnSchema)
  .describe("What the model saw: the agent's system prompt, earlier session turns, the run input");

/** TRL's conversational preference format, with metadata columns. */
export const DpoExampleSchema = z.strictObject({
  prompt: PromptSchema,
  chosen: z.array(ChatTurnSchema).describe('The correction, as the assistant turn'),
  rejected: z.array(ChatTurnSchema).describe("The agent's answer, as the assistant turn"),
  ...exampleMeta,
});
export type DpoExample = z.infer<typeof DpoExampleSchema>;

export const COMPLETION_SOURCES = ['output', 'correction'] as const;

/** TRL's conversational prompt-completion format, with metadata columns. */
export const SftExampleSchema = z.strictObject({
  prompt: PromptSchema,
  completion: z.array(ChatTurnSchema).describe('The assistant turn to learn'),
  completion_source: z
    .enum(COMPLETION_SOURCES)
    .describe("output: an upvoted answer; correction: a reviewer's correction"),
  ...exampleMeta,
});
export type SftExample = z.infer<typeof SftExampleSchema>;

export const DatasetExampleSchema = z.union([DpoExampleSchema, SftExampleSchema]);
export type DatasetExample = z.infer<typeof DatasetExampleSchema>;
