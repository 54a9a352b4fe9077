import { z } from 'zod';
import { API_VERSION, DurationSchema, ManifestMetaSchema, NameSchema } from './common.ts';
import { BudgetSchema, RateLimitSchema } from './gateway-limits.ts';
import { PRINCIPAL_KINDS } from './identity.ts';

/**
 * `kind: Policy`: who may call which tools and models (rbac), how much (quotas), with which
 * arguments (scopes), after whose approval (approval_gates), and how the guard masks PII and
 * screens prompt injection. Keys are snake_case, as policy YAML is written. The server compiles a
 * policy on apply (globs, CIDRs, CEL conditions) and rejects it with pointers into `spec`.
 */

export const RBAC_EFFECTS = ['allow', 'deny'] as const;
export type RbacEffect = (typeof RBAC_EFFECTS)[number];
export const QUOTA_SCOPES = ['tenant', 'agent', 'user', 'tool'] as const;
export type QuotaScope = (typeof QUOTA_SCOPES)[number];
export const QUOTA_WINDOWS = ['minute', 'day', 'month'] as const;
export type QuotaWindow = (typeof QUOTA_WINDOWS)[number];
export const QUOTA_UNITS = ['calls', 'tokens'] as const;
export type QuotaUnit = (typeof QUOTA_UNITS)[number];
export const POLICY_ACTIONS = ['tool_call', 'model_call'] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];
export const GATE_TIMEOUT_ACTIONS = ['reject', 'approve'] as const;
export type GateTimeoutAction = (typeof GATE_TIMEOUT_ACTIONS)[number];
export const DECISION_EFFECTS = ['allow', 'deny', 'require_approval'] as const;
export type DecisionEffect = (typeof DECISION_EFFECTS)[number];
export const PII_ACTIONS = ['mask', 'redact', 'hash', 'pseudonymize'] as const;
export type PiiAction = (typeof PII_ACTIONS)[number];
export const PII_DETECTORS = [
  'EMAIL',
  'PHONE',
  'IPV4',
  'IPV6',
  'CN_ID',
  'BANK_CARD',
  'IBAN',
  'AWS_ACCESS_KEY',
  'AWS_SECRET_KEY',
  'JWT',
  'PRIVATE_KEY',
  'API_TOKEN',
] as const;
export type PiiDetector = (typeof PII_DETECTORS)[number];
export const INJECTION_ACTIONS = ['block', 'flag', 'allow'] as const;
export const INJECTION_SOURCES = ['user', 'tool', 'retrieval'] as const;
export const CLASSIFIER_MODES = ['add', 'replace'] as const;

const GlobSchema = z
  .string()
  .min(1, 'a glob must not be empty')
  .max(256)
  .describe('Glob: `*` any run of characters, `?` one character, `[a-z]` / `[!a-z]` a class');

const SubjectSchema = z
  .string()
  .regex(
    /^(\*|(role|group|principal|agent):\S+)$/,
    'a subject is "*" or role:NAME, group:NAME, principal:NAME or agent:NAME (NAME may be a glob)',
  )
  .describe(
    '`*` (everyone), `role:NAME`, `group:NAME`, `principal:NAME` or `agent:NAME`; NAME may be a glob',
  );

const ApproverSchema = z
  .string()
  .regex(/^(role|group|principal):[^\s*?]+$/, 'an approver is role:NAME, group:NAME or principal:NAME')
  .describe('`role:NAME`, `group:NAME` or `principal:NAME` of who may approve');

/** Rejects two rules of one section with the same name: decisions name rules by it. */
function uniqueNames(rules: readonly { name?: string | undefined }[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  rules.forEach((rule, index) => {
    if (rule.name === undefined) return;
    if (seen.has(rule.name)) {
      ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `duplicate rule name ${rule.name}` });
    }
    seen.add(rule.name);
  });
}

export const RbacConstraintsSchema = z
  .strictObject({
    blocked_tools: z
      .array(GlobSchema)
      .max(256)
      .optional()
      .describe('Tools the subjects must not call (and the runtime does not offer to the model)'),
    dry_run: z.boolean().optional().describe('Run matching calls in dry-run mode'),
    max_tokens: z.number().int().min(1).optional().describe('Upper bound on tokens per model call'),
  })
  .describe(
    'Limits merged over every matching allow rule: blocked tools united, dry_run OR-ed, the smallest max_tokens',
  );

export const RbacRuleSchema = z
  .strictObject({
    name: NameSchema.describe('Names the rule in decisions: `POLICY/rbac/NAME`'),
    effect: z.enum(RBAC_EFFECTS).describe('deny always wins over allow'),
    subjects: z
      .array(SubjectSchema)
      .min(1)
      .max(256)
      .describe('Whom the rule is about; any one matching is enough'),
    tools: z.array(GlobSchema).max(256).optional().describe('Tool names the rule covers'),
    models: z
      .array(GlobSchema)
      .max(256)
      .optional()
      .describe('Models the rule covers, as `BACKEND/MODEL` (e.g. `openai/gpt-4o*`)'),
    constraints: RbacConstraintsSchema.optional(),
  })
  .refine((rule) => rule.tools !== undefined || rule.models !== undefined, {
    message: 'a rule needs tools or models',
    path: ['tools'],
  })
  .describe(
    'Deny-overrides over all rules of all policies. Once any allow rule names tools (models), a tool (model) call that matches no allow rule is denied; with none, calls are allowed by default',
  );
export type RbacRule = z.infer<typeof RbacRuleSchema>;

export const QuotaRuleSchema = z
  .strictObject({
    name: NameSchema.describe('Names the rule in decisions and counter keys'),
    scope: z
      .enum(QUOTA_SCOPES)
      .describe('Whose usage is counted: one counter per tenant, agent, user or tool'),
    match: GlobSchema.optional().describe(
      'Only scope values (tenant, agent, user or tool names) matching this glob',
    ),
    action: z
      .enum(POLICY_ACTIONS)
      .optional()
      .describe('Count only this kind of call; default both (tokens are counted on model calls only)'),
    tokens_per_day: z.number().int().min(1).optional().describe('Model tokens per calendar day (UTC)'),
    tokens_per_month: z.number().int().min(1).optional().describe('Model tokens per calendar month (UTC)'),
    calls_per_minute: z.number().int().min(1).optional().describe('Calls per minute'),
  })
  .refine(
    (rule) =>
      rule.tokens_per_day !== undefined ||
      rule.tokens_per_month !== undefined ||
      rule.calls_per_minute !== undefined,
    { message: 'a quota needs tokens_per_day, tokens_per_month or calls_per_minute', path: ['name'] },
  )
  .refine(
    (rule) =>
      rule.scope !== 'tool' || (rule.tokens_per_day === undefined && rule.tokens_per_month === undefined),
    {
      message: 'tools spend no tokens: a tool-scoped quota takes calls_per_minute only',
      path: ['scope'],
    },
  )
  .describe('A limit the server counts; over it, the call is denied naming this rule');
export type QuotaRule = z.infer<typeof QuotaRuleSchema>;

export const ScopeRuleSchema = z
  .strictObject({
    name: NameSchema.optional().describe('Names the rule in decisions (default: its index)'),
    tool: GlobSchema.describe('Tools whose argument is constrained'),
    arg: z
      .string()
      .regex(
        /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/,
        'arg is an argument name or a dotted path such as target.ip',
      )
      .describe(
        'Argument name or dotted path; a missing argument is a violation; in a list, every element must pass',
      ),
    cidrs: z
      .array(z.string())
      .min(1)
      .max(1024)
      .optional()
      .describe('The value must be an IPv4 / IPv6 address inside one of these CIDRs'),
    hosts: z
      .array(z.string())
      .min(1)
      .max(1024)
      .optional()
      .describe(
        'The value (URL or host name) must have one of these hosts: exact, or `*.example.com` for any subdomain',
      ),
    values: z
      .array(z.union([z.string(), z.number(), z.boolean()]))
      .min(1)
      .max(1024)
      .optional()
      .describe('The value must equal one of these'),
    pattern: z.string().max(1024).optional().describe('The whole value must match this regular expression'),
    min: z.number().optional().describe('The value must be a number ≥ min'),
    max: z.number().optional().describe('The value must be a number ≤ max'),
  })
  .refine(
    (rule) =>
      [rule.cidrs, rule.hosts, rule.values, rule.pattern, rule.min, rule.max].some((v) => v !== undefined),
    { message: 'a scope needs cidrs, hosts, values, pattern, min or max', path: ['arg'] },
  )
  .describe('Constrains one argument of matching tools; all given checks must hold, else the call is denied');
export type ScopeRule = z.infer<typeof ScopeRuleSchema>;

export const ApprovalGateSchema = z
  .strictObject({
    name: NameSchema.optional().describe('Names the gate in decisions (default: its index)'),
    tool_pattern: GlobSchema.describe('Tools the gate covers'),
    condition: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .describe(
        'CEL over input, tool, run, principal, agent, e.g. `input.cmd.contains("rm")`; "always" or absent: every call. A condition that fails to evaluate counts as matching',
      ),
    approvers: z.array(ApproverSchema).min(1).max(64).describe('Who may approve'),
    min_approvals: z.number().int().min(1).max(16).default(1).describe('Approvals needed'),
    timeout: DurationSchema.default('24h').describe('How long the request waits, e.g. 30m, 1h, 2d'),
    on_timeout: z
      .enum(GATE_TIMEOUT_ACTIONS)
      .default('reject')
      .describe('What happens when nobody decides in time'),
  })
  .describe('Calls matching the tool pattern and condition wait for human approval');
export type ApprovalGate = z.infer<typeof ApprovalGateSchema>;

function isRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

export const PiiMaskingSchema = z
  .strictObject({
    enabled: z.boolean().optional(),
    default_action: z.enum(PII_ACTIONS).optional().describe('Action for detected PII without its own'),
    detectors: z.array(z.enum(PII_DETECTORS)).optional().describe('Built-in detectors to run'),
    actions: z
      .partialRecord(z.enum(PII_DETECTORS), z.enum(PII_ACTIONS))
      .optional()
      .describe('Action per detector'),
    rules: z
      .array(
        z.strictObject({
          name: z
            .string()
            .regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/, 'a rule name is a letter, then letters, digits or "_"')
            .describe('Rule name, e.g. phone_number; reported as the entity type'),
          regex: z
            .string()
            .min(1)
            .max(1000)
            .refine(isRegex, 'not a valid regular expression')
            .describe(
              'RE2 syntax (no look-around or back-references), checked for catastrophic patterns on apply',
            ),
          action: z.enum(PII_ACTIONS),
        }),
      )
      .max(100)
      .optional()
      .describe('Custom patterns'),
  })
  .describe('How the guard masks personal data in prompts, tool results and outputs');
export type PiiMasking = z.infer<typeof PiiMaskingSchema>;

export const InjectionSchema = z
  .strictObject({
    enabled: z.boolean().optional(),
    action: z.enum(INJECTION_ACTIONS).optional().describe('What a detected injection does'),
    threshold: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('Score at or above which text counts as an injection'),
    sources: z.array(z.enum(INJECTION_SOURCES)).optional().describe('Which texts are screened'),
    classifier: z
      .strictObject({
        endpoint: z.url().describe('HTTP endpoint of an external classifier'),
        mode: z.enum(CLASSIFIER_MODES).optional().describe('add to the built-in detector, or replace it'),
        timeout_ms: z.number().int().min(1).max(60_000).optional(),
      })
      .optional(),
  })
  .describe('How the guard screens prompt injection');
export type Injection = z.infer<typeof InjectionSchema>;

export const PolicySpecSchema = z
  .strictObject({
    description: z.string().max(4096).optional(),
    rbac: z.array(RbacRuleSchema).max(1000).superRefine(uniqueNames).optional(),
    quotas: z.array(QuotaRuleSchema).max(1000).superRefine(uniqueNames).optional(),
    scopes: z.array(ScopeRuleSchema).max(1000).superRefine(uniqueNames).optional(),
    approval_gates: z.array(ApprovalGateSchema).max(1000).superRefine(uniqueNames).optional(),
    pii_masking: PiiMaskingSchema.optional(),
    injection: InjectionSchema.optional(),
    budgets: z.array(BudgetSchema).max(1000).superRefine(uniqueNames).optional(),
    rate_limits: z.array(RateLimitSchema).max(1000).superRefine(uniqueNames).optional(),
  })
  .describe('A policy document; all of a tenant’s policies apply together');
export type PolicySpec = z.infer<typeof PolicySpecSchema>;
export type PolicySpecInput = z.input<typeof PolicySpecSchema>;

export const PolicyManifestSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Policy'),
  metadata: ManifestMetaSchema,
  spec: PolicySpecSchema,
});
export type PolicyManifest = z.infer<typeof PolicyManifestSchema>;

/**
 * What the policy decision point is asked: one tool or model call about to happen. A plain object
 * schema (no refinements), so routes can `.omit()` / `.extend()` it.
 */
export const DecisionRequestSchema = z
  .strictObject({
    action: z.enum(POLICY_ACTIONS),
    tool: z
      .strictObject({
        name: z.string().min(1).max(253),
        args: z.record(z.string(), z.unknown()).describe('The call’s arguments (CEL `input`)'),
        destructive: z.boolean().optional().describe('The tool changes the world (from its registration)'),
      })
      .optional(),
    model: z.strictObject({ backend: z.string().min(1), name: z.string().min(1) }).optional(),
    principal: z.strictObject({
      name: z.string().min(1),
      kind: z.enum(PRINCIPAL_KINDS),
      roles: z.array(z.string()),
      groups: z.array(z.string()),
    }),
    agent: z.strictObject({ name: z.string().min(1), version: z.number().int() }),
    run: z
      .strictObject({
        id: z.string(),
        tainted: z.boolean(),
        taint_reasons: z.array(z.string()).optional(),
        steps: z.number().int().min(0),
      })
      .optional(),
    tenant: z.string().min(1),
  })
  .describe('A tool_call carries `tool`, a model_call `model`; the PDP denies one without it');
export type DecisionRequest = z.infer<typeof DecisionRequestSchema>;

export const DecisionGateSchema = z.strictObject({
  rule: z.string().describe('POLICY/approval_gates/NAME-or-INDEX, or @builtin/taint/destructive'),
  approvers: z.array(z.string()),
  min_approvals: z.number().int(),
  timeout_ms: z.number().int(),
  on_timeout: z.enum(GATE_TIMEOUT_ACTIONS),
  reason: z.string(),
});
export type DecisionGate = z.infer<typeof DecisionGateSchema>;

export const DecisionConstraintsSchema = z.strictObject({
  blocked_tools: z.array(z.string()).describe('Globs of tools the caller must not use'),
  dry_run: z.boolean(),
  max_tokens: z.number().int().optional(),
});
export type DecisionConstraints = z.infer<typeof DecisionConstraintsSchema>;

export const DecisionSchema = z.strictObject({
  effect: z.enum(DECISION_EFFECTS),
  rule: z.string().optional().describe('The rule that made the decision: POLICY/SECTION/NAME-or-INDEX'),
  reason: z.string().optional(),
  gates: z.array(DecisionGateSchema).describe('Every matching gate (require_approval)'),
  constraints: DecisionConstraintsSchema,
  matched: z.array(z.string()).describe('Every rule that matched, in evaluation order'),
  warnings: z.array(z.string()).describe('Conditions that failed to evaluate, and how they were treated'),
  policies: z.array(z.string()).describe('The policies consulted, as NAME@VERSION'),
});
export type Decision = z.infer<typeof DecisionSchema>;

/** A counter the server checks and increments for one request (see the policy docs). */
export const QuotaCounterSchema = z.strictObject({
  rule: z.string().describe('POLICY/quotas/NAME'),
  key: z.string().describe('Stable counter key: tenant, rule, scope value, unit and window (no time bucket)'),
  limit: z.number().int(),
  window: z.enum(QUOTA_WINDOWS),
  unit: z.enum(QUOTA_UNITS),
  scope: z.enum(QUOTA_SCOPES),
  value: z.string().describe('Whose usage: the tenant, agent, user or tool name'),
});
export type QuotaCounter = z.infer<typeof QuotaCounterSchema>;
