/** `npm run bench`: every benchmark in turn, each with its own anchor. */
import { spawnSync } from 'node:child_process';

const BENCHES = [
  ['bench/api-latency.ts'],
  ['bench/api-latency.ts', '--postgres'],
  ['bench/http-frameworks.ts'],
  ['bench/run-overhead.ts'],
  ['bench/pdp.ts'],
  ['bench/guard.ts'],
  ['bench/audit.ts', '--records=200000'],
  ['bench/gateway.ts'],
  ['bench/semantic-cache.ts'],
  ['bench/limits.ts'],
  ['bench/tools.ts'],
  ['bench/sandbox.ts'],
  ['bench/telemetry.ts'],
  ['bench/forecast.ts'],
  ['bench/knowledge.ts', '--chunks=20000'],
];

let failed = 0;
for (const args of BENCHES) {
  console.log(`\n### ${args.join(' ')}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', ...args], { stdio: 'inherit' });
  if (result.status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
