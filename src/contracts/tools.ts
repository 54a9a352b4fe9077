import { z } from 'zod';
import {
  API_VERSION,
  DurationSchema,
  durationToMs,
  LabelsSchema,
  ManifestMetaSchema,
  NameSchema,
  ObjectMetaSchema,
} from './common.ts';
import { SandboxToolConfigSchema } from './sandboxes.ts';
import { SecretRefSchema } from './secrets.ts';

/**
 * `kind: Tool` and `kind: ToolServer`: the tool gateway's registry (seed 002 Tool CRD, seed 000
 * ToolRegistry / MCPProtocol). A Tool is one callable thing an agent may use; a ToolServer is an
 * MCP server whose tools are discovered when it connects and registered as `SERVER__TOOL`.
 */

/** `api` is the seed's word for `http`, kept so its manifests apply as written. */
export const TOOL_TYPES = ['http', 'api', 'openapi', 'builtin', 'mcp', 'sandbox', 'agent'] as const;
export type ToolType = (typeof TOOL_TYPES)[number];

export const HTTP_TOOL_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export const AUTHENTICATION_TYPES = ['bearer', 'header', 'basic', 'oauth2-client-credentials'] as const;

/** MCP tool annotations: hints about what a call does, for the PDP and for people. */
export const ToolAnnotationsSchema = z
  .strictObject({
    title: z.string().max(256).optional(),
    readOnly: z.boolean().optional().describe('Changes nothing in the world'),
    destructive: z
      .boolean()
      .optional()
      .describe('May do what is hard to undo: a tainted run needs an approval before calling it'),
    idempotent: z
      .boolean()
      .optional()
      .describe('Calling again with the same arguments does nothing more (safe to retry after a crash)'),
    openWorld: z.boolean().optional().describe('Reaches outside the company (the internet, third parties)'),
  })
  .describe('MCP tool annotations (readOnlyHint, destructiveHint, idempotentHint, openWorldHint)');
export type ToolAnnotations = z.infer<typeof ToolAnnotationsSchema>;

const PARAMETER_TYPES = ['string', 'integer', 'number', 'boolean', 'object', 'array'] as const;

/** The seed's list form of parameters: one entry per argument. */
export const ToolParameterSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'a parameter name is an identifier'),
  type: z.enum(PARAMETER_TYPES),
  required: z.boolean().optional(),
  default: z.unknown().optional(),
  description: z.string().max(4096).optional(),
  enum: z.array(z.unknown()).min(1).max(1000).optional(),
});

/** A JSON Schema of an object (checked by the tool gateway's validator when written). */
export const JsonSchemaObjectSchema = z
  .record(z.string(), z.unknown())
  .refine((schema) => schema.type === 'object', {
    message: 'the schema of the arguments must have type: object',
  });

export const ToolParametersSchema = z
  .union([JsonSchemaObjectSchema, z.array(ToolParameterSchema).max(256)])
  .describe('JSON Schema of the arguments (type: object), or the list form: [{name, type, required, ...}]');

export const ToolAuthenticationSchema = z
  .strictObject({
    type: z.enum(AUTHENTICATION_TYPES),
    secretRef: SecretRefSchema.describe(
      'bearer: the token; header: the header value; basic: the password; oauth2: the client secret',
    ),
    header: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,128}$/, 'a header name is letters, digits and -')
      .optional()
      .describe('type header: the header to send the secret in (default X-Api-Key)'),
    username: z.string().min(1).max(256).optional().describe('type basic'),
    tokenUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('type oauth2-client-credentials: the token endpoint'),
    clientId: z.string().min(1).max(512).optional().describe('type oauth2-client-credentials'),
    scopes: z.array(z.string().min(1).max(256)).max(64).optional(),
  })
  .superRefine((auth, ctx) => {
    if (auth.type === 'basic' && !auth.username)
      ctx.addIssue({ code: 'custom', path: ['username'], message: 'basic authentication needs a username' });
    if (auth.type === 'oauth2-client-credentials') {
      if (!auth.tokenUrl)
        ctx.addIssue({ code: 'custom', path: ['tokenUrl'], message: 'oauth2 needs a tokenUrl' });
      if (!auth.clientId)
        ctx.addIssue({ code: 'custom', path: ['clientId'], message: 'oauth2 needs a clientId' });
    }
  })
  .describe('Credentials injected into each call from a secret; never in the manifest');
export type ToolAuthentication = z.infer<typeof ToolAuthenticationSchema>;

/** A string that may hold `{{args.NAME}}` placeholders (or `{{args.a.b}}` into objects). */
const TemplateSchema = z.string().max(65536);

export const HttpToolConfigSchema = z.strictObject({
  endpoint: z
    .string()
    .min(1)
    .max(4096)
    .describe('URL; the path and query may hold {{args.NAME}} placeholders (URL-encoded when filled)'),
  method: z.enum(HTTP_TOOL_METHODS).default('POST'),
  timeout: DurationSchema.optional().describe('Whole call, connect to last byte (default 30s)'),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,128}$/), TemplateSchema).optional(),
  query: z.record(z.string().min(1).max(256), TemplateSchema).optional(),
  body: z
    .unknown()
    .optional()
    .describe(
      'JSON body with {{args.NAME}} placeholders in its strings; default: the arguments (not for GET/DELETE)',
    ),
  response: z
    .strictObject({
      pointer: z
        .string()
        .regex(/^(\/([^~/]|~[01])*)*$/, 'a JSON pointer like /data/items')
        .optional()
        .describe('The part of a JSON answer the model sees (RFC 6901)'),
    })
    .optional(),
  internal: z
    .boolean()
    .optional()
    .describe('May call private and loopback addresses (refused by default: SSRF guard)'),
  maxRedirects: z.number().int().min(0).max(10).optional().describe('Redirects followed (default 3)'),
  maxResultBytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .optional()
    .describe('Larger answers are cut with a marker (default 1 MiB)'),
});
export type HttpToolConfig = z.infer<typeof HttpToolConfigSchema>;

export const BuiltinToolConfigSchema = z
  .object({ builtin: z.string().min(1).max(128).describe('The built-in tool: echo, sleep, http_request') })
  .catchall(z.unknown())
  .describe('The built-in tool and its own config');

export const OpenApiToolConfigSchema = z
  .strictObject({
    document: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('The OpenAPI 3.x document itself (JSON or YAML as a mapping)'),
    documentUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('Where to fetch the document from'),
    server: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe("Base URL the operations are called on (default: the document's first server)"),
    tags: z.array(z.string().min(1)).max(100).optional().describe('Only operations with one of these tags'),
    operations: z.array(z.string().min(1)).max(1000).optional().describe('Only these operationIds'),
    timeout: DurationSchema.optional(),
    internal: z.boolean().optional().describe('May call private and loopback addresses'),
    maxResultBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .optional(),
  })
  .refine((config) => (config.document === undefined) !== (config.documentUrl === undefined), {
    message: 'give the document or its documentUrl (one of them)',
  });
export type OpenApiToolConfig = z.infer<typeof OpenApiToolConfigSchema>;

export const McpToolConfigSchema = z.strictObject({
  server: NameSchema.describe('A ToolServer of the tenant'),
  tool: z.string().min(1).max(256).describe("The tool's name on that server"),
});

export const AgentToolConfigSchema = z.strictObject({
  agent: NameSchema.describe('The agent a call runs (a child run of the calling run, in the same trace)'),
  version: z.number().int().min(1).optional().describe('A version of the agent; default: its published one'),
  timeout: DurationSchema.default('5m').describe(
    'How long a call waits for the child run to end; past it the child run is cancelled and the call fails',
  ),
  maxDepth: z
    .number()
    .int()
    .min(1)
    .max(10)
    .default(3)
    .describe('How deep agents may call agents through this tool (a loop of agents stops here)'),
});
export type AgentToolConfig = z.infer<typeof AgentToolConfigSchema>;

export const ToolSpecSchema = z
  .strictObject({
    type: z
      .enum(TOOL_TYPES)
      .describe(
        'http (api): an HTTP endpoint; openapi: one tool per operation of an OpenAPI document; builtin; mcp: one tool of a ToolServer; sandbox: a script run in a sandbox; agent: another agent, run as a child run',
      ),
    description: z.string().min(1).max(8192).optional().describe('What the model is told the tool does'),
    version: z.string().min(1).max(64).optional(),
    parameters: ToolParametersSchema.optional(),
    config: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('Per type: see HttpToolConfig, builtin, mcp'),
    authentication: ToolAuthenticationSchema.optional(),
    annotations: ToolAnnotationsSchema.optional(),
  })
  .superRefine((spec, ctx) => {
    const type = spec.type === 'api' ? 'http' : spec.type;
    const schema =
      type === 'http'
        ? HttpToolConfigSchema
        : type === 'openapi'
          ? OpenApiToolConfigSchema
          : type === 'builtin'
            ? BuiltinToolConfigSchema
            : type === 'sandbox'
              ? SandboxToolConfigSchema
              : type === 'agent'
                ? AgentToolConfigSchema
                : McpToolConfigSchema;
    const parsed = schema.safeParse(spec.config ?? {});
    if (!parsed.success)
      for (const issue of parsed.error.issues)
        ctx.addIssue({ code: 'custom', path: ['config', ...issue.path], message: issue.message });
    if (type !== 'http' && type !== 'openapi' && spec.authentication)
      ctx.addIssue({
        code: 'custom',
        path: ['authentication'],
        message: `type ${spec.type} takes no authentication`,
      });
    if (type === 'http' && !spec.description)
      ctx.addIssue({ code: 'custom', path: ['description'], message: 'an http tool needs a description' });
  })
  .describe('A tool agents may call');
export type ToolSpec = z.infer<typeof ToolSpecSchema>;

export const ToolManifestSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Tool'),
  metadata: ManifestMetaSchema,
  spec: ToolSpecSchema,
});
export type ToolManifest = z.infer<typeof ToolManifestSchema>;

export const ToolWriteSchema = ToolManifestSchema.extend({
  apiVersion: z.literal(API_VERSION).optional(),
  kind: z.literal('Tool').optional(),
});
export type ToolWrite = z.infer<typeof ToolWriteSchema>;

export const ToolSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Tool'),
  metadata: ObjectMetaSchema,
  spec: ToolSpecSchema,
});
export type Tool = z.infer<typeof ToolSchema>;

// ---------------------------------------------------------------------------------------------
// The catalog and calls

export const TOOL_SOURCES = ['builtin', 'manifest', 'server'] as const;

/** A tool as discovery shows it, whatever it came from. */
export const ToolInfoSchema = z.strictObject({
  name: z.string(),
  type: z.enum(['http', 'openapi', 'builtin', 'mcp', 'sandbox', 'agent']),
  source: z
    .enum(TOOL_SOURCES)
    .describe('builtin; manifest (kind: Tool); server (discovered on a ToolServer)'),
  description: z.string(),
  parameters: z.record(z.string(), z.unknown()).describe('JSON Schema of the arguments'),
  annotations: ToolAnnotationsSchema,
  labels: LabelsSchema,
  version: z.string().nullable(),
  server: z.string().nullable().describe('The ToolServer it lives on'),
});
export type ToolInfo = z.infer<typeof ToolInfoSchema>;

export const ToolContentSchema = z
  .object({ type: z.string() })
  .catchall(z.unknown())
  .describe('MCP content: {type: text, text}, {type: image, data, mimeType}, ...');

export const ToolInvokeRequestSchema = z.strictObject({
  arguments: z.record(z.string(), z.unknown()).default({}),
  waitForApproval: DurationSchema.refine((value) => durationToMs(value) <= 600_000, {
    message: 'waitForApproval is at most 10m',
  })
    .optional()
    .describe(
      'A call behind an approval gate waits this long (at most 10m) for a person; without it, it answers APPROVAL_REQUIRED at once',
    ),
});

export const ToolInvokeResultSchema = z.strictObject({
  content: z.array(ToolContentSchema),
  isError: z.boolean(),
  structuredContent: z.unknown().optional(),
  auditId: z.string().nullable().describe('The tool_call audit record of this call'),
  truncated: z.boolean().describe('The result was larger than the cap and was cut'),
});
export type ToolInvokeResult = z.infer<typeof ToolInvokeResultSchema>;
