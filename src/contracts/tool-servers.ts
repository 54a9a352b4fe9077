import { z } from 'zod';
import { API_VERSION, DurationSchema, ManifestMetaSchema, ObjectMetaSchema } from './common.ts';
import { SecretRefSchema } from './secrets.ts';
import { ToolAnnotationsSchema } from './tools.ts';

/** `kind: ToolServer`: an MCP server the tool gateway connects to, and its tools. */

export const TOOL_SERVER_TRANSPORTS = ['stdio', 'streamable-http'] as const;

/** A value given inline or read from a secret at connect time. */
export const ValueOrSecretSchema = z.union([
  z.string().max(65536),
  z.strictObject({ secretRef: SecretRefSchema }),
]);

export const ToolServerSpecSchema = z
  .strictObject({
    transport: z.enum(TOOL_SERVER_TRANSPORTS),
    command: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .describe('stdio: the program (must be allowed by the operator)'),
    args: z.array(z.string().max(4096)).max(256).optional(),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), ValueOrSecretSchema).optional(),
    url: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('streamable-http: the MCP endpoint'),
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,128}$/), ValueOrSecretSchema).optional(),
    timeout: DurationSchema.optional().describe('Per call (default 60s)'),
    internal: z.boolean().optional().describe('streamable-http: may be a private or loopback address'),
    secrets: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/),
        z.strictObject({ secretRef: SecretRefSchema }),
      )
      .optional()
      .describe(
        'Credentials sent with every call, in the request\'s _meta["agenticai.dev/secrets"] (the tool SDK reads them with ctx.secrets.get(NAME))',
      ),
    tools: z
      .array(z.string().min(1).max(256))
      .max(1000)
      .optional()
      .describe('Only these of its tools are registered (default: all)'),
    annotations: z
      .record(z.string(), ToolAnnotationsSchema)
      .optional()
      .describe('Per tool: annotations that override what the server says (e.g. mark a tool destructive)'),
  })
  .superRefine((spec, ctx) => {
    if (spec.transport === 'stdio' && !spec.command)
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'a stdio server needs a command' });
    if (spec.transport === 'streamable-http' && !spec.url)
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'a streamable-http server needs a url' });
    if (spec.transport === 'stdio' && (spec.url || spec.headers))
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'url and headers are for streamable-http' });
    if (spec.transport === 'streamable-http' && (spec.command || spec.args || spec.env))
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'command, args and env are for stdio' });
  })
  .describe('An MCP server whose tools are registered as SERVER__TOOL');
export type ToolServerSpec = z.infer<typeof ToolServerSpecSchema>;

export const TOOL_SERVER_STATES = ['connecting', 'connected', 'failed', 'refused'] as const;

export const ToolServerStatusSchema = z.strictObject({
  state: z.enum(TOOL_SERVER_STATES).describe("This replica's connection to the server"),
  tools: z.array(z.string()).describe('Registered tool names (SERVER__TOOL)'),
  protocolVersion: z.string().nullable(),
  serverInfo: z.strictObject({ name: z.string(), version: z.string() }).nullable(),
  lastError: z.string().nullable(),
  connectedAt: z.string().nullable(),
});
export type ToolServerStatus = z.infer<typeof ToolServerStatusSchema>;

export const ToolServerManifestSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('ToolServer'),
  metadata: ManifestMetaSchema,
  spec: ToolServerSpecSchema,
});
export type ToolServerManifest = z.infer<typeof ToolServerManifestSchema>;

export const ToolServerWriteSchema = ToolServerManifestSchema.extend({
  apiVersion: z.literal(API_VERSION).optional(),
  kind: z.literal('ToolServer').optional(),
});
export type ToolServerWrite = z.infer<typeof ToolServerWriteSchema>;

export const ToolServerSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('ToolServer'),
  metadata: ObjectMetaSchema,
  spec: ToolServerSpecSchema,
  status: ToolServerStatusSchema,
});
export type ToolServer = z.infer<typeof ToolServerSchema>;
