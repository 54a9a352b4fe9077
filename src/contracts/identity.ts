import { z } from 'zod';
import { NameSchema, TimestampSchema } from './common.ts';
import { SensitivityLevelSchema } from './knowledge.ts';

export const ROLES = ['admin', 'operator', 'developer', 'approver', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const PRINCIPAL_KINDS = ['user', 'service_account'] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

/** Every permission a route can demand. Which role holds which lives in the server's identity table. */
export const PERMISSIONS = [
  'agents:read',
  'agents:write',
  'model-backends:read',
  'model-backends:write',
  'principals:read',
  'principals:write',
  'api-keys:read',
  'api-keys:write',
  'tenants:read',
  'tenants:write',
  'metrics:read',
  'runs:read',
  'runs:create',
  'models:invoke',
  'runs:resolve',
  'audit:read',
  'policies:write',
  'tools:read',
  'tools:write',
  'tools:invoke',
  'secrets:read',
  'secrets:write',
  'secrets:rotate',
  'sandboxes:use',
  'usage:read',
  'knowledge:read',
  'knowledge:write',
  'triggers:read',
  'triggers:write',
  'feedback:write',
  'datasets:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** The tenant the first start creates; its admins administer the whole platform. */
export const PLATFORM_TENANT = 'default';

export const TenantSchema = z.strictObject({
  id: z.string(),
  name: NameSchema,
  displayName: z.string(),
  createdAt: TimestampSchema,
});
export type Tenant = z.infer<typeof TenantSchema>;

export const TenantCreateSchema = z.strictObject({
  name: NameSchema,
  displayName: z.string().min(1).max(256).optional(),
});

export const GroupsSchema = z
  .array(
    z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'a group name is lowercase letters, digits, ., _ or -'),
  )
  .max(100);

export const RolesSchema = z
  .array(z.enum(ROLES))
  .min(1, 'a principal needs at least one role')
  .max(ROLES.length);

export const PrincipalSchema = z.strictObject({
  id: z.string(),
  tenant: NameSchema,
  name: NameSchema,
  kind: z.enum(PRINCIPAL_KINDS),
  roles: z.array(z.enum(ROLES)),
  groups: z
    .array(z.string())
    .describe('Groups the principal belongs to (approval gates name them as group:NAME)'),
  clearance: z
    .number()
    .int()
    .describe('Highest sensitivity level of knowledge it may read: 1 public, 2 internal, 3 confidential'),
  disabled: z.boolean(),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
});
export type Principal = z.infer<typeof PrincipalSchema>;

export const PrincipalCreateSchema = z.strictObject({
  name: NameSchema,
  kind: z.enum(PRINCIPAL_KINDS).default('user'),
  roles: RolesSchema,
  groups: GroupsSchema.optional(),
  clearance: SensitivityLevelSchema.optional().describe('1 public, 2 internal (the default), 3 confidential'),
});

export const PrincipalUpdateSchema = z.strictObject({
  roles: RolesSchema.optional(),
  groups: GroupsSchema.optional().describe('Replaces the groups'),
  clearance: SensitivityLevelSchema.optional(),
  disabled: z.boolean().optional(),
});

/** The caller, as `GET /api/v1/whoami` reports it. */
export const WhoAmISchema = z.strictObject({
  principal: z.string(),
  principalId: z.string(),
  tenant: NameSchema,
  roles: z.array(z.enum(ROLES)),
  groups: z.array(z.string()),
  clearance: z.number().int(),
  permissions: z.array(z.enum(PERMISSIONS)),
  authMethod: z.enum(['api_key', 'jwt']),
});
export type WhoAmI = z.infer<typeof WhoAmISchema>;

export const ApiKeySchema = z.strictObject({
  id: z.string(),
  tenant: NameSchema,
  principal: NameSchema,
  name: z.string(),
  prefix: z.string().describe('The first characters of the key, to recognise it; the rest is never stored'),
  createdAt: TimestampSchema,
  expiresAt: TimestampSchema.nullable(),
  lastUsedAt: TimestampSchema.nullable(),
  revokedAt: TimestampSchema.nullable(),
});
export type ApiKey = z.infer<typeof ApiKeySchema>;

export const ApiKeyCreateSchema = z.strictObject({
  principal: NameSchema.describe('Name of the principal the key acts as'),
  name: z.string().min(1).max(128).optional(),
  expiresAt: TimestampSchema.optional().describe('Default: never'),
});

export const ApiKeyCreatedSchema = ApiKeySchema.extend({
  key: z.string().describe('The secret key. Shown only in this response; store it now'),
});
export type ApiKeyCreated = z.infer<typeof ApiKeyCreatedSchema>;

export const TenantQuerySchema = z.object({
  tenant: NameSchema.optional().describe('Act in another tenant (platform admins only)'),
});
