import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision, PolicyEvaluation } from '../../src/contracts/index.ts';
import { childStore, remotePlatform } from '../support/actl-platform.ts';
import { type ActlProcess, freePort, startActl, waitForOk } from '../support/cli.ts';
import { TEST_DATABASE_URL } from '../support/env.ts';
import { applyAs, echoFlow, isolatedTenant, policyManifest } from '../support/governance.ts';
import { sendTo } from '../support/http.ts';
import type { TestPlatform } from '../support/platform.ts';
import { getRun, startRun, waitForStatus } from '../support/runs.ts';

/**
 * Policy hot reload across real replicas on one PostgreSQL: a Policy applied, changed or deleted
 * through replica A is what replica B decides with (its policy:evaluate, and the runs its worker
 * executes) soon after, without a restart. B compiled and cached the tenant's policies before each
 * change, so what it sees comes from the NOTIFY on the policies channel.
 */
const KEY = `ak_${randomBytes(24).toString('base64url')}`;

/** The echo call a run of `wf` with input "goodbye" makes, as policy:evaluate takes it. */
const GOODBYE_CALL = {
  action: 'tool_call',
  tool: { name: 'echo', args: { text: 'goodbye' } },
  principal: { name: 'admin', kind: 'user', roles: ['admin'], groups: [] },
  agent: { name: 'wf', version: 1 },
} as const;

describe.skipIf(!TEST_DATABASE_URL)(
  'policy hot reload across two actl serve replicas',
  { timeout: 120_000 },
  () => {
    const store = childStore('govreplicas');
    const dataDir = mkdtempSync(join(tmpdir(), 'agenticai-govreplicas-'));
    const processes: ActlProcess[] = [];
    /** A: API only. B: API and workers, so every run executes on B. */
    let a: TestPlatform;
    let b: TestPlatform;
    let admin = '';

    beforeAll(async () => {
      const [portA, portB] = [await freePort(), await freePort()];
      const env = { AGENTICAI_BOOTSTRAP_ADMIN_KEY: KEY, AGENTICAI_LOG_LEVEL: 'warn', ...store.env };
      const replicaA = startActl(['serve', '--port', String(portA), '--data-dir', dataDir], {
        env: { ...env, AGENTICAI_WORKERS: 'false' },
      });
      const replicaB = startActl(['serve', '--port', String(portB), '--data-dir', dataDir], {
        env: { ...env, AGENTICAI_WORKER_POLL_MS: '200' },
      });
      processes.push(replicaA, replicaB);
      const alive = (p: ActlProcess) => () => p.child.exitCode === null && p.child.signalCode === null;
      try {
        await waitForOk(`http://127.0.0.1:${portA}/readyz`, 60_000, alive(replicaA));
        await waitForOk(`http://127.0.0.1:${portB}/readyz`, 60_000, alive(replicaB));
      } catch (error) {
        throw new Error(
          `${(error as Error).message}\nA:\n${replicaA.stderr()}${replicaA.stdout()}\nB:\n${replicaB.stderr()}${replicaB.stdout()}`,
        );
      }
      a = remotePlatform(`http://127.0.0.1:${portA}`, KEY, dataDir);
      b = remotePlatform(`http://127.0.0.1:${portB}`, KEY, dataDir);
      ({ admin } = await isolatedTenant(a));
      await applyAs(a, admin, [echoFlow('wf')]);
    }, 120_000);

    afterAll(async () => {
      for (const process of processes) process.kill();
      await Promise.all(processes.map((p) => p.exited));
      await store.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    async function decisionOn(t: TestPlatform): Promise<Decision> {
      // Stored policies: no inline `policies` in the body.
      const reply = await sendTo<PolicyEvaluation>(t, 'POST', '/api/v1/policy:evaluate', {
        apiKey: admin,
        body: { request: GOODBYE_CALL },
      });
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      return reply.body.decision;
    }

    /**
     * Makes `change` through A while B is polled without pause (from before the change is sent, so
     * B's loads race the NOTIFY), until B's decision satisfies `changed`. Logs when B first decided
     * anew, measured from the moment A answered (negative: B had it before A's answer arrived). The
     * deadline is a hang guard only: the latency is reported, never asserted.
     */
    async function changeThroughA(
      label: string,
      change: () => Promise<void>,
      changed: (d: Decision) => boolean,
    ): Promise<Decision> {
      let abandoned = false;
      const sentAt = performance.now();
      const watch = (async () => {
        let polls = 0;
        for (;;) {
          const decision = await decisionOn(b);
          polls += 1;
          if (changed(decision)) return { decision, at: performance.now(), polls };
          if (abandoned) throw new Error(`the ${label} through replica A failed`);
          if (performance.now() - sentAt > 30_000) {
            throw new Error(`replica B still decides ${JSON.stringify(decision)} 30 s after the ${label}`);
          }
        }
      })();
      let answeredAt: number;
      try {
        await change();
        answeredAt = performance.now();
      } catch (error) {
        // Never leave the poller running on a failed change.
        abandoned = true;
        await watch.catch(() => undefined);
        throw error;
      }
      const seen = await watch;
      console.log(
        `[bench] policy hot reload (${label}): replica B decided anew ${(seen.at - answeredAt).toFixed(1)} ms after replica A answered (${(seen.at - sentAt).toFixed(1)} ms after the request was sent; ${seen.polls} polls of B)`,
      );
      return seen.decision;
    }

    async function runOnB(input: string) {
      const run = await startRun(a, 'wf', { input }, { apiKey: admin });
      return waitForStatus(b, run.id, ['completed', 'failed'], { apiKey: admin });
    }

    it('B follows a policy applied, changed and deleted through A, in evaluate and in runs', async () => {
      // Before: no policies. B has compiled (and cached) the tenant's empty policy set.
      expect(await decisionOn(b)).toMatchObject({ effect: 'allow', policies: [] });
      expect((await runOnB('goodbye')).status).toBe('completed');
      expect(await decisionOn(b)).toMatchObject({ effect: 'allow', policies: [] });

      // 1. A scope that only allows "hello": B denies "goodbye".
      const polite = policyManifest('live', {
        scopes: [{ name: 'polite', tool: 'echo', arg: 'text', values: ['hello'] }],
      });
      const denied = await changeThroughA(
        'apply',
        async () => void (await applyAs(a, admin, [polite])),
        (d) => d.effect !== 'allow',
      );
      expect(denied).toMatchObject({ effect: 'deny', rule: 'live/scopes/polite', policies: ['live@1'] });
      // A decides the same (it is where the change was made).
      expect(await decisionOn(a)).toMatchObject({ effect: 'deny', rule: 'live/scopes/polite' });

      // B's worker executes a run started on A under the new policy.
      const deniedRun = await runOnB('goodbye');
      expect(deniedRun.status, JSON.stringify(deniedRun.error)).toBe('failed');
      expect(deniedRun.status_reason).toBe('denied');
      expect(deniedRun.error?.message).toContain('live/scopes/polite');
      expect((await runOnB('hello')).status).toBe('completed');
      const audit = await sendTo<{ items: Array<{ action: string; decision: string; rule: string }> }>(
        b,
        'GET',
        `/api/v1/audit?run=${deniedRun.id}&limit=100`,
        { apiKey: admin },
      );
      expect(audit.body.items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            action: 'policy_decision',
            decision: 'deny',
            rule: 'live/scopes/polite',
          }),
        ]),
      );

      // 2. The scope widened to allow "goodbye" too: B allows it again, under version 2.
      const wider = policyManifest('live', {
        scopes: [{ name: 'polite', tool: 'echo', arg: 'text', values: ['hello', 'goodbye'] }],
      });
      const widened = await changeThroughA(
        'change',
        async () => void (await applyAs(a, admin, [wider])),
        (d) => d.effect === 'allow',
      );
      expect(widened).toMatchObject({ effect: 'allow', policies: ['live@2'] });
      expect(widened.matched).toContain('live/scopes/polite');
      const allowedRun = await runOnB('goodbye');
      expect(allowedRun.status, JSON.stringify(allowedRun.error)).toBe('completed');
      expect(allowedRun.output).toEqual({ text: 'goodbye' });

      // Put the deny back, so that the deletion has something to lift.
      const again = await changeThroughA(
        'second change',
        async () => void (await applyAs(a, admin, [polite])),
        (d) => d.effect !== 'allow',
      );
      expect(again).toMatchObject({
        effect: 'deny',
        policies: ['live@3'],
      });
      expect((await runOnB('goodbye')).status_reason).toBe('denied');

      // 3. Deleted through A: B has no policies for the tenant again.
      const lifted = await changeThroughA(
        'delete',
        async () => {
          const deleted = await sendTo(a, 'DELETE', '/api/v1/policies/live', { apiKey: admin });
          expect(deleted.status, JSON.stringify(deleted.body)).toBe(204);
        },
        (d) => d.effect === 'allow',
      );
      expect(lifted).toMatchObject({
        effect: 'allow',
        policies: [],
        matched: [],
      });
      const afterDelete = await runOnB('goodbye');
      expect(afterDelete.status, JSON.stringify(afterDelete.error)).toBe('completed');
      expect((await getRun(a, afterDelete.id, admin)).output).toEqual({ text: 'goodbye' });
    });
  },
);
