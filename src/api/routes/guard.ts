import type { Hono } from 'hono';
import { routes } from '../../contracts/index.ts';
import type { InjectionVerdict, PiiMasker } from '../../guard/index.ts';
import type { Authenticator } from '../../identity/index.ts';
import { bindRoute } from '../bind-route.ts';
import type { AppEnv } from '../context.ts';

/** The guards as the tenant's live policies configure them (or as one named policy does). */
export interface GuardAccess {
  masker(tenantId: string, policy?: string): Promise<PiiMasker>;
  detectInjection(
    tenantId: string,
    text: string,
    source: 'user' | 'tool' | 'retrieval',
  ): Promise<InjectionVerdict>;
}

export function guardRoutes(app: Hono<AppEnv>, authenticator: Authenticator, guards: GuardAccess): void {
  bindRoute(app, routes.detectPii, authenticator, async ({ caller, body }) => {
    const masker = await guards.masker(caller.tenantId, body.policy);
    const { text, entities } = masker.maskText(body.text);
    return {
      body: {
        entities: entities.map((e) => ({ type: e.type, start: e.start, end: e.end, action: e.action })),
        masked: text,
      },
    };
  });
  bindRoute(app, routes.detectInjection, authenticator, async ({ caller, body }) => ({
    body: await guards.detectInjection(caller.tenantId, body.text, body.source),
  }));
}
