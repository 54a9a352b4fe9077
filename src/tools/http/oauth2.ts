import { createHash } from 'node:crypto';
import { parseJson, type ToolAuthentication } from '../../contracts/index.ts';
import { sendHttpRequest } from '../builtin/http-send.ts';

const TOKEN_TIMEOUT_MS = 15_000;
/** A token is renewed this long before it expires. */
const EARLY_RENEWAL_MS = 30_000;

/**
 * OAuth 2.0 client-credentials tokens (RFC 6749 §4.4) for HTTP tools, kept until shortly before
 * they expire. The cache key covers the client secret, so a rotated secret gets a new token.
 */
export class OAuthTokens {
  readonly #tokens = new Map<string, { token: string; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async token(
    auth: ToolAuthentication,
    secret: string,
    internal: boolean,
    signal: AbortSignal,
  ): Promise<string> {
    const key = createHash('sha256')
      .update(JSON.stringify([auth.tokenUrl, auth.clientId, auth.scopes ?? [], secret]))
      .digest('hex');
    const cached = this.#tokens.get(key);
    if (cached && cached.until > this.now()) return cached.token;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (auth.scopes?.length) form.set('scope', auth.scopes.join(' '));
    const outcome = await sendHttpRequest(
      {
        url: new URL(auth.tokenUrl as string),
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(auth.clientId ?? '')}:${encodeURIComponent(secret)}`).toString('base64')}`,
        },
        body: Buffer.from(form.toString()),
        timeoutMs: TOKEN_TIMEOUT_MS,
        keepBytes: 64 * 1024,
        internal,
      },
      signal,
    );
    if (outcome.kind === 'timeout')
      throw new Error(`the token endpoint did not answer within ${TOKEN_TIMEOUT_MS} ms`);
    if (outcome.kind === 'failed') throw new Error(`the token endpoint failed: ${outcome.message}`);
    if (outcome.status !== 200) throw new Error(`the token endpoint answered HTTP ${outcome.status}`);
    const parsed = parseJson(outcome.body.toString('utf8'));
    const body = parsed.ok ? (parsed.value as { access_token?: unknown; expires_in?: unknown }) : {};
    if (typeof body.access_token !== 'string') throw new Error('the token endpoint sent no access_token');
    const lifetimeMs = typeof body.expires_in === 'number' ? body.expires_in * 1000 : 300_000;
    this.#tokens.set(key, { token: body.access_token, until: this.now() + lifetimeMs - EARLY_RENEWAL_MS });
    if (this.#tokens.size > 10_000) this.#tokens.clear();
    return body.access_token;
  }
}
