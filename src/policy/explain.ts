import type { Decision } from '../contracts/index.ts';

/**
 * A decision as lines for people (`actl policy test`, the console): the effect and the rule that
 * made it, each gate, the constraints, every matched rule and every warning.
 */
export function explainDecision(decision: Decision): string[] {
  const lines = [
    `${decision.effect}${decision.rule ? ` by ${decision.rule}` : ''}: ${decision.reason ?? ''}`.trim(),
  ];
  for (const gate of decision.gates) {
    lines.push(
      `gate ${gate.rule}: ${gate.min_approvals} of ${gate.approvers.join(', ')} within ${gate.timeout_ms / 1000}s, else ${gate.on_timeout}`,
    );
  }
  const { blocked_tools, dry_run, max_tokens } = decision.constraints;
  if (blocked_tools.length > 0) lines.push(`blocked tools: ${blocked_tools.join(', ')}`);
  if (dry_run) lines.push('dry run');
  if (max_tokens !== undefined) lines.push(`max tokens: ${max_tokens}`);
  lines.push(`matched: ${decision.matched.length > 0 ? decision.matched.join(', ') : 'no rule'}`);
  for (const warning of decision.warnings) lines.push(`warning: ${warning}`);
  lines.push(`policies: ${decision.policies.length > 0 ? decision.policies.join(', ') : 'none'}`);
  return lines;
}
