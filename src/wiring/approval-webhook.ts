import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import { abortableSleep, fullJitterDelay } from '../core/index.ts';
import { type ApprovalNotifier, type ApprovalRecord, toApprovalResource } from '../orchestrator/index.ts';

const ATTEMPTS = 5;

/**
 * POSTs `{event, approval}` to the configured URL for chat / IM integrations. The body is signed:
 * `X-Agenticai-Signature: sha256=HEX` is HMAC-SHA256 over `TIMESTAMP.BODY` with the secret, and
 * `X-Agenticai-Timestamp` carries TIMESTAMP (unix seconds), so a receiver can reject replays.
 * Sent in the background with retries (exponential backoff, jitter) on network errors and 5xx;
 * a run never waits for it. Arguments in the payload are already PII masked.
 */
export class WebhookApprovalNotifier implements ApprovalNotifier {
  readonly #closing = new AbortController();

  constructor(
    private readonly url: string,
    private readonly secret: string | undefined,
    private readonly logger: Logger,
  ) {}

  /** Stops retrying: deliveries still pending are dropped (and logged). */
  close(): void {
    this.#closing.abort();
  }

  notify(event: 'approval.requested' | 'approval.decided', approval: ApprovalRecord): void {
    void this.#deliver(event, approval);
  }

  async #deliver(event: string, approval: ApprovalRecord): Promise<void> {
    const body = JSON.stringify({ event, approval: toApprovalResource(approval) });
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'x-agenticai-event': event,
        'x-agenticai-timestamp': timestamp,
      };
      if (this.secret) {
        const signature = createHmac('sha256', this.secret).update(`${timestamp}.${body}`).digest('hex');
        headers['x-agenticai-signature'] = `sha256=${signature}`;
      }
      try {
        const response = await fetch(this.url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.any([AbortSignal.timeout(10_000), this.#closing.signal]),
        });
        await response.body?.cancel();
        if (response.status < 500) {
          if (!response.ok) this.logger.warn({ status: response.status, event }, 'approval webhook refused');
          return;
        }
      } catch (error) {
        this.logger.debug({ err: error, attempt, event }, 'approval webhook failed');
      }
      if (attempt === ATTEMPTS - 1 || this.#closing.signal.aborted) break;
      try {
        await abortableSleep(fullJitterDelay(attempt, Math.random, 500, 30_000), this.#closing.signal);
      } catch {
        break; // closing
      }
    }
    this.logger.warn({ event, approvalId: approval.id }, 'approval webhook gave up');
  }
}
