import { context as otel } from '@opentelemetry/api';
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { routePath } from 'hono/route';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/index.ts';
import { type Readiness, routes } from '../contracts/index.ts';
import { AppError, contextFromTraceparent, type IdGenerator } from '../core/index.ts';
import type { FeedbackService } from '../feedback/index.ts';
import type { ModelGateway } from '../gateway/index.ts';
import type { Authenticator, IdentityService } from '../identity/index.ts';
import type { ApprovalService, RunService } from '../orchestrator/index.ts';
import type {
  AgentService,
  ApplyService,
  ModelAliasService,
  ModelBackendService,
  PolicyService,
} from '../registry/index.ts';
import type { SandboxManager } from '../sandbox/index.ts';
import type { SecretService } from '../secrets/index.ts';
import { toHonoPath } from './bind-route.ts';
import type { AppEnv } from './context.ts';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem.ts';
import { agentRoutes } from './routes/agents.ts';
import { applyRoutes } from './routes/apply.ts';
import { approvalRoutes } from './routes/approvals.ts';
import { auditAdminChanges, auditRoutes } from './routes/audit.ts';
import { feedbackRoutes } from './routes/feedback.ts';
import { type GuardAccess, guardRoutes } from './routes/guard.ts';
import { identityRoutes } from './routes/identity.ts';
import { type KnowledgeAccess, knowledgeRoutes } from './routes/knowledge.ts';
import { type McpGateway, mcpRoutes } from './routes/mcp.ts';
import { metaRoutes } from './routes/meta.ts';
import { type MetricsExposition, metricsRoutes } from './routes/metrics.ts';
import { modelAliasRoutes } from './routes/model-aliases.ts';
import { modelBackendRoutes } from './routes/model-backends.ts';
import { openAIErrorResponse, openAIGatewayRoutes } from './routes/openai-gateway.ts';
import { type LivePolicies, policyRoutes } from './routes/policies.ts';
import { runRoutes } from './routes/runs.ts';
import { sandboxRoutes } from './routes/sandboxes.ts';
import { secretRoutes } from './routes/secrets.ts';
import { type ToolAccess, toolRoutes } from './routes/tools.ts';
import { type TriggerAccess, triggerRoutes } from './routes/triggers.ts';
import { type TelemetryAccess, usageRoutes } from './routes/usage.ts';

export interface ApiDeps {
  authenticator: Authenticator;
  agents: AgentService;
  modelBackends: ModelBackendService;
  modelAliases: ModelAliasService;
  apply: ApplyService;
  identity: IdentityService;
  runs: RunService;
  approvals: ApprovalService;
  policies: PolicyService;
  livePolicies: LivePolicies;
  guards: GuardAccess;
  audit: AuditLog;
  secrets: SecretService;
  sandboxes: SandboxManager;
  tools: ToolAccess;
  /** `/mcp`: the tenant's tools as one MCP server (Streamable HTTP). */
  mcp: McpGateway;
  /** The OpenAI-compatible model gateway served under /v1. */
  gateway: ModelGateway;
  readiness: (signal: AbortSignal) => Promise<Readiness>;
  logger: Logger;
  ids: IdGenerator;
  bodyLimitBytes: number;
  /** The limit of document uploads (`knowledgeUploadLimitBytes`); the general one when absent. */
  uploadLimitBytes?: number;
  version: string;
  /** `GET /metrics` (Prometheus text); absent, the route is not served. */
  metrics?: MetricsExposition;
  /** Loopback clients may scrape /metrics without a key (default true). */
  metricsLoopback?: boolean;
  /** Run traces from the trace store and usage reports. */
  telemetry: TelemetryAccess;
  knowledge: KnowledgeAccess;
  /** Triggers (CRUD) and the webhook deliveries that fire them. */
  triggers: TriggerAccess;
  /** Feedback on runs and the preference datasets made from it. */
  feedback: FeedbackService;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const UPLOAD_PATH = /^\/api\/v1\/knowledge-bases\/[^/]+\/documents$/;

/** Path patterns of every route, to tell 405 (known path, other method) from 404. */
function routeMatchers(): Array<{ method: string; regex: RegExp }> {
  return Object.values(routes).map((route) => {
    const source = route.path
      .split('/')
      .map((segment) => segment.replace(/\{\w+\}/g, '[^/]+').replace(/[.]/g, '\\.'))
      .join('/');
    return { method: route.method.toUpperCase(), regex: new RegExp(`^${source}$`) };
  });
}

/** The HTTP API: every route of contracts' route table, problem+json errors, request ids, body limits. */
export function createApp(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const matchers = routeMatchers();

  // A client's W3C traceparent: what the request starts (a run, a tool or model call) joins its
  // trace, and its log lines carry the trace id.
  app.use('*', (c, next) => {
    const parent = contextFromTraceparent(c.req.header('traceparent'));
    return parent ? otel.with(parent, next) : next();
  });

  app.use('*', async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : deps.ids.next();
    c.set('requestId', requestId);
    c.set('caller', undefined);
    c.set('logger', deps.logger.child({ requestId }));
    const started = performance.now();
    try {
      await next();
    } finally {
      c.header('x-request-id', requestId);
      const route = routePath(c, -1);
      deps.telemetry.observeRequest(
        c.req.method,
        route === '*' || route === '/*' ? 'unmatched' : route,
        c.res.status,
        (performance.now() - started) / 1000,
      );
      const caller = c.get('caller');
      c.get('logger').info(
        {
          method: c.req.method,
          path: c.req.path,
          status: c.res.status,
          durationMs: Math.round((performance.now() - started) * 100) / 100,
          ...(caller ? { tenant: caller.tenantName, principal: caller.principalName } : {}),
        },
        'request',
      );
    }
  });

  // Document uploads get their own, larger limit; everything else the general one.
  const uploadLimit = deps.uploadLimitBytes ?? deps.bodyLimitBytes;
  const limit = (maxSize: number, what: string): MiddlewareHandler<AppEnv> => {
    const tooLarge = () => {
      throw new AppError('PAYLOAD_TOO_LARGE', `${what} is over the limit of ${maxSize} bytes`);
    };
    const streamed = bodyLimit({ maxSize, onError: tooLarge });
    // Hono's middleware reads `c.req.raw.body`, which turns the Node.js adapter's lightweight
    // request into a full web Request (a stream and all) on every call, a GET included. A declared
    // length, or no body at all, needs no stream: only a chunked body is counted as it arrives.
    return (c, next) => {
      if (c.req.header('transfer-encoding') !== undefined) return streamed(c, next);
      const length = c.req.header('content-length');
      if (length !== undefined && Number.parseInt(length, 10) > maxSize) tooLarge();
      return next();
    };
  };
  const general = limit(deps.bodyLimitBytes, 'the request body');
  const upload = limit(uploadLimit, 'the upload');
  app.use('*', (c, next) => (UPLOAD_PATH.test(c.req.path) ? upload(c, next) : general(c, next)));

  // Before the routes it wraps: it runs after their handlers.
  auditAdminChanges(app, deps.audit);
  metaRoutes(app, deps.authenticator, deps.readiness, deps.version);
  identityRoutes(app, deps.authenticator, deps.identity);
  agentRoutes(app, deps.authenticator, deps.agents);
  modelBackendRoutes(app, deps.authenticator, deps.modelBackends);
  modelAliasRoutes(app, deps.authenticator, deps.modelAliases);
  applyRoutes(app, deps.authenticator, deps.apply);
  runRoutes(app, deps.authenticator, deps.runs, deps.telemetry);
  usageRoutes(app, deps.authenticator, deps.identity, deps.telemetry);
  approvalRoutes(app, deps.authenticator, deps.approvals);
  policyRoutes(app, deps.authenticator, deps.policies, deps.livePolicies);
  guardRoutes(app, deps.authenticator, deps.guards);
  auditRoutes(app, deps.authenticator, deps.audit);
  secretRoutes(app, deps.authenticator, deps.secrets);
  sandboxRoutes(app, deps.authenticator, deps.sandboxes);
  toolRoutes(app, deps.authenticator, deps.tools);
  knowledgeRoutes(app, deps.authenticator, deps.knowledge);
  triggerRoutes(app, deps.authenticator, deps.triggers);
  feedbackRoutes(app, deps.authenticator, deps.feedback);
  mcpRoutes(app, deps.authenticator, deps.mcp);
  openAIGatewayRoutes(app, deps.authenticator, deps.gateway);
  if (deps.metrics) metricsRoutes(app, deps.authenticator, deps.metrics, deps.metricsLoopback ?? true);

  app.notFound((c) => {
    const path = c.req.path;
    const allowed = matchers.filter((m) => m.regex.test(path)).map((m) => m.method);
    const error =
      allowed.length > 0
        ? new AppError(
            'METHOD_NOT_ALLOWED',
            `${c.req.method} is not allowed on ${path}; use ${[...new Set(allowed)].join(', ')}`,
          )
        : new AppError('ROUTE_NOT_FOUND', `no route ${c.req.method} ${path}; see /api/v1/openapi.json`);
    const problem = toProblem(error, path, c.get('requestId'));
    if (allowed.length > 0) c.header('allow', [...new Set(allowed)].join(', '));
    return c.body(JSON.stringify(problem), problem.status as 404, { 'content-type': PROBLEM_CONTENT_TYPE });
  });

  app.onError((error, c) => {
    // OpenAI clients read OpenAI error objects (a body over the limit is refused before any handler).
    if (c.req.path.startsWith('/v1/') && c.get('requestId')) return openAIErrorResponse(c, error);
    const requestId = c.get('requestId') ?? deps.ids.next();
    const problem = toProblem(error, c.req.path, requestId);
    const logger = c.get('logger') ?? deps.logger;
    if (problem.status >= 500) logger.error({ err: error, requestId }, 'request failed');
    else logger.debug({ code: problem.code, requestId }, 'request rejected');
    return c.body(JSON.stringify(problem), problem.status as 400, {
      'content-type': PROBLEM_CONTENT_TYPE,
      'x-request-id': requestId,
      // The unread rest of an oversized body would poison a kept-alive connection: close it.
      ...(problem.code === 'PAYLOAD_TOO_LARGE' ? { connection: 'close' } : {}),
    });
  });

  return app;
}

export { toHonoPath };
