import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { API_VERSION, type Tool } from '../contracts/index.ts';
import { AppError } from '../core/index.ts';
import { ArgumentValidator } from './argument-schema.ts';
import { OAuthTokens } from './http/oauth2.ts';
import { ToolServerManager } from './mcp/tool-server-manager.ts';
import { ToolGateway } from './tool-gateway.ts';

const TENANT = 'tenant-a';

function tool(name: string, description = 'Looks things up'): Tool {
  return {
    apiVersion: API_VERSION,
    kind: 'Tool',
    metadata: {
      name,
      uid: `uid-${name}`,
      labels: {},
      resourceVersion: '1',
      createdAt: '2026-12-07T00:00:00.000Z',
      updatedAt: '2026-12-07T00:00:00.000Z',
    },
    spec: { type: 'http', description, config: { endpoint: 'http://10.0.0.1/x', method: 'GET' } },
  };
}

/**
 * The tenant's stored tools stand behind `manifests`, as the store does in the product; the
 * announcement of a change (NOTIFY on commit) is `invalidate`, which these tests hold back.
 */
function gatewayOver(stored: Tool[]) {
  let loads = 0;
  const gateway = new ToolGateway({
    manifests: async () => {
      loads += 1;
      return structuredClone(stored);
    },
    servers: new ToolServerManager({
      load: async () => [],
      resolveSecret: async () => '',
      onChange: () => {},
      logger: pino({ level: 'silent' }),
      clientVersion: 'test',
    }),
    secret: async () => '',
    validator: new ArgumentValidator(),
    builtins: [],
    oauth: new OAuthTokens(),
    maxResultBytes: 65_536,
  });
  return { gateway, loads: () => loads };
}

describe('ToolGateway catalog', () => {
  it('finds a tool written a moment ago, before the announcement of the write arrives', async () => {
    const stored = [tool('lookup')];
    const { gateway, loads } = gatewayOver(stored);
    expect((await gateway.get(TENANT, 'lookup')).name).toBe('lookup');
    stored.push(tool('lookup-missing'));
    // No invalidate: the NOTIFY is still on its way.
    expect((await gateway.get(TENANT, 'lookup-missing')).name).toBe('lookup-missing');
    const [resolved] = await gateway.resolve([{ name: 'lookup-missing' }], { tenantId: TENANT });
    expect(resolved?.name).toBe('lookup-missing');
    expect(loads()).toBe(2);
  });

  it('keeps the catalog while every asked-for tool is in it', async () => {
    const { gateway, loads } = gatewayOver([tool('lookup')]);
    for (let i = 0; i < 5; i++) await gateway.get(TENANT, 'lookup');
    expect(loads()).toBe(1);
  });

  it('still answers NOT_FOUND for a tool that is not stored', async () => {
    const { gateway } = gatewayOver([tool('lookup')]);
    const error = await gateway.get(TENANT, 'nope').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('NOT_FOUND');
    const result = await gateway.invoke(
      'nope',
      {},
      {
        tenantId: TENANT,
        signal: new AbortController().signal,
        idempotencyKey: 'k',
        config: {},
      },
    );
    expect(result.isError).toBe(true);
  });
});
