import { describe, expect, it } from 'vitest';
import {
  exampleOf,
  historyTurns,
  inputTurns,
  outputText,
  promptOf,
  promptSettings,
} from './dataset-examples.ts';
import type { DatasetSource } from './ports.ts';

const source = (overrides: Partial<DatasetSource> = {}): DatasetSource => ({
  feedbackId: 'f1',
  runId: 'r1',
  agent: 'triage',
  agentVersion: 2,
  score: -1,
  correction: 'Internal host: do not block.',
  category: 'wrong_action',
  input: 'Alert: 10.0.0.5 scanning',
  output: 'Block 10.0.0.5.',
  sessionId: null,
  startedAt: new Date('2026-11-01T00:00:00Z'),
  spec: { systemPrompt: 'You triage alerts.' },
  ...overrides,
});

describe('dataset examples', () => {
  it('builds the prompt as the react runtime does: system prompt, history, input', () => {
    const settings = promptSettings({ systemPrompt: 'You triage alerts.', memory: { maxHistory: 5 } });
    expect(settings).toEqual({ systemPrompt: 'You triage alerts.', maxHistory: 5, maxTokens: undefined });
    const prompt = promptOf(source(), settings, [
      { role: 'user', content: 'earlier' },
      { role: 'assistant', content: 'answer' },
    ]);
    expect(prompt).toEqual([
      { role: 'system', content: 'You triage alerts.' },
      { role: 'user', content: 'earlier' },
      { role: 'assistant', content: 'answer' },
      { role: 'user', content: 'Alert: 10.0.0.5 scanning' },
    ]);
  });

  it('falls back to no system prompt and 20 history messages when the version is gone', () => {
    expect(promptSettings(null)).toEqual({ systemPrompt: null, maxHistory: 20, maxTokens: undefined });
  });

  it('reads chat inputs as their turns and any other input as JSON', () => {
    expect(
      inputTurns({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: null },
        ],
      }),
    ).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: '' },
    ]);
    expect(inputTurns({ alert: { ip: '10.0.0.5' } })).toEqual([
      { role: 'user', content: '{"alert":{"ip":"10.0.0.5"}}' },
    ]);
    expect(inputTurns({ messages: 'not a list' })).toEqual([
      { role: 'user', content: '{"messages":"not a list"}' },
    ]);
  });

  it('keeps the newest history within the token budget (4 characters a token)', () => {
    const history = [
      { role: 'user', content: 'a'.repeat(8) },
      { role: 'assistant', content: 'b'.repeat(8) },
      { role: 'weird', content: 'dropped' },
    ];
    expect(historyTurns(history, 2)).toEqual([{ role: 'assistant', content: 'bbbbbbbb' }]);
    expect(historyTurns(history, undefined)).toHaveLength(2);
  });

  it('treats a missing, null or blank answer as none and structured answers as JSON', () => {
    expect(outputText(null)).toBeNull();
    expect(outputText('  ')).toBeNull();
    expect(outputText({ verdict: 'benign' })).toBe('{"verdict":"benign"}');
  });

  it('makes a DPO pair of a correction against the answer, and none when they are the same', () => {
    const prompt = [{ role: 'user' as const, content: 'q' }];
    expect(exampleOf('dpo', source(), prompt)).toEqual({
      prompt,
      chosen: [{ role: 'assistant', content: 'Internal host: do not block.' }],
      rejected: [{ role: 'assistant', content: 'Block 10.0.0.5.' }],
      run_id: 'r1',
      agent: 'triage',
      agent_version: 2,
      score: -1,
      category: 'wrong_action',
    });
    expect(exampleOf('dpo', source({ correction: ' Block 10.0.0.5. ' }), prompt)).toBeNull();
    expect(exampleOf('dpo', source({ output: null }), prompt)).toBeNull();
  });

  it('makes SFT examples of corrections and of upvoted answers, and none of a bare downvote', () => {
    const prompt = [{ role: 'user' as const, content: 'q' }];
    expect(exampleOf('sft', source(), prompt)).toMatchObject({
      completion: [{ role: 'assistant', content: 'Internal host: do not block.' }],
      completion_source: 'correction',
    });
    expect(exampleOf('sft', source({ score: 1, correction: null }), prompt)).toMatchObject({
      completion: [{ role: 'assistant', content: 'Block 10.0.0.5.' }],
      completion_source: 'output',
    });
    expect(exampleOf('sft', source({ correction: null }), prompt)).toBeNull();
  });
});
