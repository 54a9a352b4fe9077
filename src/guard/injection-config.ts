import { z } from 'zod';

/** Where a text came from. Tool results and retrieved documents are judged more strictly. */
export const INJECTION_SOURCES = ['user', 'tool', 'retrieval'] as const;
export type InjectionSource = (typeof INJECTION_SOURCES)[number];

export const INJECTION_ACTIONS = ['block', 'flag', 'allow'] as const;
export type InjectionAction = (typeof INJECTION_ACTIONS)[number];

export const INJECTION_LABELS = ['injection', 'benign'] as const;
export type InjectionLabel = (typeof INJECTION_LABELS)[number];

export const CLASSIFIER_MODES = ['add', 'replace'] as const;
export type ClassifierMode = (typeof CLASSIFIER_MODES)[number];

export const InjectionVerdictSchema = z.strictObject({
  score: z.number().min(0).max(1).describe('0 (surely benign) to 1 (surely an injection)'),
  label: z.enum(INJECTION_LABELS),
  reasons: z.array(z.string()).describe('Why, one line per signal that fired'),
});
/** The detector's answer for one text. */
export type InjectionVerdict = z.output<typeof InjectionVerdictSchema>;

export const InjectionClassifierConfigSchema = z
  .strictObject({
    endpoint: z
      .url()
      .describe('POST {text, source} → {score, label?, reasons?}, e.g. a BERT model you serve'),
    mode: z
      .enum(CLASSIFIER_MODES)
      .default('add')
      .describe('add: the higher of both scores, reasons merged; replace: the classifier decides alone'),
    timeout_ms: z
      .number()
      .int()
      .min(1)
      .max(60_000)
      .default(2000)
      .describe('Past this, the built-in verdict is used'),
  })
  .describe('Optional external prompt-injection classifier');

/** The `injection:` section of a Policy. */
export const InjectionConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Check texts for prompt injection at all (default true)'),
    action: z
      .enum(INJECTION_ACTIONS)
      .default('flag')
      .describe(
        'block: refuse the text; flag: pass it on, marked and audited; allow: record the verdict only',
      ),
    threshold: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe('Score at or above which a text is an injection'),
    sources: z
      .array(z.enum(INJECTION_SOURCES))
      .default([...INJECTION_SOURCES])
      .describe('Which texts are checked: user input, tool results, retrieved documents'),
    classifier: InjectionClassifierConfigSchema.optional(),
  })
  .describe('Prompt-injection detection');

export type InjectionConfig = z.output<typeof InjectionConfigSchema>;
export type InjectionConfigInput = z.input<typeof InjectionConfigSchema>;
export type InjectionClassifierConfig = z.output<typeof InjectionClassifierConfigSchema>;
