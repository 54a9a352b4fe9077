import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import { parseJson } from '../contracts/index.ts';
import { PACKAGE_ROOT } from '../core/index.ts';

/** The scenario's tool servers (test doubles of threat intel, CMDB and firewall), in one child process. */
export interface DemoToolServers {
  /** MCP endpoint of each, by ToolServer name. */
  urls: Record<string, string>;
  /** Where the firewall keeps its rules. */
  firewallState: string;
  close(): Promise<void>;
}

const SCRIPT = join(PACKAGE_ROOT, 'examples', 'tools', 'serve-secops.ts');
const START_TIMEOUT_MS = 30_000;

/**
 * Starts examples/tools/serve-secops.ts with `--exit-with-parent` (it stops when this process goes
 * away, even when killed) and waits for the line with its three addresses. Its firewall rules live
 * in the data directory, so they survive restarts like the runs that wrote them.
 */
export async function startDemoToolServers(dataDir: string, logger: Logger): Promise<DemoToolServers> {
  const firewallState = join(dataDir, 'secops', 'firewall.json');
  mkdirSync(join(dataDir, 'secops'), { recursive: true });
  // tsx resolves from the package root; the script's own imports are relative to it.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', SCRIPT, '--exit-with-parent', '--state', firewallState],
    { cwd: PACKAGE_ROOT, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-4_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await exited;
  };
  const lines = createInterface({ input: child.stdout });
  const first = new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    exited.then((code) =>
      reject(new Error(`the demo tool servers exited (code ${code}) before listening: ${stderr.trim()}`)),
    );
    setTimeout(
      () => reject(new Error(`the demo tool servers did not start within ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    ).unref();
  });
  try {
    const line = await first;
    const parsed = parseJson(line);
    if (!parsed.ok)
      throw new Error(`the demo tool servers printed ${line.slice(0, 200)}, not their addresses`);
    const urls = parsed.value as Record<string, string>;
    lines.close();
    // Later output (a tool's error) goes to the platform's log.
    child.stdout.resume();
    child.stderr.on('data', (text: string) => logger.warn({ toolServers: 'demo' }, text.trim()));
    logger.info({ urls, firewallState }, 'demo tool servers started');
    return { urls, firewallState, close };
  } catch (error) {
    await close();
    throw error;
  }
}
