import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { createAgent, echoAgent, startRun, waitForStatus, waitUntil } from '../support/runs.ts';

/**
 * OTLP/HTTP export through the standard variables: with OTEL_EXPORTER_OTLP_TRACES_ENDPOINT set,
 * a run's spans reach the collector, with the service name from OTEL_SERVICE_NAME.
 *
 * TEST DOUBLE of an OpenTelemetry collector: an HTTP server on 127.0.0.1 that accepts OTLP/HTTP
 * JSON on POST /v1/traces and keeps what it was sent.
 */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  name: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}
interface OtlpRequest {
  resourceSpans: Array<{
    resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans: Array<{ spans: OtlpSpan[] }>;
  }>;
}

const received: OtlpRequest[] = [];
let collector: http.Server;
let t: TestPlatform;
const saved = { ...process.env };

beforeAll(async () => {
  collector = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      if (request.url === '/v1/traces' && String(request.headers['content-type']).includes('json'))
        received.push(JSON.parse(body) as OtlpRequest);
      response.setHeader('content-type', 'application/json');
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`;
  // The exporter reads the standard variables itself, as in production.
  process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = url;
  t = await startTestPlatform({ otlpExport: true, serviceName: 'agents-under-test', workerPollMs: 200 });
});

afterAll(async () => {
  await t?.close();
  collector?.close();
  process.env = saved;
});

describe('OTLP export', () => {
  it('sends a run’s spans to the collector named by OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', async () => {
    await createAgent(t, echoAgent('otlp-echo'));
    const run = await startRun(t, 'otlp-echo', { input: { text: 'hello' } });
    await waitForStatus(t, run.id, 'completed');
    await t.platform.flushTelemetry();
    const spans = await waitUntil(
      async () =>
        received.flatMap((request) =>
          request.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans)),
        ),
      (all) => all.some((span) => span.name === 'Run' && span.traceId === run.trace_id),
      (all) => `${all.length} spans received: ${[...new Set(all.map((span) => span.name))].join(', ')}`,
      10_000,
    );
    const names = new Set(spans.filter((span) => span.traceId === run.trace_id).map((span) => span.name));
    expect([...names].sort()).toEqual([
      'Agent.Step',
      'Orchestrator.Plan',
      'PDP.Evaluate',
      'Run',
      'Tool.Execute',
    ]);
    const root = spans.find((span) => span.name === 'Run' && span.traceId === run.trace_id);
    expect(root?.attributes.find((a) => a.key === 'run.id')?.value).toEqual({ stringValue: run.id });
    const service = received[0]?.resourceSpans[0]?.resource.attributes.find((a) => a.key === 'service.name');
    expect(service?.value.stringValue).toBe('agents-under-test');
  });
});
