import { z } from 'zod';

export const API_VERSION = 'agenticai.dev/v1alpha1';

/** DNS-1123 label: what Kubernetes accepts as a name, so manifests move to CRDs unchanged. */
export const NameSchema = z
  .string()
  .min(1, 'name must not be empty')
  .max(63, 'name must be at most 63 characters')
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'name must be lowercase letters, digits and "-", starting and ending with a letter or digit',
  )
  .describe('DNS-1123 label: lowercase letters, digits and "-", at most 63 characters');
export type Name = z.infer<typeof NameSchema>;

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

export const LabelsSchema = z
  .record(
    z.string().max(253).regex(LABEL_KEY, 'label key must look like [prefix/]name'),
    z.string().max(63).regex(LABEL_VALUE, 'label value must be alphanumeric with -, _ or .'),
  )
  .describe('Kubernetes-style labels');
export type Labels = z.infer<typeof LabelsSchema>;

export const AnnotationsSchema = z.record(z.string().max(253), z.string().max(65536));

/** Go-style duration as Kubernetes manifests write it: `30s`, `5m`, `1h30m`, `250ms`. */
export const DurationSchema = z
  .string()
  .regex(/^(\d+(ms|s|m|h|d))+$/, 'duration must look like 30s, 5m, 1h30m or 250ms')
  .describe('Duration such as 30s, 5m, 1h30m, 250ms');

const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds in a duration string already validated by DurationSchema. */
export function durationToMs(duration: string): number {
  let total = 0;
  for (const match of duration.matchAll(/(\d+)(ms|s|m|h|d)/g)) {
    total += Number(match[1]) * DURATION_UNITS_MS[match[2] as keyof typeof DURATION_UNITS_MS];
  }
  return total;
}

export const TimestampSchema = z.iso.datetime({ offset: true }).describe('RFC 3339 timestamp');

export const PAGE_LIMIT_DEFAULT = 50;
export const PAGE_LIMIT_MAX = 500;

export const PageQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(PAGE_LIMIT_MAX)
    .default(PAGE_LIMIT_DEFAULT)
    .describe(`Page size, 1..${PAGE_LIMIT_MAX}`),
  cursor: z.string().max(512).optional().describe('Opaque cursor from the previous page'),
});
export type PageQuery = z.infer<typeof PageQuerySchema>;

/** Every list answers with a page: the items and, when more remain, the cursor of the next. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.strictObject({
    items: z.array(item),
    nextCursor: z.string().nullable().describe('Pass as `cursor` to get the next page; null at the end'),
  });
}
export type Page<T> = { items: T[]; nextCursor: string | null };

/** Object metadata as the server returns it. */
export const ObjectMetaSchema = z.strictObject({
  name: NameSchema,
  uid: z.string(),
  labels: LabelsSchema,
  annotations: AnnotationsSchema.optional(),
  resourceVersion: z.string().describe('Changes on every write; send it back as If-Match'),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
});
export type ObjectMeta = z.infer<typeof ObjectMetaSchema>;

/** Object metadata as a user writes it in a manifest. */
export const ManifestMetaSchema = z.strictObject({
  name: NameSchema,
  namespace: z
    .string()
    .max(63)
    .optional()
    .describe("Accepted so Kubernetes manifests apply as written; ignored: the tenant is the caller's"),
  labels: LabelsSchema.optional(),
  annotations: AnnotationsSchema.optional(),
});
