import { z } from 'zod';
import { LabelSelectorQuery } from './agent-routes.ts';
import { NameSchema, PageQuerySchema, pageSchema } from './common.ts';
import { defineRoute } from './route.ts';
import { HookPayloadSchema, HookResultSchema, TriggerSchema, TriggerWriteSchema } from './triggers.ts';

const NameParams = z.object({ name: NameSchema });
const TenantHookParams = z.object({
  tenant: NameSchema.describe('The tenant the trigger belongs to'),
  name: NameSchema.describe('The trigger'),
});

const CHECKED =
  'The agent must exist; a cron expression must parse (a 400 points at `/spec/schedule/cron`), and ' +
  'every `${…}` reference in `input` and `idempotency.from` must be well formed.';

const HOOK =
  'Authenticated by the trigger, not by an API key: an HMAC-SHA256 signature of the raw body ' +
  '(`X-Signature-256: sha256=<hex>` unless `auth.header` names another header) or a token ' +
  '(`Authorization: Bearer <token>`), compared in constant time; a missing or wrong one is a 401 and ' +
  'starts nothing. The body must be JSON (400 otherwise); its `idempotency.from` value must be present ' +
  '(400 naming it). The first delivery of an idempotency value answers 202 with the new run; a ' +
  'repeat answers 200 with the run the first one started and `duplicate: true`, even when the rest ' +
  'of the payload differs (a re-sent alert with a new timestamp). An unknown hook is a 404, a ' +
  'disabled trigger a 409. The body limit is `bodyLimitBytes`.';

export const triggerRoutes = {
  listTriggers: defineRoute({
    operationId: 'listTriggers',
    method: 'get',
    path: '/api/v1/triggers',
    tag: 'triggers',
    summary: 'List triggers with where they fire and what they did last',
    permission: 'triggers:read',
    query: PageQuerySchema.extend(LabelSelectorQuery.shape),
    success: { status: 200, description: 'A page of triggers', schema: pageSchema(TriggerSchema) },
  }),
  createTrigger: defineRoute({
    operationId: 'createTrigger',
    method: 'post',
    path: '/api/v1/triggers',
    tag: 'triggers',
    summary: 'Create a trigger (kind: Trigger): a webhook or a cron schedule that starts runs',
    description: CHECKED,
    permission: 'triggers:write',
    body: TriggerWriteSchema,
    etag: true,
    success: { status: 201, description: 'Created', schema: TriggerSchema },
  }),
  getTrigger: defineRoute({
    operationId: 'getTrigger',
    method: 'get',
    path: '/api/v1/triggers/{name}',
    tag: 'triggers',
    summary: 'Get a trigger with its hook path or next fire, and its last fire',
    permission: 'triggers:read',
    params: NameParams,
    etag: true,
    success: { status: 200, description: 'The trigger', schema: TriggerSchema },
  }),
  replaceTrigger: defineRoute({
    operationId: 'replaceTrigger',
    method: 'put',
    path: '/api/v1/triggers/{name}',
    tag: 'triggers',
    summary: 'Replace a trigger',
    description: `${CHECKED} A changed schedule (or enabling it) counts its next fire from now.`,
    permission: 'triggers:write',
    params: NameParams,
    body: TriggerWriteSchema,
    etag: true,
    success: { status: 200, description: 'Updated', schema: TriggerSchema },
  }),
  deleteTrigger: defineRoute({
    operationId: 'deleteTrigger',
    method: 'delete',
    path: '/api/v1/triggers/{name}',
    tag: 'triggers',
    summary: 'Delete a trigger; runs it started stay',
    permission: 'triggers:write',
    params: NameParams,
    etag: true,
    success: { status: 204, description: 'Deleted' },
  }),
  receiveHook: defineRoute({
    operationId: 'receiveHook',
    method: 'post',
    path: '/api/v1/hooks/{name}',
    tag: 'triggers',
    summary: 'Deliver an event to a webhook trigger of the platform tenant (`default`): starts a run',
    description: HOOK,
    permission: 'public',
    params: NameParams,
    body: HookPayloadSchema,
    success: {
      status: 202,
      description: 'A run started (200 with duplicate: true for a repeat)',
      schema: HookResultSchema,
    },
  }),
  receiveTenantHook: defineRoute({
    operationId: 'receiveTenantHook',
    method: 'post',
    path: '/api/v1/tenants/{tenant}/hooks/{name}',
    tag: 'triggers',
    summary: 'Deliver an event to a webhook trigger of a tenant: starts a run',
    description: `${HOOK} An unknown tenant is a 404 like an unknown hook.`,
    permission: 'public',
    params: TenantHookParams,
    body: HookPayloadSchema,
    success: {
      status: 202,
      description: 'A run started (200 with duplicate: true for a repeat)',
      schema: HookResultSchema,
    },
  }),
} as const;
