import type { ToolResult } from '../runtime/index.ts';

/**
 * A result cut to `maxBytes` of text in all: what is past the cap is dropped and a marker says
 * how much there was. Structured output goes with it when the text was cut (it would be as large).
 */
export function capResult(result: ToolResult, maxBytes: number): { result: ToolResult; truncated: boolean } {
  let total = 0;
  for (const part of result.content) total += Buffer.byteLength(part.text);
  const structuredBytes =
    result.structured === undefined ? 0 : Buffer.byteLength(JSON.stringify(result.structured));
  if (total <= maxBytes && structuredBytes <= maxBytes) return { result, truncated: false };
  let left = maxBytes;
  const content = result.content.map((part) => {
    const bytes = Buffer.from(part.text);
    const kept = bytes
      .subarray(0, Math.max(0, left))
      .toString('utf8')
      .replace(/\uFFFD$/, '');
    left -= bytes.length;
    return { type: 'text' as const, text: kept };
  });
  const marker = `…[truncated: ${Math.max(total, structuredBytes)} bytes, more than the limit of ${maxBytes}]`;
  const last = content.at(-1);
  if (last) last.text += `\n${marker}`;
  else content.push({ type: 'text', text: marker });
  return {
    result: { content: content.filter((part) => part.text !== ''), isError: result.isError },
    truncated: true,
  };
}

/** Every injected secret value in `text` replaced by `[secret:NAME]`: a tool that echoes one back leaks nothing. */
export function redactSecrets(text: string, secrets: ReadonlyMap<string, string>): string {
  let out = text;
  for (const [name, value] of secrets) if (value.length >= 4) out = out.split(value).join(`[secret:${name}]`);
  return out;
}
