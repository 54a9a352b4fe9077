import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { assetOwner } from '../../examples/tools/cmdb.ts';
import { firewallTools } from '../../examples/tools/firewall.ts';
import { ipReputation } from '../../examples/tools/threat-intel.ts';
import type { ToolInfo, ToolInvokeResult, ToolServer } from '../../src/contracts/index.ts';
import { defineTool, type ServedTools, serveTools } from '../../src/sdk/index.ts';
import { type SendOptions, sendTo } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { waitUntil } from '../support/runs.ts';

/**
 * The TypeScript tool SDK (defineTool / serveTools) and the example tool servers built with it,
 * registered with the platform as ToolServers and called through the tool gateway.
 */
const INTEL_KEY = 'intel-key-5b8e1f0a7c';

let t: TestPlatform;
let scratch: string;
let intel: ServedTools;
let cmdb: ServedTools;
let firewall: ServedTools;
let leaky: ServedTools;

const leakyEcho = defineTool({
  name: 'whoami',
  description: 'Says which key it was given (a careless tool)',
  input: z.object({}),
  annotations: { readOnly: true },
  run: (ctx) => `my key is ${ctx.secrets.get('THREAT_INTEL_KEY')}`,
});

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'agenticai-sdk-'));
  [intel, cmdb, firewall, leaky] = await Promise.all([
    serveTools([ipReputation], { name: 'threat-intel' }),
    serveTools([assetOwner], { name: 'cmdb' }),
    serveTools(firewallTools(join(scratch, 'firewall.json')), { name: 'firewall' }),
    serveTools([leakyEcho], { name: 'leaky' }),
  ]);
  t = await startTestPlatform();
  await send('PUT', '/api/v1/secrets/threat-intel-key', { body: { data: { key: INTEL_KEY } } });
  const secret = { THREAT_INTEL_KEY: { secretRef: { name: 'threat-intel-key' } } };
  for (const [name, url, secrets] of [
    ['threat-intel', intel.url, secret],
    ['cmdb', cmdb.url, undefined],
    ['firewall', firewall.url, undefined],
    ['leaky', leaky.url, secret],
  ] as const) {
    const reply = await send<ToolServer>('POST', '/api/v1/tool-servers', {
      body: {
        apiVersion: 'agenticai.dev/v1alpha1',
        kind: 'ToolServer',
        metadata: { name },
        spec: { transport: 'streamable-http', url, internal: true, ...(secrets ? { secrets } : {}) },
      },
    });
    expect(reply.body.status.state, JSON.stringify(reply.body.status)).toBe('connected');
  }
}, 60_000);

afterAll(async () => {
  await t?.close();
  await Promise.all([intel, cmdb, firewall, leaky].map((served) => served?.close()));
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const send = <T = unknown>(method: string, path: string, options?: SendOptions) =>
  sendTo<T>(t, method, path, options);
const invoke = (name: string, args: object) =>
  send<ToolInvokeResult>('POST', `/api/v1/tools/${name}:invoke`, { body: { arguments: args } });
const textOf = (result: ToolInvokeResult) => result.content.map((part) => String(part.text ?? '')).join('');

describe('tools written with the SDK', () => {
  it('publishes each tool with its zod schema as JSON Schema and its annotations', async () => {
    const reputation = await send<ToolInfo>('GET', '/api/v1/tools/threat-intel__ip_reputation');
    expect(reputation.body.parameters).toMatchObject({
      type: 'object',
      properties: { ip: { type: 'string' } },
      required: ['ip'],
    });
    expect(reputation.body.annotations).toMatchObject({ readOnly: true, idempotent: true, openWorld: true });
    const block = await send<ToolInfo>('GET', '/api/v1/tools/firewall__block_ip');
    expect(block.body.annotations).toMatchObject({ destructive: true, idempotent: true });
  });

  it('answers from the threat-intel feed, with the key the platform injected for the call', async () => {
    const reply = await invoke('threat-intel__ip_reputation', { ip: '203.0.113.9' });
    expect(reply.body.isError).toBe(false);
    expect(reply.body.structuredContent).toMatchObject({
      ip: '203.0.113.9',
      score: 92,
      verdict: 'malicious',
    });
  });

  it('strips an injected secret that a tool echoes back', async () => {
    const reply = await invoke('leaky__whoami', {});
    expect(JSON.stringify(reply.body)).not.toContain(INTEL_KEY);
    expect(textOf(reply.body)).toBe('my key is [secret:THREAT_INTEL_KEY]');
  });

  it('turns a ToolError into an error result the model can read', async () => {
    const reply = await invoke('cmdb__asset_owner', { query: 'no-such-host' });
    expect(reply.body.isError).toBe(true);
    expect(textOf(reply.body)).toBe('no asset no-such-host in the CMDB');
    const found = await invoke('cmdb__asset_owner', { query: 'vpn-gw-01' });
    expect(found.body.structuredContent).toMatchObject({ owner: 'alice.chen', criticality: 'high' });
  });

  it('blocks an address once, however often the call is repeated', async () => {
    const first = await invoke('firewall__block_ip', { ip: '1.2.3.4', reason: 'brute force from INC-7' });
    const again = await invoke('firewall__block_ip', { ip: '1.2.3.4', reason: 'retry' });
    expect(first.body.structuredContent).toMatchObject({ blocked: true, changed: true });
    expect(again.body.structuredContent).toMatchObject({ blocked: true, changed: false });
    const state = JSON.parse(readFileSync(join(scratch, 'firewall.json'), 'utf8')) as { rules: unknown[] };
    expect(state.rules).toHaveLength(1);
  });

  it('registers a tool the server adds while connected (notifications/tools/list_changed)', async () => {
    cmdb.add(
      defineTool({
        name: 'asset_count',
        description: 'How many assets the CMDB holds',
        input: z.object({}),
        annotations: { readOnly: true },
        run: () => ({ count: 3 }),
      }),
    );
    const status = async () => (await send('GET', '/api/v1/tools/cmdb__asset_count')).status;
    await waitUntil(
      status,
      (code) => code === 200,
      (code) => `the new tool answered ${code}`,
      10_000,
    );
    const reply = await invoke('cmdb__asset_count', {});
    expect(reply.body.structuredContent).toEqual({ count: 3 });
    cmdb.remove('asset_count');
    await waitUntil(
      status,
      (code) => code === 404,
      (code) => `the removed tool answered ${code}`,
      10_000,
    );
  });
});
