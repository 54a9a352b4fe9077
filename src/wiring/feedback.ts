import type { AuditLog } from '../audit/index.ts';
import type { Clock, IdGenerator } from '../core/index.ts';
import { type FeedbackAudit, type FeedbackMasking, FeedbackService } from '../feedback/index.ts';
import { PiiMasker } from '../guard/index.ts';
import { type Database, SqlFeedbackStore } from '../store/index.ts';

/** The tenant's PII masking (its policies' `pii_masking`), as governance masks runs. */
export interface TenantMasking {
  mask(tenantId: string, value: unknown): Promise<unknown>;
}

/**
 * Corrections are stored masked with the tenant's rules; exports are masked with the tenant's
 * rules and then every built-in detector, because they leave the platform as training data.
 */
function feedbackMasking(tenant: TenantMasking): FeedbackMasking {
  const everyDetector = new PiiMasker({});
  return {
    async forStorage(tenantId, text) {
      const masked = await tenant.mask(tenantId, text);
      return typeof masked === 'string' ? masked : String(masked);
    },
    async forExport(tenantId, value) {
      return everyDetector.maskValue(await tenant.mask(tenantId, value)) as typeof value;
    },
  };
}

/** Feedback changes as `feedback` audit records, the calling principal as the actor. */
function feedbackAudit(audit: AuditLog): FeedbackAudit {
  return {
    async record(tenantId, change, signal) {
      const { feedback } = change;
      await audit.append(
        tenantId,
        {
          actorType: 'principal',
          actor: change.principal,
          action: 'feedback',
          runId: feedback.runId,
          userId: change.principalId,
          input: {
            operation: change.operation,
            score: feedback.score,
            category: feedback.category,
            correction: feedback.correction,
          },
          metadata: { agent: feedback.agent, feedback_id: feedback.id },
        },
        signal,
      );
    },
  };
}

/** Feedback on runs and the preference datasets made from it. */
export function wireFeedback(
  database: Database,
  deps: { audit: AuditLog; guards: TenantMasking; clock: Clock; ids: IdGenerator },
): FeedbackService {
  return new FeedbackService({
    store: new SqlFeedbackStore(database.db, deps.ids),
    masking: feedbackMasking(deps.guards),
    audit: feedbackAudit(deps.audit),
    clock: deps.clock,
  });
}
