/**
 * The security-operations scenario's three tool servers in one process, each on its own port:
 * threat intel, CMDB and firewall (test doubles of the real systems). `actl up` starts this with
 * `--exit-with-parent` when it loads the demo, and registers the servers at the addresses printed.
 *
 *   node --import tsx examples/tools/serve-secops.ts [--state ./.agenticai/secops/firewall.json]
 *
 * Prints one JSON line, {"threat-intel": URL, "cmdb": URL, "firewall": URL}, once all listen.
 */
import { serveTools } from '../../src/sdk/index.ts';
import { assetOwner } from './cmdb.ts';
import { firewallTools } from './firewall.ts';
import { argument, exitWithParent } from './serve-support.ts';
import { ipReputation } from './threat-intel.ts';

exitWithParent();
const [threatIntel, cmdb, firewall] = await Promise.all([
  serveTools([ipReputation], { name: 'threat-intel', port: 0 }),
  serveTools([assetOwner], { name: 'cmdb', port: 0 }),
  serveTools(firewallTools(argument('state') ?? './.agenticai/secops/firewall.json'), {
    name: 'firewall',
    port: 0,
  }),
]);
process.stdout.write(
  `${JSON.stringify({ 'threat-intel': threatIntel.url, cmdb: cmdb.url, firewall: firewall.url })}\n`,
);
