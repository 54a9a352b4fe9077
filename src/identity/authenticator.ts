import type { JWTPayload } from 'jose';
import { ROLES, type Role } from '../contracts/index.ts';
import { AppError, type Clock } from '../core/index.ts';
import { hashApiKey } from './api-keys.ts';
import { type Caller, DEFAULT_CLEARANCE, permissionsOf } from './permissions.ts';
import type { CredentialLookup, TenantStore } from './ports.ts';

export interface JwtOptions {
  verifier: { verify(token: string): Promise<JWTPayload> };
  tenantClaim: string;
  rolesClaim: string;
  defaultTenant?: string | undefined;
}

export interface AuthLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const LAST_USED_INTERVAL_MS = 60_000;

function unauthenticated(message: string): AppError {
  return new AppError('UNAUTHENTICATED', message);
}

/** A `clearance` claim of 1, 2 or 3 (a number or its string); anything else means the default. */
function clearanceFromClaim(value: unknown): number {
  const level = typeof value === 'string' ? Number(value) : value;
  return level === 1 || level === 2 || level === 3 ? level : DEFAULT_CLEARANCE;
}

/** The conventional OIDC `groups` claim: a list of names; anything else means none. */
function groupsFromClaim(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((g): g is string => typeof g === 'string' && g.length > 0) : [];
}

function rolesFromClaim(value: unknown): Role[] {
  const raw = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  return raw.filter(
    (role): role is Role => typeof role === 'string' && (ROLES as readonly string[]).includes(role),
  );
}

/**
 * Turns an Authorization header into a Caller. API keys are looked up by hash; JWTs (when OIDC is
 * configured) are verified against the issuer's keys and mapped to a tenant and roles by claims.
 * Every failure is UNAUTHENTICATED with a reason that reveals nothing about other keys.
 */
export class Authenticator {
  constructor(
    private readonly credentials: CredentialLookup,
    private readonly tenants: TenantStore,
    private readonly clock: Clock,
    private readonly logger: AuthLogger,
    private readonly jwt?: JwtOptions,
  ) {}

  async authenticate(authorization: string | undefined): Promise<Caller> {
    if (!authorization) throw unauthenticated('missing credentials: send Authorization: Bearer <api key>');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match?.[1]) throw unauthenticated('the Authorization header must be "Bearer <api key or token>"');
    const token = match[1];
    if (this.jwt && JWT_SHAPE.test(token)) return this.fromJwt(token, this.jwt);
    return this.fromApiKey(token);
  }

  private async fromApiKey(key: string): Promise<Caller> {
    const credential = await this.credentials.findApiKey(hashApiKey(key));
    if (!credential) throw unauthenticated('invalid API key');
    const now = this.clock.now();
    if (credential.key.revokedAt) throw unauthenticated('this API key was revoked');
    if (credential.key.expiresAt && credential.key.expiresAt <= now)
      throw unauthenticated('this API key has expired');
    if (credential.principal.disabled) throw unauthenticated('the principal of this API key is disabled');
    const lastUsed = credential.key.lastUsedAt?.getTime() ?? 0;
    if (now.getTime() - lastUsed >= LAST_USED_INTERVAL_MS) {
      // Off the request path, and at most once a minute per key: a write on every request would cost more than the read.
      this.credentials.touchApiKey(credential.key.id, now, LAST_USED_INTERVAL_MS).catch((error: unknown) => {
        this.logger.warn({ err: error, apiKeyId: credential.key.id }, 'could not record API key use');
      });
    }
    const { permissions, platformAdmin } = permissionsOf(credential.principal.roles, credential.tenant.name);
    return {
      principalId: credential.principal.id,
      principalName: credential.principal.name,
      tenantId: credential.tenant.id,
      tenantName: credential.tenant.name,
      roles: credential.principal.roles,
      groups: credential.principal.groups,
      clearance: credential.principal.clearance,
      permissions,
      authMethod: 'api_key',
      platformAdmin,
    };
  }

  private async fromJwt(token: string, jwt: JwtOptions): Promise<Caller> {
    const claims = await jwt.verifier.verify(token);
    const claimed = claims[jwt.tenantClaim];
    const tenantName = typeof claimed === 'string' ? claimed : jwt.defaultTenant;
    if (!tenantName) throw unauthenticated(`the token has no "${jwt.tenantClaim}" claim`);
    const tenant = await this.tenants.getByName(tenantName);
    if (!tenant) throw unauthenticated(`the token names tenant "${tenantName}", which does not exist`);
    if (!claims.sub) throw unauthenticated('the token has no "sub" claim');
    const roles = rolesFromClaim(claims[jwt.rolesClaim]);
    const { permissions, platformAdmin } = permissionsOf(roles, tenant.name);
    return {
      principalId: `oidc:${claims.sub}`,
      principalName: claims.sub,
      tenantId: tenant.id,
      tenantName: tenant.name,
      roles,
      groups: groupsFromClaim(claims.groups),
      clearance: clearanceFromClaim(claims.clearance),
      permissions,
      authMethod: 'jwt',
      platformAdmin,
    };
  }
}
