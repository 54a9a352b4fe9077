import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { EventRecord } from '../orchestrator/index.ts';
import { toEventResource } from '../orchestrator/index.ts';
import type { AppEnv } from './context.ts';

/**
 * Writes run events as Server-Sent Events: `id: <seq>`, `event: <type>`, `data: <RunEvent>`; a
 * `null` from the feed becomes a keep-alive comment. The stream ends after the final event, or
 * when the client goes away (which aborts the feed).
 */
export function sseResponse(
  c: Context<AppEnv>,
  events: (signal: AbortSignal) => AsyncGenerator<EventRecord | null>,
): Response {
  c.header('cache-control', 'no-cache');
  c.header('x-accel-buffering', 'no');
  return streamSSE(c, async (stream) => {
    const controller = new AbortController();
    stream.onAbort(() => controller.abort());
    for await (const event of events(controller.signal)) {
      if (event === null) {
        await stream.write(': keep-alive\n\n');
        continue;
      }
      await stream.writeSSE({
        id: String(event.seq),
        event: event.type,
        data: JSON.stringify(toEventResource(event)),
      });
    }
  });
}
