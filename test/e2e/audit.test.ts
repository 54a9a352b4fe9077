import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/index.ts';
import {
  type AuditRecord,
  AuditRecordSchema,
  type AuditVerification,
  type Page,
} from '../../src/contracts/index.ts';
import { systemClock, uuidv7Ids } from '../../src/core/index.ts';
import { SqlAuditStore } from '../../src/store/index.ts';
import { type ActlResult, runActl } from '../support/cli.ts';
import { expectProblem, sendTo, unique } from '../support/http.ts';
import { agentManifest, startTestPlatform, type TestPlatform } from '../support/platform.ts';

/**
 * The audit log through the real server and the real actl: admin changes are recorded, seeded
 * model and tool call records are queried and exported with filters, and a row changed behind the
 * append-only trigger is named by `actl audit verify` and `GET /api/v1/audit:verify`.
 */

type AuditPage = Page<AuditRecord>;

let t: TestPlatform;
let tenantId: string;
const run = unique('run');

const actl = (args: string[]) =>
  runActl(args, { env: { AGENTICAI_SERVER: t.url, AGENTICAI_API_KEY: t.adminKey } });

function expectExit(result: ActlResult, code: number): void {
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(code);
}

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

beforeAll(async () => {
  t = await startTestPlatform();
  tenantId = t.platform.bootstrap.tenant.id;
  // Until the run executor records its calls, seed them in-process against the same database.
  const seeder = new AuditLog(new SqlAuditStore(t.platform.database.db), {
    mask: (value) => value,
    clock: systemClock,
    ids: uuidv7Ids,
  });
  await seeder.appendBatch(tenantId, [
    {
      actorType: 'agent',
      actor: 'triage',
      action: 'llm_invoke',
      runId: run,
      tool: 'gpt-test',
      metadata: { input_tokens: 10, output_tokens: 3 },
    },
    {
      actorType: 'agent',
      actor: 'triage',
      action: 'tool_call',
      runId: run,
      tool: 'http_request',
      input: { url: 'https://example.com' },
    },
    {
      actorType: 'agent',
      actor: 'triage',
      action: 'policy_decision',
      runId: run,
      decision: 'allow',
      rule: 'default',
    },
    { actorType: 'agent', actor: 'other', action: 'tool_call', runId: 'another-run', tool: 'http_request' },
  ]);
});

afterAll(async () => {
  await t?.close();
});

describe('audit log', () => {
  it('records an admin change for an applied manifest and a deleted agent', async () => {
    const name = unique('audited');
    expect(
      (await sendTo(t, 'POST', '/api/v1/apply', { body: { items: [agentManifest(name)] } })).status,
    ).toBe(200);
    expect((await sendTo(t, 'DELETE', `/api/v1/agents/${name}`)).status).toBe(204);

    const reply = await sendTo<AuditPage>(t, 'GET', '/api/v1/audit?action=admin_change&limit=10');
    const changes = reply.body.items.map((r) => [r.actor_type, r.input, r.output]);
    expect(reply.status).toBe(200);
    expect(changes).toEqual([
      ['principal', { operation: 'delete', kind: 'Agent', name, path: `/api/v1/agents/${name}` }, null],
      [
        'principal',
        { operation: 'apply' },
        { items: [{ kind: 'Agent', name, action: 'created', version: 1 }] },
      ],
    ]);
  });

  it('records identity changes without their secrets, and not the start of a run', async () => {
    const name = unique('auditor');
    expect(
      (await sendTo(t, 'POST', '/api/v1/principals', { body: { name, roles: ['viewer'] } })).status,
    ).toBe(201);
    const created = await sendTo<{ key: string }>(t, 'POST', '/api/v1/api-keys', {
      body: { principal: name },
    });
    expect(created.status).toBe(201);
    const reply = await sendTo<AuditPage>(t, 'GET', '/api/v1/audit?action=admin_change&limit=2');
    expect(reply.body.items.map((r) => r.input)).toEqual([
      { operation: 'create', path: '/api/v1/api-keys' },
      { operation: 'create', path: '/api/v1/principals' },
    ]);
    expect(JSON.stringify(reply.body)).not.toContain(created.body.key);
  });

  it('filters by run, action and tool over HTTP and in actl audit query', async () => {
    const byRun = await sendTo<AuditPage>(t, 'GET', `/api/v1/audit?run=${run}`);
    const byTool = await sendTo<AuditPage>(t, 'GET', `/api/v1/audit?tool=http_request&action=tool_call`);
    const cli = await actl(['audit', 'query', '--run', run, '--action', 'llm_invoke', '-o', 'json']);

    expect(byRun.body.items.map((r) => r.action)).toEqual(['policy_decision', 'tool_call', 'llm_invoke']);
    expect(byTool.body.items.map((r) => r.run_id)).toEqual(['another-run', run]);
    expectExit(cli, 0);
    const page = JSON.parse(cli.stdout) as AuditPage;
    expect(page.items.map((r) => [r.tool, r.metadata])).toEqual([
      ['gpt-test', { input_tokens: 10, output_tokens: 3 }],
    ]);
  });

  it('answers a bad filter with a problem naming the field', async () => {
    const action = expectProblem(
      await sendTo(t, 'GET', '/api/v1/audit?action=bogus'),
      400,
      'INVALID_REQUEST',
    );
    const from = expectProblem(
      await sendTo(t, 'GET', '/api/v1/audit/export?from=yesterday'),
      400,
      'INVALID_REQUEST',
    );
    const range = expectProblem(
      await sendTo(t, 'GET', '/api/v1/audit?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z'),
      400,
      'INVALID_REQUEST',
    );

    expect(action.errors?.map((e) => e.pointer)).toEqual(['/query/action']);
    expect(from.errors?.map((e) => e.pointer)).toEqual(['/query/from']);
    expect(range.errors?.map((e) => e.pointer)).toEqual(['/query/to']);
  });

  it('exports matching records as JSON Lines, over HTTP and with actl audit export', async () => {
    const response = await t.request('GET', `/api/v1/audit/export?run=${run}`);
    const http = lines(await response.text()).map((line) => AuditRecordSchema.parse(JSON.parse(line)));
    const cli = await actl(['audit', 'export', '--tool', 'http_request']);

    expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(http.map((r) => r.action)).toEqual(['policy_decision', 'tool_call', 'llm_invoke']);
    expectExit(cli, 0);
    expect(lines(cli.stdout).map((line) => AuditRecordSchema.parse(JSON.parse(line)).run_id)).toEqual([
      'another-run',
      run,
    ]);
  });

  it('requires audit:read', async () => {
    const principal = unique('viewer');
    await sendTo(t, 'POST', '/api/v1/principals', { body: { name: principal, roles: ['viewer'] } });
    const key = await sendTo<{ key: string }>(t, 'POST', '/api/v1/api-keys', { body: { principal } });

    expectProblem(
      await sendTo(t, 'GET', '/api/v1/audit', { apiKey: key.body.key }),
      403,
      'PERMISSION_DENIED',
    );
    expectProblem(
      await sendTo(t, 'GET', '/api/v1/audit:verify', { apiKey: key.body.key }),
      403,
      'PERMISSION_DENIED',
    );
  });

  it('verifies the chain, then names a row changed behind the trigger (verify exits 1)', async () => {
    const before = await actl(['audit', 'verify']);
    expectExit(before, 0);
    expect(before.stdout).toMatch(/audit chain ok: \d+ records/);

    const [victim] = (await sendTo<AuditPage>(t, 'GET', `/api/v1/audit?run=${run}&action=tool_call`)).body
      .items;
    if (!victim) throw new Error('no record to tamper with');
    await t.platform.database.db.connection().execute(async (db) => {
      await sql`alter table audit_records disable trigger audit_records_no_update_delete`.execute(db);
      await sql`update audit_records set input = '{"url": "https://evil.example"}' where id = ${victim.id}`.execute(
        db,
      );
      await sql`alter table audit_records enable trigger audit_records_no_update_delete`.execute(db);
    });

    const http = await sendTo<AuditVerification>(t, 'GET', '/api/v1/audit:verify');
    const cli = await actl(['audit', 'verify']);

    expect(http.body).toMatchObject({
      ok: false,
      first_broken: { seq: victim.seq, id: victim.id, reason: 'content_hash_mismatch' },
    });
    expectExit(cli, 1);
    expect(cli.stderr).toContain(`audit chain BROKEN at seq ${victim.seq} (record ${victim.id})`);
  });
});
