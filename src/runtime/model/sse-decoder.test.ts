import { describe, expect, it } from 'vitest';
import { SseDecoder, type SseEvent, SseTooLargeError } from './sse-decoder.ts';

function decodeInPieces(pieces: readonly string[]): SseEvent[] {
  const decoder = new SseDecoder();
  return [...pieces.flatMap((piece) => decoder.push(piece)), ...decoder.end()];
}

const BODY =
  ': keep-alive\n\ndata: {"a":1}\n\nevent: error\ndata: line one\ndata: line two\n\r\ndata:no-space\r\n\r\ndata: [DONE]\n\n';
const EXPECTED: SseEvent[] = [
  { event: 'message', data: '{"a":1}' },
  { event: 'error', data: 'line one\nline two' },
  { event: 'message', data: 'no-space' },
  { event: 'message', data: '[DONE]' },
];

describe('SseDecoder', () => {
  it('decodes events, comments, named events, multi-line data and CRLF line ends', () => {
    expect(decodeInPieces([BODY])).toEqual(EXPECTED);
  });

  it('gives the same events however the body is split across chunks', () => {
    for (let first = 0; first <= BODY.length; first++) {
      for (let second = first; second <= BODY.length; second += 7) {
        const pieces = [BODY.slice(0, first), BODY.slice(first, second), BODY.slice(second)];
        expect(decodeInPieces(pieces)).toEqual(EXPECTED);
      }
    }
  });

  it('does not mistake a CR LF split across chunks for two line ends', () => {
    expect(decodeInPieces(['data: a\r', '\ndata: b\r', '\n\r', '\n'])).toEqual([
      { event: 'message', data: 'a\nb' },
    ]);
  });

  it('dispatches a final event the server left unterminated', () => {
    expect(decodeInPieces(['data: [DONE]'])).toEqual([{ event: 'message', data: '[DONE]' }]);
  });

  it('refuses a line longer than its limit', () => {
    const decoder = new SseDecoder(16);
    expect(() => decoder.push(`data: ${'x'.repeat(32)}`)).toThrow(SseTooLargeError);
  });
});
