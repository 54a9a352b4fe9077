import type { Logger } from 'pino';
import type { AuditEntry, AuditLog } from '../audit/index.ts';
import type { Config } from '../config/index.ts';
import type { Clock, IdGenerator, Telemetry } from '../core/index.ts';
import type { IdentityTransactions } from '../identity/index.ts';
import {
  type ApprovalRecord,
  ApprovalService,
  type AuditDraft,
  type AuditSink,
  type DecisionInput,
  GovernanceService,
  type PrincipalDirectory,
} from '../orchestrator/index.ts';
import { evaluate } from '../policy/index.ts';
import type { PolicyService } from '../registry/index.ts';
import { type Cache, channelsFor, type Database, SqlApprovalStore } from '../store/index.ts';
import { WebhookApprovalNotifier } from './approval-webhook.ts';
import { AuditBatcher } from './audit-batcher.ts';
import { CachedDecisionPoint, TracedDecisionPoint, toDecisionRequest } from './decision-point.ts';
import { TenantGuards } from './guards.ts';
import { TenantPolicies } from './tenant-policies.ts';

const EXPIRY_SWEEP_MS = 5_000;

export interface GovernanceWiring {
  database: Database;
  cache: Cache;
  policies: PolicyService;
  identity: IdentityTransactions;
  audit: AuditLog;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  config: Config;
  telemetry: Telemetry;
}

/** Governance for runs: live policies, the PDP with quotas, guards, approvals, audit. */
export async function wireGovernance(deps: GovernanceWiring) {
  const tenantPolicies = new TenantPolicies(deps.policies, deps.logger);
  await tenantPolicies.listen(deps.database, channelsFor(deps.database.schema).policies);
  const guards = new TenantGuards(
    tenantPolicies,
    deps.config.piiHashKey ?? `agenticai:${deps.database.schema}`,
  );
  const decisions = new TracedDecisionPoint(
    new CachedDecisionPoint(tenantPolicies, deps.cache),
    deps.telemetry.tracer,
  );
  const approvalStore = new SqlApprovalStore(deps.database.db, deps.database.schema);
  const notifier = deps.config.approvalWebhookUrl
    ? new WebhookApprovalNotifier(
        deps.config.approvalWebhookUrl,
        deps.config.approvalWebhookSecret,
        deps.logger,
      )
    : undefined;

  const batcher = new AuditBatcher(deps.audit);
  const audit: AuditSink = {
    append: async (drafts: AuditDraft[]) => {
      const byTenant = new Map<string, AuditEntry[]>();
      for (const { tenantId, ...entry } of drafts) {
        // The tenant's own masking rules first; the audit log's default masker runs after.
        const masked = {
          ...entry,
          input: await guards.mask(tenantId, entry.input),
          output: await guards.mask(tenantId, entry.output),
          metadata: (await guards.mask(tenantId, entry.metadata)) as Record<string, unknown> | undefined,
        } as AuditEntry;
        byTenant.set(tenantId, [...(byTenant.get(tenantId) ?? []), masked]);
      }
      await Promise.all([...byTenant].map(([tenantId, entries]) => batcher.append(tenantId, entries)));
    },
  };
  const principals: PrincipalDirectory = {
    subject: async (tenantId, name) => {
      const found = await deps.identity.run(tenantId, ({ principals }) => principals.getByName(name));
      return found ? { name: found.name, kind: found.kind, roles: found.roles, groups: found.groups } : null;
    },
  };
  const onDecided = async (approval: ApprovalRecord, by: string) => {
    await audit.append([
      {
        tenantId: approval.tenantId,
        actorType: by.startsWith('system:') ? 'system' : 'principal',
        actor: by,
        runId: approval.runId ?? undefined,
        action: approval.status === 'approved' ? 'approval_grant' : 'approval_reject',
        decision: approval.status,
        rule: approval.rules.join(',') || approval.kind,
        tool: approval.tool,
        input: approval.arguments,
        metadata: { approval_id: approval.id, decisions: approval.decisions.length },
      },
    ]);
  };
  const approvals = new ApprovalService(approvalStore, deps.clock, notifier, onDecided);
  const governance = new GovernanceService({
    decisions,
    inspector: guards,
    masker: guards,
    audit,
    approvals: approvalStore,
    principals,
    notifier,
    clock: deps.clock,
    ids: deps.ids,
  });

  let sweeper: NodeJS.Timeout | undefined;
  /** The policy's effect and deciding rule for a call, without counting it against any quota. */
  const preview = async (tenantId: string, input: DecisionInput) => {
    const decision = evaluate(await tenantPolicies.get(tenantId), toDecisionRequest(tenantId, input));
    return { effect: decision.effect, rule: decision.rule };
  };
  return {
    governance,
    approvals,
    approvalStore,
    preview,
    notifier,
    guards,
    decisions,
    tenantPolicies,
    /** Expires approvals past their time, on every replica that runs workers (safe to overlap). */
    startExpirySweep() {
      sweeper = setInterval(() => {
        approvals
          .expireDue()
          .catch((error: unknown) => deps.logger.warn({ err: error }, 'approval expiry sweep failed'));
      }, EXPIRY_SWEEP_MS);
      sweeper.unref();
    },
    async close() {
      clearInterval(sweeper);
      notifier?.close();
      await tenantPolicies.close();
    },
  };
}
