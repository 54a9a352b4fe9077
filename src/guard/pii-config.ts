import { z } from 'zod';
import { customRegexProblem } from './custom-rule.ts';
import { PII_ACTIONS, PII_TYPES } from './pii-types.ts';

export const PiiActionSchema = z
  .enum(PII_ACTIONS)
  .describe(
    'mask: letters and digits become "*", separators stay; redact: [REDACTED:TYPE]; hash: [TYPE:<hmac>]; pseudonymize: reversible <TYPE_n>',
  );

export const PiiCustomRuleSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/, 'a letter, then letters, digits or "_" (at most 63)')
      .describe('Entity type reported for matches, e.g. "employee_id"; also used in [REDACTED:name]'),
    regex: z
      .string()
      .min(1)
      .max(1000)
      .describe('RE2 pattern (no back-references or look-around); runs in linear time'),
    action: PiiActionSchema.optional().describe('What to do with a match (default: default_action)'),
  })
  .superRefine((rule, context) => {
    const problem = customRegexProblem(rule.regex);
    if (problem) context.addIssue({ code: 'custom', path: ['regex'], message: problem });
  })
  .describe('A custom detection rule');

/** The `pii_masking:` section of a Policy. */
export const PiiMaskingConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Mask PII at all (default true)'),
    default_action: PiiActionSchema.default('mask').describe('Action for built-in detectors (default mask)'),
    detectors: z
      .array(z.enum(PII_TYPES))
      .optional()
      .describe('Built-in detectors to run (default: all of them); [] runs only the custom rules'),
    actions: z
      .partialRecord(z.enum(PII_TYPES), PiiActionSchema)
      .default({})
      .describe('Per-type action overriding default_action, e.g. {EMAIL: hash}'),
    rules: z
      .array(PiiCustomRuleSchema)
      .max(100)
      .default([])
      .superRefine((rules, context) => {
        const seen = new Set<string>();
        rules.forEach((rule, index) => {
          if (seen.has(rule.name))
            context.addIssue({
              code: 'custom',
              path: [index, 'name'],
              message: `rule "${rule.name}" is defined twice`,
            });
          seen.add(rule.name);
        });
      })
      .describe('Custom regex rules; their name is their entity type'),
  })
  .describe(
    'PII detection and masking applied to prompts, answers, tool I/O, logs, traces and audit records',
  );

export type PiiMaskingConfig = z.output<typeof PiiMaskingConfigSchema>;
export type PiiMaskingConfigInput = z.input<typeof PiiMaskingConfigSchema>;
export type PiiCustomRule = z.output<typeof PiiCustomRuleSchema>;
