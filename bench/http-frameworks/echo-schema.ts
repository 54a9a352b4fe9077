import { z } from 'zod';

export const echoBodySchema = z
  .object({
    name: z.string(),
    labels: z.record(z.string(), z.string()),
    spec: z
      .object({
        image: z.string(),
        replicas: z.number().int().nonnegative(),
        command: z.array(z.string()),
        env: z.record(z.string(), z.string()),
        resources: z.object({ cpu: z.string(), memory: z.string() }).strict(),
        timeoutSeconds: z.number().int().positive(),
        retry: z
          .object({ maxAttempts: z.number().int().positive(), backoff: z.enum(['fixed', 'exponential']) })
          .strict(),
      })
      .strict(),
  })
  .strict();

export type EchoBody = z.infer<typeof echoBodySchema>;

/** Request body used by the benchmark; sized to about 1 KiB of JSON. */
export const echoFixture: EchoBody = {
  name: 'nightly-report-agent',
  labels: {
    team: 'platform',
    env: 'production',
    tier: 'backend',
    owner: 'agents-runtime',
    'cost-center': 'cc-4821',
    region: 'eu-west-1',
  },
  spec: {
    image: 'registry.example.com/agents/nightly-report:2026.11.25-3f9c2ab',
    replicas: 3,
    command: ['node', '--enable-source-maps', 'dist/agent.js', '--mode=batch', '--concurrency=4'],
    env: {
      LOG_LEVEL: 'info',
      MODEL: 'large-2026-10',
      MAX_TOKENS: '8192',
      APPROVAL_POLICY: 'require-human-for-writes',
      AUDIT_SINK: 'postgres://audit-db.internal:5432/audit',
      TRACE_SAMPLE_RATE: '0.25',
      FEATURE_FLAGS: 'durable-runs,tool-policy,streaming-output,approval-webhooks',
      CALLBACK_URL: 'https://hooks.example.com/agents/nightly-report/callback',
    },
    resources: { cpu: '500m', memory: '512Mi' },
    timeoutSeconds: 900,
    retry: { maxAttempts: 5, backoff: 'exponential' },
  },
};
