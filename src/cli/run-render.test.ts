import { describe, expect, it } from 'vitest';
import type { RunEvent, RunEventType } from '../contracts/index.ts';
import { type LiveSink, RunEventRenderer } from './run-render.ts';
import { styleFor } from './style.ts';

/** A sink that keeps what a terminal would show. */
function recorder(): LiveSink & { text: () => string } {
  let text = '';
  return {
    line: (lines) => {
      if (text !== '' && !text.endsWith('\n')) text += '\n';
      text += `${lines}\n`;
    },
    inline: (piece) => {
      text += piece;
    },
    text: () => text,
  };
}

let seq = 0;
const event = (type: RunEventType, data: Record<string, unknown>): RunEvent => {
  seq += 1;
  return { run_id: 'r1', seq, type, data, created_at: '2026-01-01T00:00:00.000Z' };
};

function render(...events: RunEvent[]): string {
  const sink = recorder();
  const renderer = new RunEventRenderer(sink, styleFor(false, {}));
  for (const e of events) renderer.render(e);
  return sink.text();
}

const usage = { input_tokens: 0, output_tokens: 0 };

describe('RunEventRenderer', () => {
  it('prints streamed tokens inline and does not repeat them as a thought or as the output', () => {
    const text = render(
      event('token', { delta: 'Let me ', step: 'model:0' }),
      event('token', { delta: 'check.', step: 'model:0' }),
      event('step_thought', { text: 'Let me check.', step: 'model:0' }),
      event('tool_call', { step: 'tool:0:0', tool: 'echo', arguments: { text: 'x' } }),
      event('tool_result', {
        step: 'tool:0:0',
        tool: 'echo',
        result: { content: [{ type: 'text', text: 'x' }], isError: false },
      }),
      event('token', { delta: 'Done.', step: 'model:1' }),
      event('run_completed', { output: 'Done.', usage: { input_tokens: 12, output_tokens: 3 } }),
    );
    expect(text).toBe(
      [
        'Let me check.',
        '┌ tool echo',
        '│ {"text":"x"}',
        '└ ✓ x',
        'Done.',
        '✔ completed (tokens: 12 in, 3 out)',
        '',
      ].join('\n'),
    );
  });

  it('names the tool on a result that does not follow its call, and marks errors with ✗', () => {
    const text = render(
      event('tool_call', { step: 'a', tool: 'lookup', arguments: {} }),
      event('tool_call', { step: 'b', tool: 'score', arguments: {} }),
      event('tool_result', {
        step: 'a',
        tool: 'lookup',
        result: { content: [{ type: 'text', text: 'boom' }], isError: true },
      }),
    );
    expect(text).toContain('└ ✗ lookup: boom');
  });

  it('shows a pause with the actions that fit it, and a failure with its fallback output', () => {
    const paused = render(event('run_paused', { reason: 'in_doubt', step: 'tool:1:0', details: {} }));
    expect(paused).toBe('⏸ paused: in_doubt\n  resolve with: actl runs resolve r1 --action retry|skip\n');
    const gated = render(
      event('run_paused', {
        reason: 'approval',
        step: 'node:say',
        details: { approval_id: 'ap1', reason: 'gate' },
      }),
    );
    expect(gated).toBe('⏸ paused: approval\n  decide with: actl approvals approve|reject ap1\n');

    const failed = render(
      event('run_failed', {
        reason: 'model_unavailable',
        error: { code: 'model_unavailable', message: 'no answer in 30 s' },
        output: 'Try again later.',
      }),
    );
    expect(failed).toBe(
      '✖ failed: model_unavailable: no answer in 30 s\nfallback output: Try again later.\n',
    );
  });

  it('prints an object output as indented JSON and a payload it does not know as raw JSON', () => {
    expect(render(event('run_completed', { output: { a: 1 }, usage }))).toBe('✔ completed\n{\n  "a": 1\n}\n');
    expect(render(event('run_started', { unexpected: true }))).toBe('• run_started {"unexpected":true}\n');
  });

  it('colours only when asked', () => {
    const sink = recorder();
    new RunEventRenderer(sink, styleFor(true, {})).render(event('run_cancelled', {}));
    expect(sink.text()).toContain('\u001b[33m■ cancelled');
    const noColour = recorder();
    new RunEventRenderer(noColour, styleFor(true, { NO_COLOR: '1' })).render(event('run_cancelled', {}));
    expect(noColour.text()).toBe('■ cancelled\n');
  });
});
