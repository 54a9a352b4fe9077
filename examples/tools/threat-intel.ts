/**
 * Threat-intel tool server (seed 004 §13's IP-reputation tool): `ip_reputation` over a local data
 * file. A real deployment would call a reputation API with ctx.secrets.get('THREAT_INTEL_KEY');
 * here the key is only checked for, so the platform's secret injection is visible end to end.
 *
 *   node --import tsx examples/tools/threat-intel.ts [--port 7101]
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { defineTool, serveTools } from '../../src/sdk/index.ts';
import { portArgument, readyLine } from './serve-support.ts';

type Reputation = { score: number; verdict: string; tags: string[]; first_seen: string };
const data = JSON.parse(readFileSync(new URL('./reputation.json', import.meta.url), 'utf8')) as Record<
  string,
  Reputation
>;

export const ipReputation = defineTool({
  name: 'ip_reputation',
  description:
    'Threat reputation of an IPv4 address: a 0-100 risk score, a verdict and tags from the intel feed',
  input: z.object({ ip: z.ipv4().describe('The address to look up') }),
  annotations: { readOnly: true, idempotent: true, openWorld: true },
  run(ctx, { ip }) {
    // The feed's API key arrives with each call (ToolServer `secrets`); without it, the lookup is refused.
    ctx.secrets.get('THREAT_INTEL_KEY');
    const found = data[ip];
    return found ? { ip, ...found } : { ip, score: 0, verdict: 'unknown', tags: [], first_seen: null };
  },
});

if (import.meta.url === `file://${process.argv[1]}`) {
  const served = await serveTools([ipReputation], {
    name: 'threat-intel',
    port: portArgument(7101),
    secrets: process.env.THREAT_INTEL_KEY ? { THREAT_INTEL_KEY: process.env.THREAT_INTEL_KEY } : {},
  });
  readyLine('threat-intel', served.url);
}
