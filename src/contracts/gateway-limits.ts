import { z } from 'zod';
import { NameSchema } from './common.ts';

/**
 * The model gateway's spending and rate rules, as sections of `kind: Policy` (`budgets`,
 * `rate_limits`). Every budget and rate limit that matches a call applies: a call must fit the
 * tenant's, the principal's, the agent's and the run's at once (they nest).
 */

export const BUDGET_SCOPES = ['tenant', 'principal', 'agent', 'run'] as const;
export type BudgetScope = (typeof BUDGET_SCOPES)[number];
export const BUDGET_WINDOWS = ['day', 'month', 'total'] as const;
export type BudgetWindow = (typeof BUDGET_WINDOWS)[number];
export const BUDGET_UNITS = ['tokens', 'usd'] as const;
export type BudgetUnit = (typeof BUDGET_UNITS)[number];
export const RATE_LIMIT_SCOPES = ['tenant', 'principal', 'agent'] as const;
export type RateLimitScope = (typeof RATE_LIMIT_SCOPES)[number];

const MatchSchema = z
  .string()
  .min(1)
  .max(256)
  .describe('Only principals / agents whose name matches this glob (`*`, `?`); default all');

export const BudgetSchema = z
  .strictObject({
    name: NameSchema.describe('Named in the 429 a call gets when the budget is spent'),
    scope: z.enum(BUDGET_SCOPES).describe('One budget per tenant, principal, agent or run'),
    match: MatchSchema.optional(),
    window: z
      .enum(BUDGET_WINDOWS)
      .optional()
      .describe('Calendar day or month (UTC), or `total` (never resets); default day, and total for runs'),
    unit: z.enum(BUDGET_UNITS).default('tokens').describe('tokens, or USD from the backends’ cost_per_1k'),
    limit: z.number().positive().max(1e12).describe('The hard stop: calls that would pass it get 429'),
    soft_limit: z
      .number()
      .gt(0)
      .lt(1)
      .optional()
      .describe('Fraction of the limit past which aliases with `degrade_to` switch to the cheaper model'),
  })
  .refine((budget) => budget.scope !== 'run' || (budget.window ?? 'total') === 'total', {
    message: 'a run budget counts the whole run: use window total',
    path: ['window'],
  })
  .describe('A spending limit on model calls, reserved before each call and settled after it');
export type Budget = z.infer<typeof BudgetSchema>;

export const RateLimitSchema = z
  .strictObject({
    name: NameSchema.describe('Named in the 429 a call gets when the limit is hit'),
    scope: z.enum(RATE_LIMIT_SCOPES).describe('One bucket per tenant, principal or agent'),
    match: MatchSchema.optional(),
    requests_per_minute: z.number().int().min(1).max(10_000_000).optional(),
    tokens_per_minute: z.number().int().min(1).max(1e12).optional(),
    burst: z
      .number()
      .min(1)
      .max(60)
      .optional()
      .describe('Bucket size in minutes of the rate (default 1): how much may be spent at once'),
  })
  .refine((rule) => rule.requests_per_minute !== undefined || rule.tokens_per_minute !== undefined, {
    message: 'a rate limit needs requests_per_minute or tokens_per_minute',
    path: ['name'],
  })
  .describe('A token-bucket rate limit on model calls');
export type RateLimit = z.infer<typeof RateLimitSchema>;
