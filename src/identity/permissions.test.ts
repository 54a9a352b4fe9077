import { describe, expect, it } from 'vitest';
import { permissionsOf, ROLE_PERMISSIONS } from './permissions.ts';

describe('role permissions', () => {
  it('pins what each role may do', () => {
    const table = Object.fromEntries(
      Object.entries(ROLE_PERMISSIONS).map(([role, perms]) => [role, [...perms].sort()]),
    );
    expect(table).toEqual({
      viewer: [
        'agents:read',
        'feedback:write',
        'knowledge:read',
        'model-backends:read',
        'runs:read',
        'tools:read',
        'triggers:read',
      ],
      approver: [
        'agents:read',
        'feedback:write',
        'knowledge:read',
        'model-backends:read',
        'runs:read',
        'runs:resolve',
        'tools:read',
        'triggers:read',
      ],
      developer: [
        'agents:read',
        'agents:write',
        'feedback:write',
        'knowledge:read',
        'knowledge:write',
        'model-backends:read',
        'models:invoke',
        'runs:create',
        'runs:read',
        'sandboxes:use',
        'secrets:read',
        'tools:invoke',
        'tools:read',
        'tools:write',
        'triggers:read',
        'triggers:write',
      ],
      operator: [
        'agents:read',
        'agents:write',
        'audit:read',
        'datasets:read',
        'feedback:write',
        'knowledge:read',
        'knowledge:write',
        'metrics:read',
        'model-backends:read',
        'model-backends:write',
        'models:invoke',
        'runs:create',
        'runs:read',
        'runs:resolve',
        'sandboxes:use',
        'secrets:read',
        'secrets:write',
        'tools:invoke',
        'tools:read',
        'tools:write',
        'triggers:read',
        'triggers:write',
        'usage:read',
      ],
      admin: [
        'agents:read',
        'agents:write',
        'api-keys:read',
        'api-keys:write',
        'audit:read',
        'datasets:read',
        'feedback:write',
        'knowledge:read',
        'knowledge:write',
        'metrics:read',
        'model-backends:read',
        'model-backends:write',
        'models:invoke',
        'policies:write',
        'principals:read',
        'principals:write',
        'runs:create',
        'runs:read',
        'runs:resolve',
        'sandboxes:use',
        'secrets:read',
        'secrets:write',
        'tenants:read',
        'tools:invoke',
        'tools:read',
        'tools:write',
        'triggers:read',
        'triggers:write',
        'usage:read',
      ],
    });
  });

  it('grants tenant creation only to admins of the platform tenant', () => {
    expect(permissionsOf(['admin'], 'default').permissions.has('tenants:write')).toBe(true);
    expect(permissionsOf(['admin'], 'default').platformAdmin).toBe(true);
    expect(permissionsOf(['admin'], 'acme').permissions.has('tenants:write')).toBe(false);
    expect(permissionsOf(['operator'], 'default').permissions.has('tenants:write')).toBe(false);
  });

  it('lets only admins of the platform tenant rotate the key that seals every tenant’s secrets', () => {
    expect(permissionsOf(['admin'], 'default').permissions.has('secrets:rotate')).toBe(true);
    expect(permissionsOf(['admin'], 'acme').permissions.has('secrets:rotate')).toBe(false);
    expect(permissionsOf(['operator'], 'default').permissions.has('secrets:rotate')).toBe(false);
  });

  it('unions the permissions of several roles', () => {
    const { permissions } = permissionsOf(['viewer', 'developer'], 'acme');
    expect(permissions.has('agents:write')).toBe(true);
    expect(permissions.has('model-backends:write')).toBe(false);
  });
});
