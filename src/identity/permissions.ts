import { type Permission, PLATFORM_TENANT, type Role } from '../contracts/index.ts';

const READ: Permission[] = [
  'agents:read',
  'model-backends:read',
  'runs:read',
  'tools:read',
  'knowledge:read',
  'triggers:read',
  // Anyone who may read a run may say whether its answer was good.
  'feedback:write',
];
const RUN: Permission[] = ['runs:create', 'models:invoke', 'tools:invoke'];

/**
 * Which role holds which permission, within its own tenant. The one place this is decided;
 * a test pins it.
 */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  viewer: READ,
  approver: [...READ, 'runs:resolve'],
  developer: [
    ...READ,
    ...RUN,
    'agents:write',
    'tools:write',
    'knowledge:write',
    'triggers:write',
    'secrets:read',
    'sandboxes:use',
  ],
  operator: [
    ...READ,
    ...RUN,
    'runs:resolve',
    'agents:write',
    'model-backends:write',
    'tools:write',
    'secrets:read',
    'secrets:write',
    'metrics:read',
    'audit:read',
    'sandboxes:use',
    'usage:read',
    'knowledge:write',
    'triggers:write',
    'datasets:read',
  ],
  admin: [
    ...READ,
    ...RUN,
    'runs:resolve',
    'agents:write',
    'model-backends:write',
    'principals:read',
    'principals:write',
    'api-keys:read',
    'api-keys:write',
    'tenants:read',
    'tools:write',
    'secrets:read',
    'secrets:write',
    'metrics:read',
    'audit:read',
    'policies:write',
    'sandboxes:use',
    'usage:read',
    'knowledge:write',
    'triggers:write',
    'datasets:read',
  ],
};

/** Held only by admins of the platform tenant: they create and delete tenants and rotate the secret key. */
export const PLATFORM_PERMISSIONS: readonly Permission[] = ['tenants:write', 'secrets:rotate'];

/** Clearance of a principal created without one, and of a token without the claim: internal. */
export const DEFAULT_CLEARANCE = 2;

/** The caller of a request, after authentication. */
export interface Caller {
  principalId: string;
  principalName: string;
  tenantId: string;
  tenantName: string;
  roles: Role[];
  groups: string[];
  /** Highest sensitivity level of knowledge the caller may read (1–3). */
  clearance: number;
  permissions: ReadonlySet<Permission>;
  authMethod: 'api_key' | 'jwt';
  /** Admin of the platform tenant: may act on other tenants' identities and create tenants. */
  platformAdmin: boolean;
}

export function permissionsOf(
  roles: readonly Role[],
  tenantName: string,
): { permissions: Set<Permission>; platformAdmin: boolean } {
  const permissions = new Set<Permission>();
  for (const role of roles) for (const permission of ROLE_PERMISSIONS[role]) permissions.add(permission);
  const platformAdmin = tenantName === PLATFORM_TENANT && roles.includes('admin');
  if (platformAdmin) for (const permission of PLATFORM_PERMISSIONS) permissions.add(permission);
  return { permissions, platformAdmin };
}
