import type { AgentVersionStatus } from '../contracts/index.ts';
import { AppError } from '../core/index.ts';

/**
 * The legal moves of an agent version. A draft may change and be published; a published version
 * is immutable and may only be deprecated (unless it is the active one); a deprecated one stays so.
 */
export const VERSION_TRANSITIONS: Record<AgentVersionStatus, readonly AgentVersionStatus[]> = {
  draft: ['published'],
  published: ['deprecated'],
  deprecated: [],
};

export function assertTransition(from: AgentVersionStatus, to: AgentVersionStatus, version: number): void {
  if (!VERSION_TRANSITIONS[from].includes(to)) {
    throw new AppError('CONFLICT', `version ${version} is ${from} and cannot become ${to}`, {
      details: { from, to },
    });
  }
}
