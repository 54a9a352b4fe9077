import { SpanStatusCode } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { SPAN_ATTRIBUTES as A, SPAN_NAMES } from '../contracts/index.ts';

/** Run statuses that end a run (a pause does not). */
const ENDED = new Set(['completed', 'failed', 'cancelled', 'timed_out']);
const ERRORS = new Set(['failed', 'timed_out']);

/** Values the platform reads when Prometheus scrapes (each may query the database). */
export interface MetricSources {
  activeRuns(): number;
  queueDepth(): Promise<number>;
  approvalsPending(): Promise<number>;
  sandboxPool(): { warm: number; live: number };
  budgets(): Promise<Array<{ tenant: string; budget: string; unit: string; remaining: number }>>;
  circuits(): Array<{ backend: string; state: string }>;
}

const text = (value: unknown, fallback = 'none') =>
  typeof value === 'string' && value !== '' ? value : fallback;
const seconds = (span: ReadableSpan) => hrTimeToMilliseconds(span.duration) / 1000;

/**
 * The platform's Prometheus metrics (seed 004 §17.2 names and labels, and seed 002's
 * `agent_request_*` behind its alert rules), derived from ended spans so that traces and metrics
 * always agree, plus gauges read on scrape. Labels are bounded: agent, model, tool, rule, group,
 * tenant and backend names from the registry; never a run id, user id or argument.
 */
export class PlatformMetrics {
  readonly #runs: Counter<'agent_id' | 'status'>;
  readonly #requests: Counter<'agent_id'>;
  readonly #requestErrors: Counter<'agent_id' | 'reason'>;
  readonly #requestDuration: Histogram<'agent_id'>;
  readonly #steps: Histogram<'kind' | 'status'>;
  readonly #tools: Histogram<'tool_name' | 'outcome'>;
  readonly #llm: Histogram<'model_name' | 'status'>;
  readonly #tokens: Counter<'agent_id' | 'model_name' | 'direction'>;
  readonly #cost: Counter<'tenant_id' | 'model_name'>;
  readonly #blocks: Counter<'policy_rule' | 'user_group'>;
  readonly #decisions: Counter<'decision'>;
  readonly #sandboxExecs: Histogram<'outcome'>;
  readonly #http: Histogram<'method' | 'route' | 'status_code'>;

  constructor(
    readonly registry: Registry,
    sources: MetricSources,
  ) {
    const registers = [registry];
    this.#runs = new Counter({
      name: 'agent_run_total',
      help: 'Runs ended, by agent and final status (completed, failed, cancelled, timed_out)',
      labelNames: ['agent_id', 'status'],
      registers,
    });
    this.#requests = new Counter({
      name: 'agent_request_total',
      help: 'Agent requests (run executions that ended the run), by agent',
      labelNames: ['agent_id'],
      registers,
    });
    this.#requestErrors = new Counter({
      name: 'agent_request_errors_total',
      help: 'Agent requests that ended failed or timed out, by agent and reason',
      labelNames: ['agent_id', 'reason'],
      registers,
    });
    this.#requestDuration = new Histogram({
      name: 'agent_request_duration_seconds',
      help: 'Wall time of the run execution that ended the run, by agent',
      labelNames: ['agent_id'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.#steps = new Histogram({
      name: 'agent_step_duration_seconds',
      help: 'Run steps (model calls, tool calls, workflow nodes) by kind and status',
      labelNames: ['kind', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.#tools = new Histogram({
      name: 'agent_tool_duration_seconds',
      help: 'Tool calls (runs and direct), by tool and outcome (ok, error)',
      labelNames: ['tool_name', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.#llm = new Histogram({
      name: 'agent_llm_duration_seconds',
      help: 'Model calls, by the model that answered and status (ok, error)',
      labelNames: ['model_name', 'status'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.#tokens = new Counter({
      name: 'agent_token_usage',
      help: 'Model tokens used, by agent (none for API callers), model and direction (input, output)',
      labelNames: ['agent_id', 'model_name', 'direction'],
      registers,
    });
    this.#cost = new Counter({
      name: 'agent_cost_usd_total',
      help: "Model cost in USD from the backends' cost_per_1k, by tenant and model",
      labelNames: ['tenant_id', 'model_name'],
      registers,
    });
    this.#blocks = new Counter({
      name: 'pdp_block_total',
      help: "Calls the policy decision point denied, by rule and the caller's first group (none)",
      labelNames: ['policy_rule', 'user_group'],
      registers,
    });
    this.#decisions = new Counter({
      name: 'pdp_decisions_total',
      help: 'Policy decisions, by outcome (allow, deny, require_approval)',
      labelNames: ['decision'],
      registers,
    });
    this.#sandboxExecs = new Histogram({
      name: 'sandbox_exec_duration_seconds',
      help: 'Commands run in sandboxes, by outcome (completed, timeout, cpu_limit, oom, killed, …)',
      labelNames: ['outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.#http = new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'API requests by method, route template (never the path itself) and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    new Gauge({
      name: 'agent_active_sessions',
      help: 'Runs executing on this process now',
      registers,
      collect() {
        this.set(sources.activeRuns());
      },
    });
    new Gauge({
      name: 'agent_run_queue_depth',
      help: 'Runs waiting for a worker (pending, all tenants)',
      registers,
      async collect() {
        this.set(await sources.queueDepth());
      },
    });
    new Gauge({
      name: 'agent_approvals_pending',
      help: 'Approvals waiting for a decision (all tenants)',
      registers,
      async collect() {
        this.set(await sources.approvalsPending());
      },
    });
    new Gauge({
      name: 'sandbox_pool_size',
      help: 'Sandboxes on this process: warm (ready in the pool) and live (handed out)',
      labelNames: ['state'],
      registers,
      collect() {
        const pool = sources.sandboxPool();
        this.set({ state: 'warm' }, pool.warm);
        this.set({ state: 'live' }, pool.live);
      },
    });
    new Gauge({
      name: 'agent_budget_remaining',
      help: 'What is left of each tenant-wide budget in its current window (USD or tokens, see unit)',
      labelNames: ['tenant_id', 'budget', 'unit'],
      registers,
      async collect() {
        this.reset();
        for (const line of await sources.budgets())
          this.set({ tenant_id: line.tenant, budget: line.budget, unit: line.unit }, line.remaining);
      },
    });
    new Gauge({
      name: 'msig_circuit_open',
      help: "1 while a model backend's circuit breaker is open (calls fail fast), else 0",
      labelNames: ['backend'],
      registers,
      collect() {
        this.reset();
        for (const { backend, state } of sources.circuits()) this.set({ backend }, state === 'open' ? 1 : 0);
      },
    });
  }

  /** One API request; `route` is the matched route template (`/api/v1/runs/:id`), or `unmatched`. */
  observeRequest = (method: string, route: string, status: number, seconds: number): void => {
    this.#http.observe({ method, route, status_code: String(status) }, seconds);
  };

  /** Derives the metrics of one ended span. */
  observe = (span: ReadableSpan): void => {
    const a = span.attributes;
    const failed = span.status.code === SpanStatusCode.ERROR;
    switch (span.name) {
      case SPAN_NAMES.run: {
        const status = text(a[A.runStatus], '');
        if (!ENDED.has(status)) return;
        const agent = text(a[A.agentId]);
        this.#runs.inc({ agent_id: agent, status });
        this.#requests.inc({ agent_id: agent });
        this.#requestDuration.observe({ agent_id: agent }, seconds(span));
        if (ERRORS.has(status))
          this.#requestErrors.inc({ agent_id: agent, reason: text(a[A.runReason], status) });
        return;
      }
      case SPAN_NAMES.step:
        this.#steps.observe({ kind: text(a[A.stepKind]), status: failed ? 'error' : 'ok' }, seconds(span));
        return;
      case SPAN_NAMES.tool:
        this.#tools.observe(
          {
            tool_name: text(a[A.toolName]),
            outcome: failed || a[A.toolOutcome] === 'error' ? 'error' : 'ok',
          },
          seconds(span),
        );
        return;
      case SPAN_NAMES.llm: {
        // The model that answered (a registry name): a client's unknown model name never becomes a label.
        const model = text(a[A.genAiResponseModel], text(a[A.llmModel], 'unknown'));
        const agent = text(a[A.agentId]);
        this.#llm.observe({ model_name: model, status: failed ? 'error' : 'ok' }, seconds(span));
        const input = a[A.genAiInputTokens];
        const output = a[A.genAiOutputTokens];
        if (typeof input === 'number' && input > 0)
          this.#tokens.inc({ agent_id: agent, model_name: model, direction: 'input' }, input);
        if (typeof output === 'number' && output > 0)
          this.#tokens.inc({ agent_id: agent, model_name: model, direction: 'output' }, output);
        const cost = a[A.costUsd];
        if (typeof cost === 'number' && cost > 0)
          this.#cost.inc({ tenant_id: text(a[A.tenantId]), model_name: model }, cost);
        return;
      }
      case SPAN_NAMES.pdp: {
        const decision = text(a[A.pdpDecision], 'unknown');
        this.#decisions.inc({ decision });
        if (decision === 'deny')
          this.#blocks.inc({ policy_rule: text(a[A.pdpRule]), user_group: text(a[A.userGroup]) });
        return;
      }
      case SPAN_NAMES.sandbox:
        this.#sandboxExecs.observe(
          { outcome: text(a[A.sandboxOutcome], failed ? 'error' : 'completed') },
          seconds(span),
        );
        return;
      default:
    }
  };
}
