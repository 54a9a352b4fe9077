import { z } from 'zod';
import { LabelsSchema, NameSchema, TimestampSchema } from './common.ts';

/** A key inside a secret: what `secretRef.key` names (letters, digits, `.`, `_`, `-`). */
export const SecretKeySchema = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[-._a-zA-Z0-9]+$/, 'a secret key is letters, digits, ".", "_" or "-"');

/** Largest value of one key; a secret holds at most 64 keys. */
export const MAX_SECRET_VALUE_BYTES = 64 * 1024;

export const SecretDataSchema = z
  .record(
    SecretKeySchema,
    z
      .string()
      .min(1, 'a secret value must not be empty')
      .refine((value) => Buffer.byteLength(value) <= MAX_SECRET_VALUE_BYTES, {
        message: `a secret value is at most ${MAX_SECRET_VALUE_BYTES} bytes`,
      }),
  )
  .refine((data) => Object.keys(data).length >= 1, { message: 'a secret needs at least one key' })
  .refine((data) => Object.keys(data).length <= 64, { message: 'a secret holds at most 64 keys' })
  .describe('Key → value. Write-only: values are encrypted at rest and never returned');

/** `PUT /api/v1/secrets/{name}`: creates or replaces every key of the secret. */
export const SecretWriteSchema = z.strictObject({
  data: SecretDataSchema,
  labels: LabelsSchema.optional(),
});
export type SecretWrite = z.infer<typeof SecretWriteSchema>;

/** A secret as the API shows it: its name and key names, never a value. */
export const SecretSchema = z.strictObject({
  name: NameSchema,
  keys: z.array(z.string()).describe('Key names (values are never returned)'),
  labels: LabelsSchema,
  version: z.number().int().describe('Changes on every write'),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
});
export type Secret = z.infer<typeof SecretSchema>;

export const SecretKeyRotationSchema = z.strictObject({
  keyId: z.string().describe('Fingerprint of the key every secret is now encrypted with'),
  generated: z.boolean().describe('Whether a new key was generated (a key file) or set by the operator'),
  reencrypted: z.number().int().describe('Secrets re-encrypted, across every tenant'),
});
export type SecretKeyRotation = z.infer<typeof SecretKeyRotationSchema>;

/**
 * Where a manifest points at a secret: its name and, when it holds several keys, which one.
 * The value is read at call time, into that call only.
 */
export const SecretRefSchema = z
  .strictObject({
    name: NameSchema,
    key: SecretKeySchema.optional().describe('Key inside the secret; may be left out if it has one key'),
  })
  .describe('Reference to a stored secret; the value never appears in manifests or responses');
export type SecretRef = z.infer<typeof SecretRefSchema>;
