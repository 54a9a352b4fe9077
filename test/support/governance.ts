import { expect } from 'vitest';
import type { ApiKeyCreated, Approval } from '../../src/contracts/index.ts';
import { sendTo, unique } from './http.ts';
import type { TestPlatform } from './platform.ts';
import { tenantAdminKey, workflowAgent } from './runs.ts';

/** A tenant of its own (policies apply tenant-wide) and its admin key. */
export async function isolatedTenant(t: TestPlatform): Promise<{ tenant: string; admin: string }> {
  const tenant = unique('gov');
  return { tenant, admin: await tenantAdminKey(t, tenant) };
}

/** A principal with roles and groups in `tenant`, and an API key for it. */
export async function member(
  t: TestPlatform,
  tenant: string,
  roles: string[],
  groups: string[] = [],
  clearance?: number,
): Promise<{ name: string; key: string }> {
  const name = unique('p');
  const query = `?tenant=${tenant}`;
  const body = { name, roles, groups, ...(clearance === undefined ? {} : { clearance }) };
  const created = await sendTo(t, 'POST', `/api/v1/principals${query}`, { body });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const key = await sendTo<ApiKeyCreated>(t, 'POST', `/api/v1/api-keys${query}`, {
    body: { principal: name },
  });
  expect(key.status, JSON.stringify(key.body)).toBe(201);
  return { name, key: key.body.key };
}

export function policyManifest(name: string, spec: object) {
  return { apiVersion: 'agenticai.dev/v1alpha1', kind: 'Policy', metadata: { name }, spec };
}

/** Applies manifests with `key`, asserting 200. */
export async function applyAs(t: TestPlatform, key: string, items: object[]): Promise<unknown> {
  const reply = await sendTo(t, 'POST', '/api/v1/apply', { body: { items }, apiKey: key });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
}

export async function approvalsOf(t: TestPlatform, key: string, runId: string): Promise<Approval[]> {
  const reply = await sendTo<{ items: Approval[] }>(t, 'GET', `/api/v1/approvals?run=${runId}`, {
    apiKey: key,
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body.items;
}

/** A workflow agent with one echo node fed by the run input: policy sees echo({text: input}). */
export const echoFlow = (name: string) =>
  workflowAgent(name, { nodes: [{ id: 'say', type: 'tool', tool: 'echo', args: { text: '${input}' } }] });

/**
 * An isolated tenant whose echo calls mentioning "rm" wait for group sre-leads (gate fields can be
 * overridden), with `echoFlow('wf')` applied.
 */
export async function gatedTenant(
  t: TestPlatform,
  gate: Record<string, unknown> = {},
): Promise<{ tenant: string; admin: string }> {
  const { tenant, admin } = await isolatedTenant(t);
  await applyAs(t, admin, [
    policyManifest('gates', {
      approval_gates: [
        {
          name: 'rm-needs-ok',
          tool_pattern: 'echo',
          condition: "input.text.contains('rm')",
          approvers: ['group:sre-leads'],
          ...gate,
        },
      ],
    }),
    echoFlow('wf'),
  ]);
  return { tenant, admin };
}
