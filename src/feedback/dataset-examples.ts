import { z } from 'zod';
import { ChatMessageInputSchema, type DatasetExample, type DatasetFormat } from '../contracts/index.ts';
import { assertNever, newestWithinTokens } from '../core/index.ts';
import type { DatasetSource, HistoryMessage } from './ports.ts';

/** One chat message of a prompt or an answer. */
export type ChatTurn = DatasetExample['prompt'][number];

const RoleSchema = ChatMessageInputSchema.shape.role;

/**
 * How a feedback row becomes a training example. The prompt is rebuilt the way the react runtime
 * builds it: the agent's system prompt, the session turns the run saw (the newest
 * `memory.maxHistory`, 20 by default, within `memory.maxTokens`), then the run input.
 */

/** The orchestrator's default `memory.maxHistory`. */
export const DEFAULT_HISTORY_MESSAGES = 20;

const SpecSliceSchema = z.looseObject({
  systemPrompt: z.string().optional(),
  memory: z
    .looseObject({
      maxHistory: z.number().int().min(0).optional(),
      maxTokens: z.number().int().min(1).optional(),
    })
    .optional(),
});

export interface PromptSettings {
  systemPrompt: string | null;
  maxHistory: number;
  maxTokens: number | undefined;
}

/** What of an agent spec shapes the prompt; a spec that is gone (or unreadable) gives the defaults. */
export function promptSettings(spec: unknown): PromptSettings {
  const parsed = SpecSliceSchema.safeParse(spec);
  const slice = parsed.success ? parsed.data : {};
  return {
    systemPrompt: slice.systemPrompt ?? null,
    maxHistory: slice.memory?.maxHistory ?? DEFAULT_HISTORY_MESSAGES,
    maxTokens: slice.memory?.maxTokens,
  };
}

/** A stored value as one message's text: strings as they are, anything else as JSON. */
export function textOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}

/** A run's answer as text; null when it has none. */
export function outputText(output: unknown): string | null {
  if (output === null || output === undefined) return null;
  const text = textOf(output);
  return text.trim().length > 0 ? text : null;
}

const ChatInputSchema = z.looseObject({
  messages: z.array(z.looseObject({ role: RoleSchema, content: z.string().nullable() })).min(1),
});

/** The run input as the model got it: a string is the user turn, `{messages}` the turns, else JSON. */
export function inputTurns(input: unknown): ChatTurn[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  const chat = ChatInputSchema.safeParse(input);
  if (chat.success) return chat.data.messages.map((m) => ({ role: m.role, content: m.content ?? '' }));
  return [{ role: 'user', content: JSON.stringify(input ?? null) }];
}

const isRole = (role: string): role is ChatTurn['role'] => RoleSchema.safeParse(role).success;

/** Session messages (oldest first) as turns, the newest that fit `maxTokens` (≈4 characters a token). */
export function historyTurns(messages: readonly HistoryMessage[], maxTokens: number | undefined): ChatTurn[] {
  const turns = messages.flatMap((m) =>
    isRole(m.role) ? [{ role: m.role, content: textOf(m.content) }] : [],
  );
  return newestWithinTokens(turns, maxTokens);
}

/** The prompt of a run: system prompt, history, input. */
export function promptOf(
  source: DatasetSource,
  settings: PromptSettings,
  history: readonly HistoryMessage[],
): ChatTurn[] {
  return [
    ...(settings.systemPrompt ? [{ role: 'system' as const, content: settings.systemPrompt }] : []),
    ...historyTurns(history, settings.maxTokens),
    ...inputTurns(source.input),
  ];
}

const assistant = (content: string): ChatTurn[] => [{ role: 'assistant', content }];

/**
 * The example a feedback row makes, unmasked; null when it makes none (a DPO pair whose correction
 * is the answer itself, an SFT row with neither a correction nor an upvoted answer).
 */
export function exampleOf(
  format: DatasetFormat,
  source: DatasetSource,
  prompt: ChatTurn[],
): DatasetExample | null {
  const meta = {
    run_id: source.runId,
    agent: source.agent,
    agent_version: source.agentVersion,
    score: source.score,
    category: source.category,
  };
  const answer = outputText(source.output);
  switch (format) {
    case 'dpo':
      if (source.correction === null || answer === null) return null;
      if (source.correction.trim() === answer.trim()) return null;
      return { prompt, chosen: assistant(source.correction), rejected: assistant(answer), ...meta };
    case 'sft':
      if (source.correction !== null)
        return { prompt, completion: assistant(source.correction), completion_source: 'correction', ...meta };
      if (source.score === 1 && answer !== null)
        return { prompt, completion: assistant(answer), completion_source: 'output', ...meta };
      return null;
    default:
      return assertNever(format);
  }
}
