import { z } from 'zod';
import { NameSchema, PageQuerySchema, pageSchema } from './common.ts';
import { defineRoute } from './route.ts';
import { SecretKeyRotationSchema, SecretSchema, SecretWriteSchema } from './secrets.ts';

const NameParams = z.object({ name: NameSchema });

/** Secrets: write-only values, encrypted at rest, referenced by name from manifests. */
export const secretRoutes = {
  listSecrets: defineRoute({
    operationId: 'listSecrets',
    method: 'get',
    path: '/api/v1/secrets',
    tag: 'secrets',
    summary: "List the tenant's secrets: names and key names, never values",
    permission: 'secrets:read',
    query: PageQuerySchema,
    success: { status: 200, description: 'A page of secrets', schema: pageSchema(SecretSchema) },
  }),
  getSecret: defineRoute({
    operationId: 'getSecret',
    method: 'get',
    path: '/api/v1/secrets/{name}',
    tag: 'secrets',
    summary: 'Get a secret: its key names and version, never a value',
    permission: 'secrets:read',
    params: NameParams,
    success: { status: 200, description: 'The secret', schema: SecretSchema },
  }),
  putSecret: defineRoute({
    operationId: 'putSecret',
    method: 'put',
    path: '/api/v1/secrets/{name}',
    tag: 'secrets',
    summary: 'Create a secret, or replace every key of it',
    description:
      'Values are encrypted with AES-256-GCM under the platform key before they are written, bound to ' +
      'the tenant and the name, and are never returned by any API, log or audit record. Tools and model ' +
      'backends reference them by name (`secretRef`); the value is read only into the call that needs it.',
    permission: 'secrets:write',
    params: NameParams,
    body: SecretWriteSchema,
    success: { status: 200, description: 'Stored', schema: SecretSchema },
  }),
  deleteSecret: defineRoute({
    operationId: 'deleteSecret',
    method: 'delete',
    path: '/api/v1/secrets/{name}',
    tag: 'secrets',
    summary: 'Delete a secret',
    permission: 'secrets:write',
    params: NameParams,
    success: { status: 204, description: 'Deleted' },
  }),
  rotateSecretKey: defineRoute({
    operationId: 'rotateSecretKey',
    method: 'post',
    path: '/api/v1/secrets:rotate-key',
    tag: 'secrets',
    summary: "Re-encrypt every tenant's secrets under a new platform key",
    description:
      'With a key file (the default), generates a new key, re-encrypts every secret in one transaction ' +
      'and then replaces the file. With `AGENTICAI_SECRET_KEY`, set the new key there and the old one in ' +
      '`AGENTICAI_SECRET_KEY_PREVIOUS`, restart, then call this to re-encrypt what the old key still ' +
      'holds. Platform administrators only.',
    permission: 'secrets:rotate',
    success: { status: 200, description: 'Rotated', schema: SecretKeyRotationSchema },
  }),
} as const;
