/**
 * Firewall tool server: `block_ip`, `unblock_ip` and `list_blocked` over a local state file (a
 * test double of a real firewall's API). Blocking is destructive and idempotent: blocking an
 * address that is already blocked changes nothing and says so, so a retried call is harmless.
 *
 *   node --import tsx examples/tools/firewall.ts [--port 7103] [--state ./.agenticai/firewall.json]
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { defineTool, serveTools, ToolError } from '../../src/sdk/index.ts';
import { argument, portArgument, readyLine } from './serve-support.ts';

type Rule = { ip: string; reason: string; blocked_at: string; ticket: string | null };

/** The firewall's rules in a JSON file, rewritten whole (write then rename) on every change. */
export function firewallTools(statePath: string) {
  const read = (): Rule[] =>
    existsSync(statePath) ? (JSON.parse(readFileSync(statePath, 'utf8')) as { rules: Rule[] }).rules : [];
  const write = (rules: Rule[]) => {
    mkdirSync(dirname(statePath), { recursive: true });
    writeFileSync(`${statePath}.tmp`, JSON.stringify({ rules }, null, 2));
    renameSync(`${statePath}.tmp`, statePath);
  };
  const blockIp = defineTool({
    name: 'block_ip',
    description:
      'Blocks an IPv4 address at the perimeter firewall (inbound and outbound). Idempotent: an address already blocked stays blocked.',
    input: z.object({
      ip: z.ipv4().describe('The address to block'),
      reason: z.string().min(3).max(500).describe('Why, for the change log'),
      ticket: z.string().max(64).optional().describe('The incident or change ticket'),
    }),
    annotations: { destructive: true, idempotent: true },
    run(_ctx, { ip, reason, ticket }) {
      const rules = read();
      const existing = rules.find((rule) => rule.ip === ip);
      if (existing) return { ip, blocked: true, changed: false, since: existing.blocked_at };
      const rule = { ip, reason, blocked_at: new Date().toISOString(), ticket: ticket ?? null };
      write([...rules, rule]);
      return { ip, blocked: true, changed: true, since: rule.blocked_at };
    },
  });
  const unblockIp = defineTool({
    name: 'unblock_ip',
    description: 'Removes the block of an IPv4 address',
    input: z.object({ ip: z.ipv4() }),
    annotations: { destructive: true, idempotent: true },
    run(_ctx, { ip }) {
      const rules = read();
      if (!rules.some((rule) => rule.ip === ip)) throw new ToolError(`${ip} is not blocked`);
      write(rules.filter((rule) => rule.ip !== ip));
      return { ip, blocked: false };
    },
  });
  const listBlocked = defineTool({
    name: 'list_blocked',
    description: 'The addresses the firewall blocks, with reason and time',
    input: z.object({}),
    annotations: { readOnly: true, idempotent: true },
    run: () => ({ rules: read() }),
  });
  return [blockIp, unblockIp, listBlocked];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const served = await serveTools(firewallTools(argument('state') ?? './.agenticai/firewall.json'), {
    name: 'firewall',
    port: portArgument(7103),
  });
  readyLine('firewall', served.url);
}
