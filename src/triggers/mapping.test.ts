import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/index.ts';
import { idempotencyKeyOf, mappingHeaders, runInputOf } from './mapping.ts';
import { resolveMapping, templateProblems } from './template.ts';

const alert = {
  alert_id: 'A-1001',
  severity: 7,
  alert: { src_ip: '203.0.113.9', hosts: ['web-1', 'web-2'], 'user-agent': 'curl/8' },
};
const scope = { payload: alert, headers: { 'x-request-id': 'req-1' } };

function thrown(fn: () => unknown): { code: string; message: string; pointers: string[] } {
  try {
    fn();
  } catch (error) {
    if (!isAppError(error)) throw error;
    return {
      code: error.code,
      message: error.message,
      pointers: (error.fieldErrors ?? []).map((f) => f.pointer),
    };
  }
  throw new Error('expected an error');
}

describe('trigger input mapping', () => {
  it('keeps the type of a value a string references alone, and interpolates text around references', () => {
    expect(
      resolveMapping(
        {
          ip: '${payload.alert.src_ip}',
          severity: '${payload.severity}',
          first: '${payload.alert.hosts[0]}',
          agent: "${payload.alert['user-agent']}",
          summary: 'alert ${payload.alert_id} sev ${payload.severity} from ${payload.alert.hosts}',
          request: '${headers.x-request-id}',
          literal: 'costs $${payload.price}',
          nested: ['${payload.severity}', { deeper: '${payload.alert.hosts}' }],
          count: 3,
        },
        scope,
      ),
    ).toEqual({
      ip: '203.0.113.9',
      severity: 7,
      first: 'web-1',
      agent: 'curl/8',
      summary: 'alert A-1001 sev 7 from ["web-1","web-2"]',
      request: 'req-1',
      literal: 'costs ${payload.price}',
      nested: [7, { deeper: ['web-1', 'web-2'] }],
      count: 3,
    });
  });

  it('makes the whole payload the input when there is no mapping', () => {
    expect(runInputOf({}, scope)).toEqual(alert);
  });

  it('refuses a payload that is not an object when there is no mapping to make it one', () => {
    expect(thrown(() => runInputOf({}, { payload: [1, 2], headers: {} })).code).toBe('INVALID_REQUEST');
  });

  it('names the missing reference and points at it in the payload', () => {
    const problem = thrown(() => runInputOf({ input: { ip: '${payload.alert.dst_ip}' } }, scope));
    expect(problem.code).toBe('INVALID_REQUEST');
    expect(problem.message).toContain('${payload.alert.dst_ip}');
    expect(problem.pointers).toEqual(['/alert/dst_ip']);
  });

  it('refuses a mapping whose result is no run input (a number)', () => {
    expect(thrown(() => runInputOf({ input: '${payload.severity}' }, scope)).code).toBe('INVALID_REQUEST');
  });

  it('finds malformed references with the pointer of their string', () => {
    expect(
      templateProblems({ a: 'fine ${payload.x}', b: ['${nodes.x}'], c: '${payload.x' }, '/spec/input'),
    ).toEqual([
      { pointer: '/spec/input/b/0', detail: expect.stringContaining('must start with payload or headers') },
      { pointer: '/spec/input/c', detail: expect.stringContaining('no closing }') },
    ]);
  });

  it('never offers credentials to a mapping', () => {
    expect(
      mappingHeaders(
        { authorization: 'Bearer t', 'x-signature-256': 'sha256=ab', 'x-id': '1' },
        'X-Signature-256',
      ),
    ).toEqual({ 'x-id': '1' });
  });
});

describe('idempotency keys of deliveries', () => {
  const spec = { idempotency: { from: '${payload.alert_id}' } };

  it('is the trigger name and the value, the same for a re-sent alert whatever else changed', () => {
    const first = idempotencyKeyOf('siem', spec, scope);
    const resent = idempotencyKeyOf('siem', spec, { ...scope, payload: { ...alert, severity: 9 } });
    expect(first).toBe('trigger:siem:A-1001');
    expect(resent).toBe(first);
    expect(idempotencyKeyOf('other', spec, scope)).not.toBe(first);
  });

  it('is absent when the trigger names no idempotency: every delivery starts a run', () => {
    expect(idempotencyKeyOf('siem', {}, scope)).toBeUndefined();
  });

  it('refuses a delivery without the value, naming it', () => {
    const problem = thrown(() => idempotencyKeyOf('siem', spec, { payload: { other: 1 }, headers: {} }));
    expect(problem.code).toBe('INVALID_REQUEST');
    expect(problem.message).toContain('${payload.alert_id}');
    expect(problem.pointers).toEqual(['/alert_id']);
    expect(
      thrown(() => idempotencyKeyOf('siem', spec, { payload: { alert_id: '' }, headers: {} })).code,
    ).toBe('INVALID_REQUEST');
  });

  it('hashes a value too long for a run key, and encodes objects canonically', () => {
    const long = idempotencyKeyOf('siem', spec, { payload: { alert_id: 'x'.repeat(400) }, headers: {} });
    expect(long).toMatch(/^trigger:siem:sha256:[0-9a-f]{64}$/);
    const a = idempotencyKeyOf('siem', spec, { payload: { alert_id: { b: 1, a: 2 } }, headers: {} });
    const b = idempotencyKeyOf('siem', spec, { payload: { alert_id: { a: 2, b: 1 } }, headers: {} });
    expect(a).toBe(b);
  });
});
