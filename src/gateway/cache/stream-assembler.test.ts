import { Stream } from 'openai/streaming';
import { describe, expect, it } from 'vitest';
import { textCompletion, toolCallCompletion, twoChoiceCompletion } from './completions.test-support.ts';
import { StreamAssembler } from './stream-assembler.ts';
import { replayAsStream } from './stream-replay.ts';

/** Replays, parses the SSE with the official openai client's parser, and assembles. */
async function roundTrip(completion: Record<string, unknown>, includeUsage: boolean) {
  const model = completion.model as string;
  const response = new Response(replayAsStream(completion, { includeUsage, model }));
  const assembler = new StreamAssembler();
  for await (const chunk of Stream.fromSSEResponse<unknown>(response, new AbortController()))
    assembler.push(chunk);
  return assembler.result();
}

const assemble = (chunks: unknown[]) => {
  const assembler = new StreamAssembler();
  for (const chunk of chunks) assembler.push(chunk);
  return assembler.result();
};

/** The result's choice at `index`, failing the test if there is none. */
function choiceOf(result: Record<string, unknown> | null, index = 0): Record<string, unknown> {
  const choice = (result?.choices as Record<string, unknown>[] | undefined)?.[index];
  if (!choice) throw new Error(`no choice ${index} in ${JSON.stringify(result)}`);
  return choice;
}

const base = { id: 'chatcmpl-up', object: 'chat.completion.chunk', created: 1, model: 'm' };
const delta = (index: number, fields: Record<string, unknown>, finish: string | null = null) => ({
  ...base,
  choices: [{ index, delta: fields, finish_reason: finish }],
});

describe('replay then assemble', () => {
  it.each([
    ['a text completion', textCompletion],
    ['a tool-call completion', toolCallCompletion],
    ['a two-choice completion', twoChoiceCompletion],
  ])('gives back %s exactly, with include_usage', async (_name, make) => {
    expect(await roundTrip(make(), true)).toEqual(make());
  });

  it('gives back the completion without usage when usage was not asked for', async () => {
    const { usage: _, ...withoutUsage } = textCompletion();
    expect(await roundTrip(textCompletion(), false)).toEqual(withoutUsage);
  });
});

describe('StreamAssembler', () => {
  it('keeps interleaved choices apart and orders them by index', () => {
    expect(
      assemble([
        delta(1, { role: 'assistant', content: '' }),
        delta(0, { role: 'assistant', content: 'Hel' }),
        delta(1, { content: 'Bon' }),
        delta(0, { content: 'lo' }),
        delta(1, { content: 'jour' }, 'length'),
        delta(0, {}, 'stop'),
      ]),
    ).toEqual({
      ...base,
      object: 'chat.completion',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' },
        { index: 1, message: { role: 'assistant', content: 'Bonjour' }, finish_reason: 'length' },
      ],
    });
  });

  it('merges tool-call deltas by index, concatenating arguments and taking id, type and name when given', () => {
    const result = assemble([
      delta(0, { role: 'assistant', content: null }),
      delta(0, {
        tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } }],
      }),
      delta(0, {
        tool_calls: [
          { index: 1, id: 'call_2', type: 'function', function: { name: 'g', arguments: '{"b"' } },
        ],
      }),
      delta(0, { tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] }),
      delta(0, {
        tool_calls: [
          { index: 0, function: { arguments: '1}' } },
          { index: 1, function: { arguments: ':2}' } },
        ],
      }),
      delta(0, {}, 'tool_calls'),
    ]);

    expect(choiceOf(result).message).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
        { id: 'call_2', type: 'function', function: { name: 'g', arguments: '{"b":2}' } },
      ],
    });
  });

  it('numbers tool calls from servers that omit the index by their ids', () => {
    const result = assemble([
      delta(0, { tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{' } }] }),
      delta(0, { tool_calls: [{ function: { arguments: '}' } }] }),
      delta(0, {
        tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'g', arguments: '{}' } }],
      }),
      delta(0, {}, 'tool_calls'),
    ]);
    expect((choiceOf(result).message as { tool_calls: unknown }).tool_calls).toEqual([
      { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } },
      { id: 'call_2', type: 'function', function: { name: 'g', arguments: '{}' } },
    ]);
  });

  it('does not repeat a role that a server sends on every chunk, and concatenates reasoning text', () => {
    const result = assemble([
      delta(0, { role: 'assistant', reasoning_content: 'Think', content: '' }),
      delta(0, { role: 'assistant', reasoning_content: 'ing.', content: null }),
      delta(0, { role: 'assistant', content: 'Done.' }, 'stop'),
    ]);
    expect(choiceOf(result).message).toEqual({
      role: 'assistant',
      reasoning_content: 'Thinking.',
      content: 'Done.',
    });
  });

  it('concatenates per-token logprobs across chunks', () => {
    const token = (text: string) => ({ token: text, logprob: -0.1, bytes: [], top_logprobs: [] });
    const result = assemble([
      {
        ...base,
        choices: [{ index: 0, delta: { content: 'a' }, logprobs: { content: [token('a')], refusal: null } }],
      },
      {
        ...base,
        choices: [{ index: 0, delta: { content: 'b' }, logprobs: { content: [token('b')], refusal: null } }],
      },
      { ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] },
    ]);
    expect(choiceOf(result).logprobs).toEqual({
      content: [token('a'), token('b')],
      refusal: null,
    });
  });

  it('takes usage from the usage chunk and ignores usage: null elsewhere', () => {
    const usage = { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 };
    const result = assemble([
      { ...delta(0, { content: 'x' }, 'stop'), usage: null },
      { ...base, choices: [], usage },
    ]);
    expect(result?.usage).toEqual(usage);
  });

  it.each([
    ['no chunk arrived', []],
    ['a choice has no finish reason', [delta(0, { content: 'a' }, 'stop'), delta(1, { content: 'b' })]],
    [
      'a chunk carries an error',
      [delta(0, { content: 'a' }), { error: { message: 'overloaded' } }, delta(0, {}, 'stop')],
    ],
    ['a chunk is not an object', [delta(0, { content: 'a' }), 'garbage', delta(0, {}, 'stop')]],
    ['choices is not a list', [{ ...base, choices: 'x' }, delta(0, { content: 'a' }, 'stop')]],
  ])('returns null if %s', (_name, chunks) => {
    expect(assemble(chunks)).toBeNull();
  });

  it('returns a fresh copy on every call', () => {
    const assembler = new StreamAssembler();
    assembler.push(delta(0, { content: 'a', annotations: [] }, 'stop'));
    const first = assembler.result() as { choices: { message: { annotations: unknown[] } }[] };
    first.choices[0]?.message.annotations.push('changed');
    expect(assembler.result()).toMatchObject({ choices: [{ message: { annotations: [] } }] });
  });
});
