import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, ProblemSchema, type WhoAmI } from '../../src/contracts/index.ts';
import { unique } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

const AUDIENCE = 'agenticai-api';
const KEY_ID = 'test-key-1';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

let t: TestPlatform;
let jwks: Server;
let issuer: string;
let signingKey: PrivateKey;
let jwksRequests = 0;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: KEY_ID, alg: 'RS256', use: 'sig' };
  jwks = createServer((request, response) => {
    if (request.url === '/jwks.json') {
      jwksRequests++;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [publicJwk] }));
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const { port } = jwks.address() as AddressInfo;
  issuer = `http://127.0.0.1:${port}/`;
  t = await startTestPlatform({
    oidc: {
      issuer,
      audience: AUDIENCE,
      jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
      tenantClaim: 'tenant',
      rolesClaim: 'roles',
    },
  });
  expect((await request('POST', '/api/v1/tenants', t.adminKey, { name: 'oidc-b' })).status).toBe(201);
});

afterAll(async () => {
  await t?.close();
  await new Promise<void>((resolve) => (jwks ? jwks.close(() => resolve()) : resolve()));
});

interface TokenOptions {
  claims?: JWTPayload;
  subject?: string | null;
  audience?: string;
  issuer?: string;
  issuedAt?: number;
  expiresAt?: number;
  key?: PrivateKey;
  keyId?: string;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

async function token(options: TokenOptions = {}): Promise<string> {
  const jwt = new SignJWT({ tenant: 'default', roles: ['developer'], ...options.claims })
    .setProtectedHeader({ alg: 'RS256', kid: options.keyId ?? KEY_ID })
    .setIssuer(options.issuer ?? issuer)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt(options.issuedAt ?? nowSeconds())
    .setExpirationTime(options.expiresAt ?? nowSeconds() + 300);
  if (options.subject !== null) jwt.setSubject(options.subject ?? 'alice@example.com');
  return jwt.sign(options.key ?? signingKey);
}

async function request(method: string, path: string, bearer: string, body?: object): Promise<Response> {
  return t.request(method, path, { apiKey: bearer, ...(body ? { body } : {}) });
}

async function expectUnauthenticated(response: Response): Promise<void> {
  expect(response.status).toBe(401);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(ProblemSchema.parse(await response.json()).code).toBe('UNAUTHENTICATED');
}

const agentDoc = (name: string) => ({
  metadata: { name },
  spec: { model: { backend: 'local', name: 'm' }, systemPrompt: 'from a token' },
});

describe('OIDC bearer tokens', () => {
  it('accepts a valid token: whoami reports jwt with the claimed tenant and roles', async () => {
    const response = await request('GET', '/api/v1/whoami', await token());

    expect(response.status).toBe(200);
    const body = (await response.json()) as WhoAmI;
    expect(body).toMatchObject({
      principal: 'alice@example.com',
      tenant: 'default',
      roles: ['developer'],
      authMethod: 'jwt',
    });
    expect(body.permissions).toContain('agents:write');
    expect(body.permissions).not.toContain('model-backends:write');
    expect(jwksRequests).toBeGreaterThan(0);
  });

  it('lets a developer token create an agent, and holds it to its role', async () => {
    const bearer = await token();
    const name = unique('jwt-agent');

    const created = await request('POST', '/api/v1/agents', bearer, agentDoc(name));

    expect(created.status).toBe(201);
    expect(((await created.json()) as Agent).metadata.name).toBe(name);
    const read = await request('GET', `/api/v1/agents/${name}`, t.adminKey);
    expect(read.status).toBe(200);
    const backend = await request('POST', '/api/v1/model-backends', bearer, {
      metadata: { name: unique('jwt-backend') },
      spec: { type: 'openai-compatible', endpoint: 'http://127.0.0.1:8000/v1', models: ['m'] },
    });
    expect(backend.status).toBe(403);
  });

  it('maps the token to the tenant it claims', async () => {
    const name = unique('tenant-b');
    const bearer = await token({ claims: { tenant: 'oidc-b' } });

    expect((await request('POST', '/api/v1/agents', bearer, agentDoc(name))).status).toBe(201);

    expect((await request('GET', `/api/v1/agents/${name}`, bearer)).status).toBe(200);
    expect((await request('GET', `/api/v1/agents/${name}`, t.adminKey)).status).toBe(404);
  });

  it('reads roles given as a space-separated string', async () => {
    const bearer = await token({ claims: { roles: 'viewer developer' } });

    const whoami = (await (await request('GET', '/api/v1/whoami', bearer)).json()) as WhoAmI;
    expect([...whoami.roles].sort()).toEqual(['developer', 'viewer']);
    expect((await request('POST', '/api/v1/agents', bearer, agentDoc(unique('spaced')))).status).toBe(201);
  });

  it('ignores role names it does not know', async () => {
    const bearer = await token({ claims: { roles: ['superuser', 'viewer'] } });

    const whoami = (await (await request('GET', '/api/v1/whoami', bearer)).json()) as WhoAmI;
    expect(whoami.roles).toEqual(['viewer']);
  });

  it('authenticates a token without roles but refuses it every write with 403', async () => {
    const bearer = await token({ claims: { roles: [] } });

    const whoami = await request('GET', '/api/v1/whoami', bearer);
    expect(whoami.status).toBe(200);
    expect(((await whoami.json()) as WhoAmI).permissions).toEqual([]);
    const name = unique('no-roles');
    expect((await request('POST', '/api/v1/agents', bearer, agentDoc(name))).status).toBe(403);
    expect(
      (
        await request('POST', '/api/v1/apply', bearer, {
          items: [{ apiVersion: 'agenticai.dev/v1alpha1', kind: 'Agent', ...agentDoc(name) }],
        })
      ).status,
    ).toBe(403);
    expect((await request('GET', `/api/v1/agents/${name}`, t.adminKey)).status).toBe(404);
  });

  it('treats a token without a roles claim like one with no roles', async () => {
    const bearer = await token({ claims: { roles: undefined } });

    expect((await request('POST', '/api/v1/agents', bearer, agentDoc(unique('no-claim')))).status).toBe(403);
  });

  it('gives an admin token of another tenant no platform rights: creating a tenant is 403', async () => {
    const bearer = await token({ claims: { tenant: 'oidc-b', roles: ['admin'] } });

    const reply = await request('POST', '/api/v1/tenants', bearer, { name: unique('from-b') });

    expect(reply.status).toBe(403);
  });

  it('rejects a token for another audience with 401', async () => {
    await expectUnauthenticated(
      await request('GET', '/api/v1/whoami', await token({ audience: 'someone-else' })),
    );
  });

  it('rejects a token from another issuer with 401', async () => {
    await expectUnauthenticated(
      await request('GET', '/api/v1/whoami', await token({ issuer: 'https://evil.example.com/' })),
    );
  });

  it('rejects an expired token with 401', async () => {
    const bearer = await token({ issuedAt: nowSeconds() - 7200, expiresAt: nowSeconds() - 3600 });

    await expectUnauthenticated(await request('GET', '/api/v1/whoami', bearer));
  });

  it('rejects a token signed by another key under the published key id with 401', async () => {
    const { privateKey } = await generateKeyPair('RS256');

    await expectUnauthenticated(await request('GET', '/api/v1/whoami', await token({ key: privateKey })));
  });

  it('rejects a token signed by a key the issuer does not publish with 401', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const bearer = await token({ key: privateKey, keyId: 'unknown-key' });

    await expectUnauthenticated(await request('GET', '/api/v1/whoami', bearer));
  });

  it('rejects a token whose payload was altered after signing with 401', async () => {
    const [header, , signature] = (await token()).split('.');
    const forged = Buffer.from(
      JSON.stringify({
        iss: issuer,
        aud: AUDIENCE,
        sub: 'mallory',
        tenant: 'default',
        roles: ['admin'],
        exp: nowSeconds() + 300,
      }),
    ).toString('base64url');

    await expectUnauthenticated(await request('GET', '/api/v1/whoami', `${header}.${forged}.${signature}`));
  });

  it('rejects a token naming a tenant that does not exist with 401', async () => {
    const bearer = await token({ claims: { tenant: 'no-such-tenant' } });

    await expectUnauthenticated(await request('GET', '/api/v1/whoami', bearer));
  });

  it('rejects a token without a tenant claim when no default tenant is configured with 401', async () => {
    const bearer = await token({ claims: { tenant: undefined } });

    await expectUnauthenticated(await request('GET', '/api/v1/whoami', bearer));
  });

  it('rejects a token without a subject with 401', async () => {
    await expectUnauthenticated(await request('GET', '/api/v1/whoami', await token({ subject: null })));
  });

  it('keeps accepting API keys next to tokens', async () => {
    const response = await request('GET', '/api/v1/whoami', t.adminKey);

    expect(response.status).toBe(200);
    expect(((await response.json()) as WhoAmI).authMethod).toBe('api_key');
  });
});
