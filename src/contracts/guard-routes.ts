import { z } from 'zod';
import { NameSchema } from './common.ts';
import { INJECTION_SOURCES, PII_ACTIONS } from './policies.ts';
import { defineRoute } from './route.ts';

const TextSchema = z.string().max(1_000_000).describe('The text to scan (up to 1,000,000 characters)');

export const PiiDetectRequestSchema = z.strictObject({
  text: TextSchema,
  policy: NameSchema.optional().describe(
    'Use this stored policy’s pii_masking section; default: the tenant’s live settings',
  ),
});

export const PiiDetectResultSchema = z.strictObject({
  entities: z.array(
    z.strictObject({
      type: z
        .string()
        .describe(
          'EMAIL, PHONE, IPV4, IPV6, CN_ID, BANK_CARD, IBAN, AWS_ACCESS_KEY, AWS_SECRET_KEY, JWT, PRIVATE_KEY, API_TOKEN, or a custom rule name',
        ),
      start: z.number().int().describe('Offset in UTF-16 code units (JavaScript string index)'),
      end: z.number().int().describe('Offset just past the entity'),
      action: z.enum(PII_ACTIONS),
    }),
  ),
  masked: z.string().describe('The text as the audit log, logs and traces would keep it'),
});
export type PiiDetectResult = z.infer<typeof PiiDetectResultSchema>;

export const InjectionDetectRequestSchema = z.strictObject({
  text: TextSchema,
  source: z
    .enum(INJECTION_SOURCES)
    .default('user')
    .describe('Where the text comes from: tool and retrieval content is judged more strictly'),
});

export const InjectionDetectResultSchema = z.strictObject({
  score: z.number().min(0).max(1),
  label: z.enum(['injection', 'benign']),
  reasons: z.array(z.string()),
});
export type InjectionDetectResult = z.infer<typeof InjectionDetectResultSchema>;

export const guardRoutes = {
  detectPii: defineRoute({
    operationId: 'detectPii',
    method: 'post',
    path: '/api/v1/guard/pii:detect',
    tag: 'guard',
    summary: 'Find PII in a text, with the action the policy takes on each entity',
    permission: 'authenticated',
    body: PiiDetectRequestSchema,
    success: {
      status: 200,
      description: 'Entities found, and the masked text',
      schema: PiiDetectResultSchema,
    },
  }),
  detectInjection: defineRoute({
    operationId: 'detectInjection',
    method: 'post',
    path: '/api/v1/guard/injection:detect',
    tag: 'guard',
    summary: 'Score a text for prompt injection, with the reasons',
    permission: 'authenticated',
    body: InjectionDetectRequestSchema,
    success: { status: 200, description: 'The verdict', schema: InjectionDetectResultSchema },
  }),
} as const;
