import type { z } from 'zod';
import { RUN_EVENT_PAYLOADS, type RunEvent, type RunEventType } from '../contracts/index.ts';
import type { Style } from './style.ts';

/** Where rendered events go: whole lines, or text that continues the current line (tokens). */
export interface LiveSink {
  /** Prints lines; ends a line left open by `inline` first. */
  line(text: string): void;
  inline(text: string): void;
}

type Payload<T extends RunEventType> = z.infer<(typeof RUN_EVENT_PAYLOADS)[T]>;

function payload<T extends RunEventType>(type: T, data: unknown): Payload<T> | null {
  const parsed = RUN_EVENT_PAYLOADS[type].safeParse(data);
  return parsed.success ? (parsed.data as Payload<T>) : null;
}

const COMPACT_CHARS = 100;
const MAX_RESULT_LINES = 20;
const MAX_RESULT_CHARS = 2000;

/** One line of JSON when short, indented JSON otherwise; strings as they are. */
export function compactJson(value: unknown): string {
  if (typeof value === 'string') return value;
  const line = JSON.stringify(value) ?? String(value);
  return line.length <= COMPACT_CHARS ? line : JSON.stringify(value, null, 2);
}

/** A tool result as text: the text parts of an MCP-style `{content, isError}`, else compact JSON. */
function toolResult(result: unknown): { text: string; isError: boolean } {
  if (typeof result === 'object' && result !== null && 'content' in result) {
    const { content, isError, structured } = result as {
      content: unknown;
      isError?: unknown;
      structured?: unknown;
    };
    const texts = Array.isArray(content)
      ? content.flatMap((part: unknown) =>
          typeof part === 'object' && part !== null && 'text' in part && typeof part.text === 'string'
            ? [part.text]
            : [],
        )
      : [];
    const text = texts.length > 0 ? texts.join('\n') : compactJson(structured ?? content);
    return { text, isError: isError === true };
  }
  return { text: compactJson(result), isError: false };
}

function truncate(text: string): string[] {
  const clipped = text.length > MAX_RESULT_CHARS ? `${text.slice(0, MAX_RESULT_CHARS)}…` : text;
  const lines = clipped.split('\n');
  if (lines.length <= MAX_RESULT_LINES) return lines;
  return [...lines.slice(0, MAX_RESULT_LINES), `… (${lines.length - MAX_RESULT_LINES} more lines)`];
}

const RESOLVE_ACTIONS_FOR: Record<string, string> = {
  approval: 'approve|reject',
  in_doubt: 'retry|skip',
};

const unreachable = (value: never): never => {
  throw new Error(`unhandled run event type ${String(value)}`);
};

/**
 * Renders run events for people: `▶ run … started`, thoughts, the model's tokens inline, a card
 * per tool call (name, arguments, then the result, ✗ when it is an error), pauses with the command
 * that resolves them, and the end (`✔ completed` with the output, `✖ failed: reason: message`,
 * `■ cancelled`). Text the token stream already showed (a thought, the final answer) is not
 * printed twice.
 */
export class RunEventRenderer {
  readonly #sink: LiveSink;
  readonly #style: Style;
  #streamed = '';
  /** The step whose call card is the last thing printed, so its result continues the card. */
  #openCall: string | undefined;

  constructor(sink: LiveSink, style: Style) {
    this.#sink = sink;
    this.#style = style;
  }

  render(event: RunEvent): void {
    if (event.type === 'token') {
      const data = payload('token', event.data);
      if (data) {
        this.#streamed += data.delta;
        this.#openCall = undefined;
        this.#sink.inline(data.delta);
        return;
      }
    }
    const streamed = this.#streamed.trim();
    this.#streamed = '';
    const lines = this.#lines(event, streamed);
    if (lines.length > 0) this.#sink.line(lines.join('\n'));
    this.#openCall = event.type === 'tool_call' ? String(event.data.step) : undefined;
  }

  #lines(event: RunEvent, streamed: string): string[] {
    const s = this.#style;
    const raw = () => [s.dim(`• ${event.type} ${compactJson(event.data)}`)];
    switch (event.type) {
      case 'run_started': {
        const data = payload(event.type, event.data);
        if (!data) return raw();
        return [s.info(`▶ run ${data.run_id} started (${data.agent} v${data.agent_version})`)];
      }
      case 'step_thought': {
        const data = payload(event.type, event.data);
        if (!data) return raw();
        if (streamed !== '' && data.text.trim() === streamed) return [];
        return data.text.split('\n').map((line) => s.dim(`· ${line}`));
      }
      case 'token':
        return raw();
      case 'tool_call': {
        const data = payload(event.type, event.data);
        if (!data) return raw();
        const args = data.arguments === undefined ? [] : compactJson(data.arguments).split('\n');
        return [`┌ tool ${s.bold(data.tool)}`, ...args.map((line) => `│ ${s.dim(line)}`)];
      }
      case 'tool_result': {
        const data = payload(event.type, event.data);
        if (!data) return raw();
        const result = toolResult(data.result);
        const mark = result.isError ? s.error('✗') : s.ok('✓');
        const label = this.#openCall === data.step ? '' : `${s.bold(data.tool)}: `;
        const [first = '', ...rest] = truncate(result.text);
        return [`└ ${mark} ${label}${first}`, ...rest.map((line) => `  ${line}`)];
      }
      case 'governance_intervention': {
        const data = payload(event.type, event.data);
        if (!data) return raw();
        const reason = data.reason ? ` (${data.reason})` : '';
        return [s.warn(`⚠ policy ${data.rule}: ${data.decision}${reason}`)];
      }
      case 'run_paused': {
        const data = payload(event.type, event.data);
        if (!data) return raw();
        const details = data.details as { message?: unknown; approval_id?: unknown } | undefined;
        const message = typeof details?.message === 'string' ? ` — ${details.message}` : '';
        if (typeof details?.approval_id === 'string') {
          // A policy gate or a call in doubt: decided through the approvals API, by its approvers.
          return [
            s.warn(`⏸ paused: ${data.reason}${message}`),
            s.dim(`  decide with: actl approvals approve|reject ${details.approval_id}`),
          ];
        }
        const actions = RESOLVE_ACTIONS_FOR[data.reason] ?? 'approve|reject|retry|skip';
        return [
          s.warn(`⏸ paused: ${data.reason}${message}`),
          s.dim(`  resolve with: actl runs resolve ${event.run_id} --action ${actions}`),
        ];
      }
      case 'run_resumed': {
        const data = payload(event.type, event.data);
        if (!data) return raw();
        return [s.info(`▶ resumed: ${data.action} by ${data.by}`)];
      }
      case 'run_completed': {
        const data = payload(event.type, event.data);
        if (!data) return raw();
        const tokens = data.usage.input_tokens + data.usage.output_tokens;
        const usage =
          tokens > 0
            ? s.dim(` (tokens: ${data.usage.input_tokens} in, ${data.usage.output_tokens} out)`)
            : '';
        const output =
          data.output === undefined || data.output === null
            ? null
            : typeof data.output === 'string'
              ? data.output
              : JSON.stringify(data.output, null, 2);
        // The token stream already printed the answer.
        const shown = output !== null && streamed !== '' && output.trim() === streamed;
        return [`${s.ok('✔ completed')}${usage}`, ...(output === null || shown ? [] : [output])];
      }
      case 'run_failed': {
        const data = payload(event.type, event.data);
        if (!data) return raw();
        const fallback =
          data.output === undefined || data.output === null
            ? []
            : [`fallback output: ${compactJson(data.output)}`];
        return [s.error(`✖ failed: ${data.reason}: ${data.error.message}`), ...fallback];
      }
      case 'run_cancelled': {
        const data = payload(event.type, event.data);
        if (!data) return raw();
        const by = data.by ? ` by ${data.by}` : '';
        const reason = data.reason ? ` (${data.reason})` : '';
        return [s.warn(`■ cancelled${by}${reason}`)];
      }
      default:
        return unreachable(event.type);
    }
  }
}
