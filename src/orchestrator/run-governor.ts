import type { StepOptions } from '../runtime/index.ts';
import { RunPaused } from '../runtime/index.ts';
import { GovernanceStop } from './errors.ts';
import type { GovernedCall, RunGovernance } from './governance.ts';

/** What a step runs after governance: the call (with constraints), or a substitute result. */
export interface Decided {
  dryRun: boolean;
  maxTokens?: number;
  substitute?: unknown;
  denied?: boolean;
}

/**
 * The run context's side of governance: turns outcomes into what a step does (run, substitute,
 * pause, end) and tells SSE clients with `governance_intervention` events.
 */
export class RunGovernor {
  constructor(
    private readonly governance: RunGovernance,
    private readonly intervene: (data: Record<string, unknown>) => Promise<void>,
  ) {}

  /**
   * Asks governance before a call. Returns what to run: the call (with constraints), or a
   * substitute result (denied with a way to tell the runtime, or a dry run). Pauses or ends the
   * run by throwing.
   */
  async decide(
    call: GovernedCall,
    options: StepOptions,
  ): Promise<{ dryRun: boolean; maxTokens?: number; substitute?: unknown; denied?: boolean }> {
    const outcome = await this.governance.check(call);
    const where = { step: call.stepKey, tool: call.name };
    switch (outcome.kind) {
      case 'allow': {
        if (!outcome.dryRun || call.kind !== 'tool_call') {
          return {
            dryRun: false,
            ...(outcome.maxTokens !== undefined ? { maxTokens: outcome.maxTokens } : {}),
          };
        }
        await this.intervene({ rule: 'constraints', decision: 'dry_run', ...where });
        const note = `dry run: ${call.name} was not called`;
        return {
          dryRun: true,
          substitute: options.substitute ? options.substitute(note, false) : { dry_run: true },
        };
      }
      case 'deny': {
        await this.intervene({ rule: outcome.rule, decision: 'deny', reason: outcome.reason, ...where });
        const message = `${call.name} denied by policy rule ${outcome.rule}: ${outcome.reason}`;
        if (!options.substitute) throw new GovernanceStop('denied', message);
        return { dryRun: false, denied: true, substitute: options.substitute(message, true) };
      }
      case 'pause':
        await this.intervene({
          rule: outcome.rules.join(',') || 'approval',
          decision: 'require_approval',
          reason: outcome.reason,
          approval_id: outcome.approvalId,
          ...where,
        });
        throw new RunPaused('approval', {
          ...where,
          approval_id: outcome.approvalId,
          reason: outcome.reason,
        });
      case 'rejected':
        await this.intervene({ rule: 'approval', decision: 'rejected', reason: outcome.reason, ...where });
        throw new GovernanceStop('rejected', outcome.reason);
      default:
        throw new Error('unknown governance outcome');
    }
  }

  /** Inspects a tool's output as it enters the context; flags taint the run, block ends it. */
  async inspectOutput(call: GovernedCall, output: unknown): Promise<void> {
    const inspection = await this.governance.inspect(output, 'tool', call.stepKey);
    if (!inspection.flagged) return;
    const reason = inspection.reasons.join('; ');
    await this.intervene({
      rule: 'injection',
      decision: inspection.block ? 'blocked' : 'flagged',
      reason,
      step: call.stepKey,
      tool: call.name,
    });
    if (inspection.block)
      throw new GovernanceStop('injection_blocked', `the output of ${call.name} was blocked: ${reason}`);
  }

  async inspectInput(input: unknown, replay: boolean): Promise<void> {
    const inspection = await this.governance.inspect(input, 'user', 'input', { replay });
    if (!inspection.flagged || replay) return;
    const reason = inspection.reasons.join('; ');
    await this.intervene({
      rule: 'injection',
      decision: inspection.block ? 'blocked' : 'flagged',
      reason,
      step: 'input',
    });
    if (inspection.block)
      throw new GovernanceStop('injection_blocked', `the run input was blocked: ${reason}`);
  }
}
