/**
 * The newest messages of a history that fit a token budget, counted roughly as 4 characters a
 * token (how runs cut a session's history, and how datasets rebuild the prompt a run saw).
 * Oldest first, as given; no budget keeps them all.
 */
export function newestWithinTokens<T extends { content: string }>(
  messages: readonly T[],
  maxTokens: number | undefined,
): T[] {
  if (maxTokens === undefined) return [...messages];
  let budget = maxTokens * 4;
  const kept: T[] = [];
  for (const message of [...messages].reverse()) {
    budget -= message.content.length;
    if (budget < 0) break;
    kept.unshift(message);
  }
  return kept;
}
