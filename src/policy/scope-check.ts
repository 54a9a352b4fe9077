import type { CompiledScope } from './compiled.ts';
import { hostAllowed, hostOf, inCidrs, parseAddress } from './network.ts';

/**
 * Checks one scope rule against a tool call's arguments. Returns undefined if the call keeps to
 * the scope, else why not (naming the argument). A missing argument is a violation; a list is
 * checked element by element. Only own properties are followed, never the prototype chain.
 */
export function scopeViolation(scope: CompiledScope, args: Record<string, unknown>): string | undefined {
  let value: unknown = args;
  for (const key of scope.path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, key)) {
      return `argument ${scope.arg} is missing`;
    }
    value = (value as Record<string, unknown>)[key];
  }
  if (value === undefined || value === null) return `argument ${scope.arg} is missing`;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const problem = valueViolation(scope, value[index]);
      if (problem) return `argument ${scope.arg}[${index}] ${problem}`;
    }
    return undefined;
  }
  const problem = valueViolation(scope, value);
  return problem ? `argument ${scope.arg} ${problem}` : undefined;
}

function valueViolation(scope: CompiledScope, value: unknown): string | undefined {
  if (scope.cidrs) {
    const address = typeof value === 'string' ? parseAddress(value) : undefined;
    if (!address) return `(${shown(value)}) is not an IP address`;
    if (!inCidrs(address, scope.cidrs)) return `(${shown(value)}) is outside the allowed CIDRs`;
  }
  if (scope.hosts) {
    const host = typeof value === 'string' ? hostOf(value) : undefined;
    if (!host) return `(${shown(value)}) names no host`;
    if (!hostAllowed(host, scope.hosts)) return `host ${host} is not in the allowed hosts`;
  }
  if (scope.values && !scope.values.includes(value as string | number | boolean)) {
    return `(${shown(value)}) is not one of the allowed values`;
  }
  if (scope.pattern && (typeof value !== 'string' || !scope.pattern.test(value))) {
    return `(${shown(value)}) does not match the allowed pattern`;
  }
  if (scope.min !== undefined || scope.max !== undefined) {
    if (typeof value !== 'number' || Number.isNaN(value)) return `(${shown(value)}) is not a number`;
    if (scope.min !== undefined && value < scope.min) return `(${value}) is below ${scope.min}`;
    if (scope.max !== undefined && value > scope.max) return `(${value}) is above ${scope.max}`;
  }
  return undefined;
}

/** A short rendering of an argument value for a reason (arguments may be long). */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : typeof value === 'object' ? 'an object' : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
