import type { Hono } from 'hono';
import { routes } from '../../contracts/index.ts';
import type { FeedbackService } from '../../feedback/index.ts';
import type { Authenticator } from '../../identity/index.ts';
import { bindRoute } from '../bind-route.ts';
import type { AppEnv } from '../context.ts';

/** Feedback on runs and the preference datasets made from it. */
export function feedbackRoutes(
  app: Hono<AppEnv>,
  authenticator: Authenticator,
  feedback: FeedbackService,
): void {
  const author = (caller: { principalId: string; principalName: string }) => ({
    id: caller.principalId,
    name: caller.principalName,
  });
  bindRoute(app, routes.giveRunFeedback, authenticator, async ({ caller, params, body, signal }) => {
    const given = await feedback.give(caller.tenantId, author(caller), params.id, body, signal);
    return { body: given.feedback, status: given.created ? 201 : 200 };
  });
  bindRoute(app, routes.listRunFeedback, authenticator, async ({ caller, params, signal }) => ({
    body: { items: await feedback.list(caller.tenantId, params.id, signal) },
  }));
  bindRoute(app, routes.deleteRunFeedback, authenticator, async ({ caller, params, signal }) => {
    await feedback.withdraw(caller.tenantId, author(caller), params.id, signal);
    return { body: undefined };
  });
  bindRoute(app, routes.exportPreferences, authenticator, async ({ caller, query, signal }) => ({
    body: await feedback.preferences(caller.tenantId, query, signal),
  }));
}
