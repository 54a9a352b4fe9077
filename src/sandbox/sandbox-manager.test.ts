import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BubblewrapSandboxDriver } from './bubblewrap-driver.ts';
import { detectCgroups } from './cgroups.ts';
import { SandboxLimitsSchema } from './driver.ts';
import { SandboxManager } from './sandbox-manager.ts';

/** The manager over the real bubblewrap driver: pool hand-out, tenancy, egress policy, TTL. */
describe.skipIf(!existsSync('/usr/bin/bwrap'))('SandboxManager', () => {
  let root: string;
  let now = Date.parse('2026-01-01T00:00:00Z');
  let manager: SandboxManager;
  const allowed: Record<string, string[]> = { acme: ['pypi.org:443'] };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sbx-manager-'));
    chmodSync(root, 0o711);
    const driver = new BubblewrapSandboxDriver({ root, cgroups: await detectCgroups() });
    manager = new SandboxManager({
      driver: Promise.resolve({ driver, reason: 'bubblewrap' }),
      defaults: SandboxLimitsSchema.parse({}),
      poolSize: 2,
      idleTtlMs: 60_000,
      maxLifetimeMs: 300_000,
      clock: { now: () => new Date(now) },
      logger: pino({ level: 'silent' }),
      egressPolicy: async (tenantId) => allowed[tenantId] ?? [],
    });
  });

  afterAll(async () => {
    await manager?.close();
    rmSync(root, { recursive: true, force: true });
  });

  async function poolFull(): Promise<void> {
    for (let i = 0; i < 200 && (await manager.driver()).pool < 2; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect((await manager.driver()).pool).toBe(2);
  }

  it('hands each pooled sandbox out once and never takes one back', async () => {
    await poolFull();
    const first = await manager.create({ tenantId: 'acme', owner: 'alice' });
    const second = await manager.create({ tenantId: 'globex', owner: 'bob' });
    expect(first.pooled && second.pooled).toBe(true);
    expect(first.id).not.toBe(second.id);
    await manager.destroy('acme', first.id);
    await poolFull();
    const third = await manager.create({ tenantId: 'acme', owner: 'alice' });
    expect([first.id, second.id]).not.toContain(third.id);
    // A destroyed sandbox's workspace is gone from the disk.
    expect(existsSync(join(root, first.id))).toBe(false);
    await manager.destroy('globex', second.id);
    await manager.destroy('acme', third.id);
  });

  it("answers another tenant's sandbox as not found", async () => {
    const mine = await manager.create({ tenantId: 'acme', owner: 'alice' });
    expect(() => manager.get('globex', mine.id)).toThrow(/not found/);
    await expect(manager.exec('globex', mine.id, ['true'])).rejects.toThrow(/not found/);
    await manager.destroy('acme', mine.id);
  });

  it('grants only the egress the tenant policy lists', async () => {
    await expect(
      manager.create({ tenantId: 'globex', owner: 'bob', egress: ['pypi.org:443'] }),
    ).rejects.toThrow(/not allowed by policy/);
    const allowedBox = await manager.create({ tenantId: 'acme', owner: 'alice', egress: ['PyPI.org:443'] });
    expect(allowedBox.egress).toEqual(['pypi.org:443']);
    expect(allowedBox.pooled).toBe(false);
    await manager.destroy('acme', allowedBox.id);
  });

  it('keeps one sandbox per run and destroys it when the run ends', async () => {
    const [a, b] = await Promise.all([manager.session('acme', 'run-1'), manager.session('acme', 'run-1')]);
    expect(a.id).toBe(b.id);
    expect(a.egress).toEqual(['pypi.org:443']);
    expect(manager.sessionTenant('run-1')).toBe('acme');
    await manager.endRun('run-1');
    expect(manager.sessionTenant('run-1')).toBeUndefined();
    expect(() => manager.get('acme', a.id)).toThrow(/not found/);
  });

  it('extends the idle TTL on use, capped by the maximum lifetime', async () => {
    const box = await manager.create({ tenantId: 'acme', owner: 'alice' });
    const created = Date.parse(box.createdAt);
    expect(Date.parse(box.expiresAt)).toBe(created + 60_000);
    now += 50_000;
    await manager.exec('acme', box.id, ['true']);
    expect(Date.parse(manager.get('acme', box.id).expiresAt)).toBe(now + 60_000);
    now = created + 290_000;
    await manager.exec('acme', box.id, ['true']);
    expect(Date.parse(manager.get('acme', box.id).expiresAt)).toBe(created + 300_000);
    await manager.destroy('acme', box.id);
  });

  it('refuses an exec timeout above the sandbox limit before running anything', async () => {
    const box = await manager.create({ tenantId: 'acme', owner: 'alice', limits: { timeoutMs: 1000 } });
    await expect(manager.exec('acme', box.id, ['true'], { timeoutMs: 5000 })).rejects.toThrow(
      /may not exceed/,
    );
    await manager.destroy('acme', box.id);
  });
});

describe('SandboxManager without a driver', () => {
  it('refuses with the reason, never running anything', async () => {
    const manager = new SandboxManager({
      driver: Promise.resolve({
        driver: null,
        reason: 'no sandbox driver works on this host (bwrap: not installed)',
      }),
      defaults: SandboxLimitsSchema.parse({}),
      poolSize: 2,
      idleTtlMs: 60_000,
      maxLifetimeMs: 300_000,
      clock: { now: () => new Date() },
      logger: pino({ level: 'silent' }),
      egressPolicy: async () => [],
    });
    await expect(manager.create({ tenantId: 'acme', owner: 'alice' })).rejects.toThrow(
      /code execution is disabled: no sandbox driver works on this host/,
    );
    await manager.close();
  });
});
