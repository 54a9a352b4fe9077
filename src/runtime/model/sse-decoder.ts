export interface SseEvent {
  /** The `event:` field; "message" when the server named none. */
  event: string;
  /** The `data:` lines of one event, joined with "\n". */
  data: string;
}

/** A line or event past the decoder's size limit: the upstream is misbehaving. */
export class SseTooLargeError extends Error {
  constructor(limit: number) {
    super(`server-sent event larger than ${limit} characters`);
    this.name = 'SseTooLargeError';
  }
}

export const DEFAULT_MAX_EVENT_CHARS = 4 * 1024 * 1024;

/**
 * Incremental `text/event-stream` decoder (WHATWG HTML §9.2.6) fed arbitrary pieces of the body,
 * so a line or an event may be split anywhere across TCP chunks, including between "\r" and "\n".
 * Comments (`:keep-alive`) and the `id` / `retry` fields are ignored. `end()` dispatches an event
 * left unterminated when the body ends, which the spec would drop: a provider that omits the final
 * blank line still gets its last event read.
 */
export class SseDecoder {
  readonly #maxChars: number;
  readonly #lineEnd = /\r\n|\r|\n/g;
  #partial = '';
  #skipLeadingLineFeed = false;
  #data: string[] = [];
  #dataChars = 0;
  #event = '';

  constructor(maxChars = DEFAULT_MAX_EVENT_CHARS) {
    this.#maxChars = maxChars;
  }

  /** Feeds one piece of the body; returns the events it completed, in order. Throws SseTooLargeError. */
  push(text: string): SseEvent[] {
    let input = text;
    if (this.#skipLeadingLineFeed && input.startsWith('\n')) input = input.slice(1);
    this.#skipLeadingLineFeed = false;
    const events: SseEvent[] = [];
    const lineEnd = this.#lineEnd;
    lineEnd.lastIndex = 0;
    let position = 0;
    for (let match = lineEnd.exec(input); match !== null; match = lineEnd.exec(input)) {
      const line = this.#partial + input.slice(position, match.index);
      this.#partial = '';
      position = match.index + match[0].length;
      this.#line(line, events);
    }
    // A "\r" that ends this piece may be the first half of a "\r\n" split across pieces.
    if (position === input.length && input.endsWith('\r')) this.#skipLeadingLineFeed = true;
    this.#partial += input.slice(position);
    if (this.#partial.length + this.#dataChars > this.#maxChars) throw new SseTooLargeError(this.#maxChars);
    return events;
  }

  /** The body ended: returns the event still being assembled, if any. */
  end(): SseEvent[] {
    const events: SseEvent[] = [];
    if (this.#partial !== '') this.#line(this.#partial, events);
    this.#partial = '';
    this.#line('', events);
    return events;
  }

  #line(line: string, events: SseEvent[]): void {
    if (line === '') {
      if (this.#data.length > 0)
        events.push({ event: this.#event || 'message', data: this.#data.join('\n') });
      this.#data = [];
      this.#dataChars = 0;
      this.#event = '';
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      this.#data.push(value);
      this.#dataChars += value.length + 1;
      if (this.#dataChars > this.#maxChars) throw new SseTooLargeError(this.#maxChars);
    } else if (field === 'event') {
      this.#event = value;
    }
  }
}
