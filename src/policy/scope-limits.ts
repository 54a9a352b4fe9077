import type { CompiledPolicy } from './compiled.ts';

const MAX_LISTED = 12;

function list(items: readonly (string | number | boolean)[]): string {
  const shown = items.slice(0, MAX_LISTED).map(String).join(', ');
  return items.length > MAX_LISTED ? `${shown} (and ${items.length - MAX_LISTED} more)` : shown;
}

/**
 * The argument limits the policies' scope rules put on a tool, in words a model can follow
 * ("ip must be an address in 10.0.0.0/8, 192.168.0.0/16"): the tool gateway adds them to the
 * description the model sees, so it does not propose calls the PDP will refuse.
 */
export function scopeLimits(policies: readonly CompiledPolicy[], tool: string): string[] {
  const limits: string[] = [];
  for (const policy of policies)
    for (const scope of policy.scopes) {
      if (!scope.tool.test(tool)) continue;
      const parts: string[] = [];
      if (scope.cidrs) parts.push(`an address in ${list(scope.cidrs.map((cidr) => cidr.source))}`);
      if (scope.hosts) parts.push(`on host ${list(scope.hosts.map((host) => host.source))}`);
      if (scope.values) parts.push(`one of ${list(scope.values)}`);
      if (scope.pattern) parts.push(`matching ${scope.pattern.source}`);
      if (scope.min !== undefined && scope.max !== undefined)
        parts.push(`between ${scope.min} and ${scope.max}`);
      else if (scope.min !== undefined) parts.push(`at least ${scope.min}`);
      else if (scope.max !== undefined) parts.push(`at most ${scope.max}`);
      if (parts.length > 0) limits.push(`${scope.arg} must be ${parts.join(' and ')}`);
    }
  return [...new Set(limits)];
}

/** The pseudo-tool whose scope rules list where sandboxed code may connect (no call is named so). */
export const SANDBOX_EGRESS_TOOL = 'sandbox_egress';

/**
 * The `host:port` destinations the tenant's policies let sandboxes reach: the string `values` of
 * every scope rule on `sandbox_egress`, argument `destination`. None when no policy says so, so
 * egress is denied by default.
 */
export function sandboxEgressAllowlist(policies: readonly CompiledPolicy[]): string[] {
  const allowed = new Set<string>();
  for (const policy of policies)
    for (const scope of policy.scopes) {
      if (scope.arg !== 'destination' || !scope.tool.test(SANDBOX_EGRESS_TOOL)) continue;
      for (const value of scope.values ?? []) if (typeof value === 'string') allowed.add(value.toLowerCase());
    }
  return [...allowed];
}
