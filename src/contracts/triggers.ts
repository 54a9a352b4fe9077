import { z } from 'zod';
import { API_VERSION, ManifestMetaSchema, NameSchema, ObjectMetaSchema, TimestampSchema } from './common.ts';
import { RUN_STATUSES } from './runs.ts';
import { SecretRefSchema } from './secrets.ts';

/**
 * `kind: Trigger`: what starts runs of an agent without a person calling the API: a **webhook**
 * (`POST /api/v1/hooks/{name}`, signed with HMAC or carrying a token) or a **schedule** (cron).
 * Keys are camelCase like the Agent spec's.
 */

export const TRIGGER_TYPES = ['webhook', 'schedule'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

export const HOOK_AUTH_TYPES = ['hmac', 'token'] as const;
export type HookAuthType = (typeof HOOK_AUTH_TYPES)[number];

/** Where a webhook's HMAC signature travels unless `auth.header` says otherwise (GitHub's name). */
export const DEFAULT_SIGNATURE_HEADER = 'X-Signature-256';
/** Where a webhook's token travels unless `auth.header` says otherwise, as `Bearer <token>`. */
export const DEFAULT_TOKEN_HEADER = 'Authorization';

const HeaderNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,127}$/, 'a header name is letters, digits and "-"');

export const HookAuthSchema = z
  .discriminatedUnion('type', [
    z
      .strictObject({
        type: z.literal('hmac'),
        secretRef: SecretRefSchema.describe('The shared key of the signature'),
        header: HeaderNameSchema.default(DEFAULT_SIGNATURE_HEADER).describe(
          'Header carrying `sha256=<hex>` (bare hex is accepted too)',
        ),
        algorithm: z.enum(['sha256']).default('sha256'),
      })
      .describe('HMAC-SHA256 of the raw request body, as GitHub signs its webhooks'),
    z
      .strictObject({
        type: z.literal('token'),
        secretRef: SecretRefSchema.describe('The token callers must present'),
        header: HeaderNameSchema.default(DEFAULT_TOKEN_HEADER).describe(
          'Header carrying the token: `Bearer <token>` in Authorization, the bare token in any other',
        ),
      })
      .describe('A shared token in a header'),
  ])
  .describe('How a caller of the hook proves it may start runs; the secret lives in the secret store');
export type HookAuth = z.infer<typeof HookAuthSchema>;

/** A template string: `${payload.alert.src_ip}`, `${headers['x-request-id']}`, or text around them. */
const TemplateSchema = z.string().min(1).max(4096);

export const TriggerInputSchema = z
  .union([z.string().max(100_000), z.record(z.string(), z.unknown())])
  .describe(
    'The run input: a user message or a JSON object. In webhooks, strings may hold `${payload.…}` and ' +
      "`${headers['…']}` references; a string that is one reference keeps the referenced value's type",
  );
export type TriggerInput = z.infer<typeof TriggerInputSchema>;

const common = {
  agent: NameSchema.describe('The agent whose runs the trigger starts'),
  version: z.number().int().min(1).optional().describe('Agent version; default the active (published) one'),
  enabled: z.boolean().default(true).describe('A disabled trigger starts nothing'),
  runAs: NameSchema.optional().describe(
    "A principal (a service account) the trigger's runs act as: its roles, groups and clearance govern their model and tool calls and the knowledge they read. Default trigger:NAME, a principal with no roles, groups or clearance",
  ),
  description: z.string().max(2000).optional(),
};

export const WebhookTriggerSpecSchema = z
  .strictObject({
    ...common,
    type: z.literal('webhook'),
    auth: HookAuthSchema,
    input: TriggerInputSchema.optional().describe(
      'Mapping of the payload to the run input; without it the whole payload (a JSON object) is the input',
    ),
    idempotency: z
      .strictObject({
        from: TemplateSchema.describe(
          'e.g. `${payload.alert_id}`: deliveries with the same value start one run',
        ),
      })
      .optional()
      .describe('Without it, every delivery starts a run'),
  })
  .describe('Starts a run per delivery to POST /api/v1/hooks/{name}');

export const ScheduleSchema = z.strictObject({
  cron: z
    .string()
    .min(1)
    .max(256)
    .describe('Cron expression: 5 fields (minute first), or 6 with seconds first; e.g. `*/5 * * * *`'),
  timezone: z.string().min(1).max(64).default('UTC').describe('IANA time zone the expression is read in'),
});

export const ScheduleTriggerSpecSchema = z
  .strictObject({
    ...common,
    type: z.literal('schedule'),
    schedule: ScheduleSchema,
    input: TriggerInputSchema.optional().describe('The run input of every fire (static); default {}'),
  })
  .describe('Starts a run on every tick; ticks missed while no worker ran fire once, not once each');

export const TriggerSpecSchema = z
  .discriminatedUnion('type', [WebhookTriggerSpecSchema, ScheduleTriggerSpecSchema])
  .describe('What starts runs of an agent: a signed webhook or a cron schedule');
export type TriggerSpec = z.infer<typeof TriggerSpecSchema>;
export type WebhookTriggerSpec = z.infer<typeof WebhookTriggerSpecSchema>;
export type ScheduleTriggerSpec = z.infer<typeof ScheduleTriggerSpecSchema>;

export const TriggerManifestSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Trigger'),
  metadata: ManifestMetaSchema,
  spec: TriggerSpecSchema,
});
export type TriggerManifest = z.infer<typeof TriggerManifestSchema>;

/** The body of `POST /api/v1/triggers` and `PUT …/{name}`: a manifest whose apiVersion and kind may be left out. */
export const TriggerWriteSchema = TriggerManifestSchema.extend({
  apiVersion: z.literal(API_VERSION).optional(),
  kind: z.literal('Trigger').optional(),
});
export type TriggerWrite = z.infer<typeof TriggerWriteSchema>;

export const TriggerStatusSchema = z.strictObject({
  hookPath: z.string().nullable().describe('Where a webhook trigger receives deliveries; null for schedules'),
  nextFireAt: TimestampSchema.nullable().describe(
    'When a schedule fires next; null for webhooks and disabled triggers',
  ),
  lastFiredAt: TimestampSchema.nullable(),
  lastRunId: z.string().nullable().describe('The run the last fire started (or found, for a duplicate)'),
  lastError: z.string().nullable().describe('Why the last fire started no run; null when it did'),
  fires: z.number().int().describe('Fires so far (deliveries that passed authentication, schedule ticks)'),
});
export type TriggerStatus = z.infer<typeof TriggerStatusSchema>;

export const TriggerSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Trigger'),
  metadata: ObjectMetaSchema,
  spec: TriggerSpecSchema,
  status: TriggerStatusSchema.optional().describe('Where it fires and what it did last (on reads)'),
});
export type Trigger = z.infer<typeof TriggerSchema>;

/** A delivery to a hook: any JSON document (e.g. a SIEM alert). It is signed byte for byte as sent. */
export const HookPayloadSchema = z
  .unknown()
  .describe('Any JSON document; the signature covers the raw bytes of the body');

export const HookResultSchema = z.strictObject({
  trigger: NameSchema,
  run_id: z.string(),
  status: z.enum(RUN_STATUSES).describe('The run status now'),
  duplicate: z
    .boolean()
    .describe('True when the idempotency value was seen before: the run it started, no new one'),
});
export type HookResult = z.infer<typeof HookResultSchema>;
