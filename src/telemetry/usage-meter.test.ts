import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import type { UsageRecord } from '../contracts/index.ts';
import { UsageMeter, usageOf } from './usage-meter.ts';

const span = (attributes: Record<string, unknown>, name = 'LLM.Invoke', code = 0) =>
  ({ name, attributes, startTime: [1_796_500_000, 0], status: { code } }) as unknown as ReadableSpan;

describe('usage roll-up from LLM.Invoke spans', () => {
  it('keys a call by tenant, day, agent, the model that answered and principal', () => {
    expect(
      usageOf(
        span({
          'tenant.id': 't1',
          'agent.id': 'triage',
          'user.id': 'alice',
          'gen_ai.request.model': 'whatever-the-client-typed',
          'gen_ai.response.model': 'vllm/qwen',
          'gen_ai.usage.input_tokens': 10,
          'gen_ai.usage.output_tokens': 4,
          'agenticai.cost_usd': 0.002,
        }),
      ),
    ).toEqual({
      tenantId: 't1',
      day: '2026-12-05',
      agent: 'triage',
      model: 'vllm/qwen',
      principal: 'alice',
      calls: 1,
      errors: 0,
      inputTokens: 10,
      outputTokens: 4,
      costUsd: 0.002,
      unpricedCalls: 0,
    });
    // Refused before routing: never the client's model string; a failure is no unpriced call.
    expect(
      usageOf(span({ 'tenant.id': 't1', 'gen_ai.request.model': 'x'.repeat(300) }, 'LLM.Invoke', 2)),
    ).toMatchObject({
      model: 'unknown',
      agent: 'none',
      errors: 1,
      unpricedCalls: 0,
    });
    expect(usageOf(span({ 'tenant.id': 't1' }, 'Tool.Execute'))).toBeNull();
    expect(usageOf(span({}))).toBeNull();
  });

  it('keeps a batch the database refused and writes it with the next one', async () => {
    const written: UsageRecord[][] = [];
    const errors: unknown[] = [];
    let fail = true;
    const meter = new UsageMeter(
      async (records) => {
        if (fail) {
          fail = false;
          throw new Error('database away');
        }
        written.push(records);
      },
      (error) => errors.push(error),
      10,
    );
    meter.observe(span({ 'tenant.id': 't1', 'llm.model': 'a' }));
    await meter.flush();
    expect(errors).toHaveLength(1);
    meter.observe(span({ 'tenant.id': 't1', 'llm.model': 'b' }));
    await new Promise((resolve) => setTimeout(resolve, 30));
    await meter.flush();
    expect(written.flat().map((record) => record.model)).toEqual(['a', 'b']);
  });
});
