import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firewallTools } from '../../examples/tools/firewall.ts';
import { ipReputation } from '../../examples/tools/threat-intel.ts';
import type { Approval } from '../../src/contracts/index.ts';
import { type ServedTools, serveTools } from '../../src/sdk/index.ts';
import { runActl } from '../support/cli.ts';
import { applyAs, isolatedTenant } from '../support/governance.ts';
import { type SendOptions, sendTo } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { keyWithRoles, waitUntil } from '../support/runs.ts';

/**
 * The MCP gateway at /mcp: the tenant's tools as one MCP server, for any MCP client (here the
 * official SDK's client, as Claude Desktop or an IDE would connect), with the platform's
 * governance: policy-filtered tools/list, approval gates that wait for a person, audit.
 */
let t: TestPlatform;
let admin: string;
let tenant: string;
let scratch: string;
let firewall: ServedTools;
let intel: ServedTools;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'agenticai-mcp-gw-'));
  firewall = await serveTools(firewallTools(join(scratch, 'fw.json')), { name: 'firewall' });
  intel = await serveTools([ipReputation], { name: 'threat-intel', secrets: { THREAT_INTEL_KEY: 'local' } });
  t = await startTestPlatform({ toolApprovalWaitMs: 4_000 });
  ({ admin, tenant } = await isolatedTenant(t));
  await applyAs(t, admin, [
    toolServer('firewall', firewall.url),
    toolServer('intel', intel.url),
    {
      apiVersion: 'agenticai.dev/v1alpha1',
      kind: 'Policy',
      metadata: { name: 'firewall-guard' },
      spec: {
        rbac: [
          {
            name: 'no-firewall-for-viewers',
            effect: 'deny',
            subjects: ['role:viewer'],
            tools: ['firewall__*'],
          },
        ],
        scopes: [
          {
            name: 'intel-targets',
            tool: 'intel__ip_reputation',
            arg: 'ip',
            cidrs: ['1.0.0.0/8', '203.0.113.0/24'],
          },
        ],
        approval_gates: [
          {
            name: 'firewall-block',
            tool_pattern: 'firewall__block_ip',
            condition: 'always',
            approvers: ['role:admin'],
            timeout: '1h',
          },
        ],
      },
    },
  ]);
  // Tool servers connect in the background: start once both servers' tools are in the catalog.
  await waitUntil(
    async () =>
      (
        await sendTo<{ items: Array<{ name: string }> }>(t, 'GET', '/api/v1/tools?type=mcp', {
          apiKey: admin,
        })
      ).body.items,
    (items) =>
      ['intel__ip_reputation', 'firewall__block_ip'].every((name) =>
        items.some((item) => item.name === name),
      ),
    (items) => `mcp tools so far: ${items.map((item) => item.name).join(', ')}`,
    20_000,
  );
}, 60_000);

afterAll(async () => {
  await t?.close();
  await Promise.all([firewall?.close(), intel?.close()]);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function toolServer(name: string, url: string) {
  return {
    apiVersion: 'agenticai.dev/v1alpha1',
    kind: 'ToolServer',
    metadata: { name },
    spec: { transport: 'streamable-http', url, internal: true },
  };
}

const send = <T = unknown>(method: string, path: string, options?: SendOptions) =>
  sendTo<T>(t, method, path, options);

async function connect(key: string): Promise<Client> {
  const client = new Client({ name: 'test-ide', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    }),
  );
  return client;
}

type CallResult = {
  content: Array<{ type: string; text?: string }>;
  isError?: boolean;
  structuredContent?: unknown;
};
const textOf = (result: CallResult) => result.content.map((part) => part.text ?? '').join('');

/** The pending approval of a call of `tool` with argument `reason` (addresses are masked in approvals). */
async function pendingApproval(tool: string, reason: string): Promise<Approval> {
  const matches = (item: Approval) =>
    item.tool === tool && (item.arguments as { reason?: string }).reason === reason;
  return waitUntil(
    async () =>
      (await send<{ items: Approval[] }>('GET', '/api/v1/approvals?status=pending', { apiKey: admin })).body
        .items,
    (items) => items.some(matches),
    () => `no pending approval for ${tool} (${reason})`,
    10_000,
  ).then((items) => items.find(matches) as Approval);
}

describe('the MCP gateway at /mcp', { timeout: 30_000 }, () => {
  it('refuses a client without a platform key', async () => {
    const response = await fetch(`${t.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(401);
  });

  it('lists the tenant’s tools for an MCP client, and calls one through the platform', async () => {
    const client = await connect(admin);
    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(['intel__ip_reputation', 'firewall__block_ip', 'echo']));
    expect(tools.find((tool) => tool.name === 'firewall__block_ip')?.annotations).toMatchObject({
      destructiveHint: true,
    });
    const result = (await client.callTool({
      name: 'intel__ip_reputation',
      arguments: { ip: '1.2.3.4' },
    })) as CallResult;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ score: 88, verdict: 'malicious' });
    const audited = await waitUntil(
      async () =>
        (
          await send<{ items: Array<{ tool: string; metadata: { direct?: boolean } }> }>(
            'GET',
            '/api/v1/audit?action=tool_call&tool=intel__ip_reputation',
            { apiKey: admin },
          )
        ).body.items,
      (items) => items.length > 0,
      () => 'the call’s audit record',
      5_000,
    );
    expect(audited[0]?.metadata.direct).toBe(true);
    await client.close();
  });

  it('hides the tools a principal’s policies deny, and refuses a call to them', async () => {
    const { key: viewer } = await keyWithRoles(t, ['viewer', 'developer'], tenant);
    const client = await connect(viewer);
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toContain('intel__ip_reputation');
    expect(names.some((name) => name.startsWith('firewall__'))).toBe(false);
    const refused = (await client.callTool({ name: 'firewall__list_blocked', arguments: {} })) as CallResult;
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/denied by policy rule firewall-guard\/rbac\/no-firewall-for-viewers/);
    await client.close();
  });

  it('holds a gated call until a person approves it, then returns the result', async () => {
    const client = await connect(admin);
    const call = client.callTool({
      name: 'firewall__block_ip',
      arguments: { ip: '203.0.113.9', reason: 'INC-7' },
    });
    const approval = await pendingApproval('firewall__block_ip', 'INC-7');
    expect(approval.run_id).toBeNull();
    expect(approval.step).toMatch(/^direct:/);
    const decided = await send('POST', `/api/v1/approvals/${approval.id}:approve`, {
      apiKey: admin,
      body: {},
    });
    expect(decided.status).toBe(200);
    const result = (await call) as CallResult;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ ip: '203.0.113.9', blocked: true, changed: true });
    await client.close();
  });

  it('answers with the approval’s id when nobody decides in time; the same call runs once approved, once', async () => {
    const client = await connect(admin);
    const args = { ip: '198.51.100.23', reason: 'scanner' };
    const waited = (await client.callTool({ name: 'firewall__block_ip', arguments: args })) as CallResult;
    expect(waited.isError).toBe(true);
    const id = /needs approval (\S+)/.exec(textOf(waited))?.[1];
    expect(id).toBeTruthy();
    await send('POST', `/api/v1/approvals/${id}:approve`, { apiKey: admin, body: {} });
    const approved = (await client.callTool({ name: 'firewall__block_ip', arguments: args })) as CallResult;
    expect(approved.structuredContent).toMatchObject({ blocked: true, changed: true });
    // The approval is spent: the same call again needs a new one (REST, which does not wait).
    const again = await send('POST', '/api/v1/tools/firewall__block_ip:invoke', {
      apiKey: admin,
      body: { arguments: args },
    });
    expect(again.status).toBe(403);
    expect((again.body as { code: string; detail: string }).code).toBe('APPROVAL_REQUIRED');
    expect((again.body as { detail: string }).detail).not.toContain(String(id));
    await client.close();
  });

  it('tells the caller when the approver rejects', async () => {
    const client = await connect(admin);
    const call = client.callTool({
      name: 'firewall__block_ip',
      arguments: { ip: '8.8.8.8', reason: 'oops' },
    });
    const approval = await pendingApproval('firewall__block_ip', 'oops');
    await send('POST', `/api/v1/approvals/${approval.id}:reject`, {
      apiKey: admin,
      body: { comment: 'public DNS' },
    });
    const result = (await call) as CallResult;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/was not approved: approval \S+ rejected/);
    await client.close();
  });

  it('takes a person through it with actl: the refusal names the approval, approving lets the call run once', async () => {
    const env = { AGENTICAI_SERVER: t.url, AGENTICAI_API_KEY: admin };
    const call = ['tools', 'invoke', 'firewall__block_ip', '--args', '{"ip":"203.0.113.77","reason":"cli"}'];
    const refused = await runActl(call, { env });
    expect(refused.code).toBe(4);
    const id = /needs approval (\S+)/.exec(refused.stderr)?.[1];
    expect(id).toBeTruthy();
    const approved = await runActl(['approvals', 'approve', String(id)], { env });
    expect(approved.code).toBe(0);
    expect(approved.stdout.trim()).toBe(`approval/${id} approved; the same call may now be made, once`);
    const ran = await runActl(call, { env });
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toMatchObject({ ip: '203.0.113.77', blocked: true });
    expect((await runActl(call, { env })).code).toBe(4);
  });
});
