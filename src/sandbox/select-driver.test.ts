import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { selectSandboxDriver } from './select-driver.ts';

const HAS_BWRAP = existsSync('/usr/bin/bwrap');

describe.skipIf(!HAS_BWRAP)('selectSandboxDriver', () => {
  const root = mkdtempSync(join(tmpdir(), 'sbx-select-'));
  // bwrap opens the sandbox folders as the unprivileged sandbox user: the root must be traversable.
  chmodSync(root, 0o711);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("cleans up after processes that are gone and leaves live processes' sandboxes alone", async () => {
    // pid 2^22 + 1 is above Linux's pid_max: never a live process.
    const dead = join(root, `p${4_194_305}`, 'sbx-left', 'workspace');
    const live = join(root, `p${process.ppid}`, 'sbx-in-use', 'workspace');
    mkdirSync(dead, { recursive: true });
    mkdirSync(live, { recursive: true });
    const selected = await selectSandboxDriver({ choice: 'bubblewrap', root, onEgress: () => {} });
    expect(selected.driver?.name, selected.reason).toBe('bubblewrap');
    expect(selected.reason).toMatch(/^bubblewrap \(probe ran in \d+ ms/);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(readdirSync(root).sort()).toEqual([`p${process.pid}`, `p${process.ppid}`].sort());
  });

  it('never rejects when two selections race over the same root', async () => {
    mkdirSync(join(root, `p${4_194_306}`, 'sbx-x', 'workspace'), { recursive: true });
    const both = await Promise.all([
      selectSandboxDriver({ choice: 'bubblewrap', root, onEgress: () => {} }),
      selectSandboxDriver({ choice: 'bubblewrap', root, onEgress: () => {} }),
    ]);
    for (const selected of both) expect(typeof selected.reason).toBe('string');
  });

  it('says sandboxes are off for none, and names what failed for a driver that cannot run', async () => {
    expect(await selectSandboxDriver({ choice: 'none', root, onEgress: () => {} })).toMatchObject({
      driver: null,
      reason: 'sandboxes are turned off (sandboxDriver: none)',
    });
    const k8s = await selectSandboxDriver({ choice: 'kubernetes', root, onEgress: () => {} });
    expect(k8s.driver).toBeNull();
    expect(k8s.reason).toMatch(
      /no sandbox driver works on this host \(kubernetes: sandboxKubernetes .* is not configured\)/,
    );
  });
});
