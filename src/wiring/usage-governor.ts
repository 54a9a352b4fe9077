import type { Logger } from 'pino';
import type { Budget, BudgetStatus, BudgetWindow, RateLimit } from '../contracts/index.ts';
import { assertNever } from '../core/index.ts';
import {
  type GatewayCaller,
  GatewayError,
  type SpendEstimate,
  type SpendHold,
  type UsageGovernor,
} from '../gateway/index.ts';
import { type CompiledPolicy, compileGlob, type Glob } from '../policy/index.ts';
import type { BudgetLedger, BudgetLine, RateLimiter, Reservation } from '../store/index.ts';
import { RETRY_NEVER } from '../store/index.ts';

const MICRO = 1_000_000;

interface Rules {
  budgets: { budget: Budget; match: Glob | null; policy: string }[];
  rateLimits: { rule: RateLimit; match: Glob | null }[];
}

interface Matched {
  budget: Budget;
  line: BudgetLine;
  /** Who the line counts: `principal alice`. */
  subject: string;
}

/**
 * Budgets and rate limits from the tenant's policies (`budgets`, `rate_limits`), enforced through
 * the budget ledger and the rate limiter (in memory embedded, Redis Lua in the team setup, so
 * replicas share them). Rules compile once per loaded policy set. A tenant without such rules
 * costs one resolved promise per call.
 */
export class PolicyUsageGovernor implements UsageGovernor {
  readonly #compiled = new WeakMap<readonly CompiledPolicy[], Rules>();

  constructor(
    private readonly policies: (tenantId: string) => Promise<readonly CompiledPolicy[]>,
    private readonly ledger: BudgetLedger,
    private readonly limiter: RateLimiter,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async admit(caller: GatewayCaller, estimatedTokens: number, signal: AbortSignal): Promise<void> {
    const { rateLimits } = await this.#rules(caller.tenantId);
    if (rateLimits.length === 0) return;
    const takes: Promise<void>[] = [];
    for (const { rule, match } of rateLimits) {
      const subject = subjectOf(rule.scope, caller);
      if (subject === null || (match && !match.test(subject))) continue;
      const key = `rl:${caller.tenantId}:${rule.name}:${rule.scope}:${subject}`;
      const burst = rule.burst ?? 1;
      if (rule.requests_per_minute !== undefined) {
        const perMinute = rule.requests_per_minute;
        takes.push(this.#take(rule, `${key}:req`, perMinute * burst, perMinute, 1, 'requests', signal));
      }
      if (rule.tokens_per_minute !== undefined) {
        const perMinute = rule.tokens_per_minute;
        const capacity = perMinute * burst;
        // A request bigger than the whole bucket may still go when the bucket is full.
        const cost = Math.min(estimatedTokens, capacity);
        takes.push(this.#take(rule, `${key}:tok`, capacity, perMinute, cost, 'tokens', signal));
      }
    }
    await Promise.all(takes);
  }

  /** Tenants whose calls met a budget: the metrics report what is left of theirs. */
  readonly tenantsWithBudgets = new Set<string>();

  /**
   * The tenant's budgets with what is spent and left in the current window. Tenant-wide budgets
   * have one line; a budget per agent, principal or run has one per subject, so only its limit
   * is given (usage per subject: GET /api/v1/usage).
   */
  async budgetStatus(tenantId: string): Promise<BudgetStatus[]> {
    const { budgets } = await this.#rules(tenantId);
    const now = this.now();
    return Promise.all(
      budgets.map(async ({ budget, policy }) => {
        const usd = budget.unit === 'usd';
        const window = budget.window ?? (budget.scope === 'run' ? 'total' : 'day');
        let spent: number | null = null;
        if (budget.scope === 'tenant') {
          const key = `b:${tenantId}:${budget.name}:tenant:${tenantId}:${windowOf(window, now).label}`;
          const usage = await this.ledger.usage(key);
          spent = usd ? usage.spent / MICRO : usage.spent;
        }
        const remaining = spent === null ? null : Math.max(0, budget.limit - spent);
        return {
          policy,
          rule: budget.name,
          scope: budget.scope,
          window,
          limit_usd: usd ? budget.limit : null,
          limit_tokens: usd ? null : budget.limit,
          spent_usd: usd ? spent : null,
          spent_tokens: usd ? null : spent,
          remaining_usd: usd ? remaining : null,
          remaining_tokens: usd ? null : remaining,
        };
      }),
    );
  }

  async reserve(caller: GatewayCaller, estimate: SpendEstimate, signal: AbortSignal): Promise<SpendHold> {
    const { budgets } = await this.#rules(caller.tenantId);
    if (budgets.length === 0) return NO_HOLD;
    this.tenantsWithBudgets.add(caller.tenantId);
    const now = this.now();
    const tokens: Matched[] = [];
    const usd: Matched[] = [];
    for (const { budget, match } of budgets) {
      const subject = subjectOf(budget.scope, caller);
      if (subject === null || (match && !match.test(subject))) continue;
      const window = budget.window ?? (budget.scope === 'run' ? 'total' : 'day');
      const { label, resetAt } = windowOf(window, now);
      const micro = budget.unit === 'usd';
      const line: BudgetLine = {
        key: `b:${caller.tenantId}:${budget.name}:${budget.scope}:${subject}:${label}`,
        limit: Math.floor(micro ? budget.limit * MICRO : budget.limit),
        resetAt,
      };
      (micro ? usd : tokens).push({ budget, line, subject: `${budget.scope} ${subject}` });
    }
    const tokenAmount = Math.max(1, Math.ceil(estimate.tokens));
    // An unpriced estimate still holds a micro-dollar on USD budgets, so that the call's actual
    // cost (a priced fallback may answer) is settled against them.
    const usdAmount = Math.max(1, Math.ceil((estimate.usd ?? 0) * MICRO));
    const tokenHold = await this.#reserve(tokens, tokenAmount, signal);
    let usdHold: Reservation | null = null;
    try {
      usdHold = await this.#reserve(usd, usdAmount, signal);
    } catch (error) {
      if (tokenHold) void this.#finish(() => this.ledger.release(tokenHold));
      throw error;
    }
    let degrade: boolean;
    try {
      degrade = await this.#pastSoftLimit([...tokens, ...usd], signal);
    } catch (error) {
      const held = [tokenHold, usdHold].filter((hold): hold is Reservation => hold !== null);
      for (const hold of held) void this.#finish(() => this.ledger.release(hold));
      throw error;
    }
    let finished = false;
    return {
      degrade,
      settle: (actual) => {
        if (finished) return;
        finished = true;
        if (tokenHold) void this.#finish(() => this.ledger.settle(tokenHold, Math.ceil(actual.tokens)));
        if (usdHold) {
          const hold = usdHold;
          void this.#finish(() => this.ledger.settle(hold, Math.ceil((actual.usd ?? 0) * MICRO)));
        }
      },
      release: () => {
        if (finished) return;
        finished = true;
        if (tokenHold) void this.#finish(() => this.ledger.release(tokenHold));
        if (usdHold) {
          const hold = usdHold;
          void this.#finish(() => this.ledger.release(hold));
        }
      },
    };
  }

  async #reserve(matched: Matched[], amount: number, signal: AbortSignal): Promise<Reservation | null> {
    if (matched.length === 0) return null;
    const result = await this.ledger.reserve(
      matched.map((entry) => entry.line),
      amount,
      signal,
    );
    if (result.ok) return result.reservation;
    const over = matched.find((entry) => entry.line.key === result.line) ?? (matched[0] as Matched);
    throw budgetExceeded(over, result.used, result.resetAt, this.now());
  }

  async #pastSoftLimit(matched: Matched[], signal: AbortSignal): Promise<boolean> {
    const soft = matched.filter((entry) => entry.budget.soft_limit !== undefined);
    if (soft.length === 0) return false;
    const usages = await Promise.all(soft.map((entry) => this.ledger.usage(entry.line.key, signal)));
    return soft.some(
      (entry, index) =>
        (usages[index]?.spent ?? 0) + (usages[index]?.reserved ?? 0) >=
        (entry.budget.soft_limit ?? 1) * entry.line.limit,
    );
  }

  async #take(
    rule: RateLimit,
    key: string,
    capacity: number,
    perMinute: number,
    cost: number,
    unit: 'requests' | 'tokens',
    signal: AbortSignal,
  ): Promise<void> {
    const decision = await this.limiter.take(
      key,
      { capacity, refillPerSecond: perMinute / 60 },
      cost,
      signal,
    );
    if (decision.allowed) return;
    const retryAfterMs = decision.retryAfterMs === RETRY_NEVER ? 60_000 : decision.retryAfterMs;
    throw new GatewayError(
      429,
      {
        message: `rate limit "${rule.name}" (${rule.scope}) allows ${perMinute} ${unit} per minute; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
        type: 'rate_limit_error',
        code: 'rate_limit_exceeded',
      },
      {
        retryAfterMs,
        problem: {
          type: 'https://agenticai.dev/problems/rate-limit-exceeded',
          title: 'Rate limit exceeded',
          detail: `rate limit "${rule.name}" allows ${perMinute} ${unit} per minute`,
          rate_limit: rule.name,
          scope: rule.scope,
          unit,
          limit_per_minute: perMinute,
          retry_after_ms: retryAfterMs,
        },
      },
    );
  }

  async #finish(operation: () => Promise<boolean>): Promise<void> {
    try {
      await operation();
    } catch (error) {
      this.logger.error({ err: error }, 'budget settlement failed');
    }
  }

  async #rules(tenantId: string): Promise<Rules> {
    const policies = await this.policies(tenantId);
    let rules = this.#compiled.get(policies);
    if (!rules) {
      rules = { budgets: [], rateLimits: [] };
      for (const policy of policies) {
        for (const budget of policy.spec.budgets ?? [])
          rules.budgets.push({
            budget,
            match: budget.match ? compileGlob(budget.match) : null,
            policy: policy.name,
          });
        for (const rule of policy.spec.rate_limits ?? [])
          rules.rateLimits.push({ rule, match: rule.match ? compileGlob(rule.match) : null });
      }
      this.#compiled.set(policies, rules);
    }
    return rules;
  }
}

const NO_HOLD: SpendHold = { degrade: false, settle: () => undefined, release: () => undefined };

function subjectOf(scope: Budget['scope'] | RateLimit['scope'], caller: GatewayCaller): string | null {
  switch (scope) {
    case 'tenant':
      return caller.tenantId;
    case 'principal':
      return caller.principal;
    case 'agent':
      return caller.agent ?? null;
    case 'run':
      return caller.runId ?? null;
    default:
      return assertNever(scope);
  }
}

/** The window's label in keys and when it ends (UTC calendar days and months). */
function windowOf(window: BudgetWindow, now: number): { label: string; resetAt: number } {
  const date = new Date(now);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  switch (window) {
    case 'day':
      return {
        label: date.toISOString().slice(0, 10),
        resetAt: Date.UTC(year, month, date.getUTCDate() + 1),
      };
    case 'month':
      return { label: date.toISOString().slice(0, 7), resetAt: Date.UTC(year, month + 1, 1) };
    case 'total':
      return { label: 'total', resetAt: Number.POSITIVE_INFINITY };
    default:
      return assertNever(window);
  }
}

function budgetExceeded(over: Matched, used: number, resetAt: number, now: number): GatewayError {
  const { budget } = over;
  const usd = budget.unit === 'usd';
  const show = (amount: number) => (usd ? `$${(amount / MICRO).toFixed(4)}` : `${amount} tokens`);
  const resets = Number.isFinite(resetAt) ? new Date(resetAt).toISOString() : null;
  return new GatewayError(
    429,
    {
      message: `budget "${budget.name}" (${over.subject}) is spent: ${show(used)} of ${show(over.line.limit)} used${resets ? `; it resets at ${resets}` : ''}`,
      type: 'rate_limit_error',
      code: 'budget_exceeded',
    },
    {
      ...(resets ? { retryAfterMs: Math.max(1_000, resetAt - now) } : {}),
      problem: {
        type: 'https://agenticai.dev/problems/budget-exceeded',
        title: 'Budget exceeded',
        detail: `budget "${budget.name}" has no room for this call`,
        budget: budget.name,
        scope: budget.scope,
        unit: budget.unit,
        limit: usd ? over.line.limit / MICRO : over.line.limit,
        used: usd ? used / MICRO : used,
        reset_at: resets,
      },
    },
  );
}
