import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxExecResultSchema, SandboxSchema } from '../../src/contracts/index.ts';
import { defaultSandboxRoot } from '../../src/sandbox/index.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { hostLeftovers, LOCAL_DRIVERS } from './sandbox-drivers.ts';

// The same containment through the public API: a sandbox made and used over HTTP by the platform
// with the driver `auto` picks here, the way an agent's code reaches it.

const anyDriver = LOCAL_DRIVERS.some((local) => local.unavailable === null);

describe.skipIf(!anyDriver)('sandbox escape through the HTTP API', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ sandboxDriver: 'auto', sandboxPoolSize: 0 });
  });

  afterAll(async () => {
    const root = platform ? defaultSandboxRoot(platform.dataDir) : undefined;
    await platform?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('runs code that cannot read /etc/shadow, then destroys the sandbox', async () => {
    expect(readFileSync('/etc/shadow', 'utf8').length).toBeGreaterThan(0);
    const created = await platform.request('POST', '/api/v1/sandboxes', { body: {} });
    expect(created.status, await created.clone().text()).toBe(201);
    const sandbox = SandboxSchema.parse(await created.json());
    expect(['gvisor', 'bubblewrap']).toContain(sandbox.driver);

    const executed = await platform.request('POST', `/api/v1/sandboxes/${sandbox.id}:exec`, {
      body: { command: ['python3', '-c', 'open("/etc/shadow")'] },
    });
    expect(executed.status, await executed.clone().text()).toBe(200);
    const result = SandboxExecResultSchema.parse(await executed.json());
    expect(result.outcome).toBe('completed');
    expect(result.exit_code).not.toBe(0);
    expect(result.exit_code).not.toBeNull();
    expect(result.stderr).toContain("FileNotFoundError: [Errno 2] No such file or directory: '/etc/shadow'");

    const deleted = await platform.request('DELETE', `/api/v1/sandboxes/${sandbox.id}`);
    expect(deleted.status).toBe(204);
    const gone = await platform.request('GET', `/api/v1/sandboxes/${sandbox.id}`);
    expect(gone.status).toBe(404);
    expect(hostLeftovers(defaultSandboxRoot(platform.dataDir), [sandbox.id])).toEqual({
      mounts: [],
      cgroups: [],
      containers: [],
      directories: [],
    });
  });
});
