import type { RunTrace, TraceSpan, UsageReport } from '../contracts/index.ts';

const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const str = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);

/** 0.4ms, 340ms, 1.23s. */
function took(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)}ms`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  return `${(ms / 1000).toFixed(2)}s`;
}

/** $0.000103: cost to the micro-dollar, trailing zeros trimmed. */
export function usd(amount: number): string {
  if (amount === 0) return '$0';
  return `$${amount.toFixed(6).replace(/0+$/, '').replace(/\.$/, '')}`;
}

/** What one span says in its line, after its name and duration. */
function detail(span: TraceSpan): string {
  const a = span.attributes;
  const parts: string[] = [];
  switch (span.name) {
    case 'Run':
      parts.push(str(a['agent.id']) ?? '', str(a['run.status']) ?? '');
      break;
    case 'Agent.Step':
      parts.push(`${str(a['step.kind']) ?? ''} ${str(a['step.name']) ?? ''}`.trim());
      if (str(a['step.paused'])) parts.push(`paused: ${a['step.paused']}`);
      break;
    case 'PDP.Evaluate':
      parts.push(str(a['pdp.decision']) ?? '', str(a['pdp.rule']) ?? '');
      break;
    case 'LLM.Invoke': {
      parts.push(str(a['gen_ai.response.model']) ?? str(a['gen_ai.request.model']) ?? '');
      const input = num(a['gen_ai.usage.input_tokens']);
      const output = num(a['gen_ai.usage.output_tokens']);
      if (input !== null || output !== null) parts.push(`${input ?? 0}→${output ?? 0} tokens`);
      const cost = num(a['agenticai.cost_usd']);
      if (cost !== null) parts.push(usd(cost));
      if (str(a['agenticai.cache'])) parts.push(`cache ${a['agenticai.cache']}`);
      break;
    }
    case 'Tool.Execute':
      parts.push(str(a['tool.name']) ?? '', str(a['tool.outcome']) ?? '');
      break;
    case 'Sandbox.Exec':
      parts.push(str(a['sandbox.driver']) ?? '', str(a['sandbox.outcome']) ?? '');
      break;
    default:
  }
  if (span.status === 'error') parts.push(`ERROR${span.status_message ? `: ${span.status_message}` : ''}`);
  return parts.filter(Boolean).join('  ');
}

/**
 * A run's trace as a tree, one span a line (name, duration, what it did), then the totals:
 *
 *     Run  1.20s  triage  completed
 *     ├─ Orchestrator.Plan  12ms
 *     └─ Agent.Step  340ms  model_call scripted
 *        └─ LLM.Invoke  330ms  scripted  40→6 tokens  $0.000029
 */
export function renderTrace(trace: RunTrace): string[] {
  const ids = new Set(trace.spans.map((span) => span.span_id));
  const children = new Map<string | null, TraceSpan[]>();
  for (const span of trace.spans) {
    const parent = span.parent_span_id && ids.has(span.parent_span_id) ? span.parent_span_id : null;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const lines: string[] = [];
  const walk = (parent: string | null, prefix: string, root: boolean) => {
    const list = children.get(parent) ?? [];
    list.forEach((span, index) => {
      const last = index === list.length - 1;
      const branch = root ? '' : last ? '└─ ' : '├─ ';
      const text = [span.name, took(span.duration_ms), detail(span)].filter(Boolean).join('  ');
      lines.push(`${prefix}${branch}${text}`);
      walk(span.span_id, root ? '' : `${prefix}${last ? '   ' : '│  '}`, false);
    });
  };
  walk(null, '', true);
  const totals = trace.totals;
  lines.push(
    `${totals.spans} spans, ${took(totals.duration_ms)}, ${totals.input_tokens} input / ${totals.output_tokens} output tokens, ${usd(totals.cost_usd)} (trace ${trace.trace_id})`,
  );
  return lines;
}

/** The forecast and budget lines under `actl usage`'s table. */
export function renderUsageFooter(report: UsageReport): string[] {
  const f = report.forecast;
  const lines = [
    `Forecast ${f.month}: ${usd(f.forecast_usd)} (${usd(f.month_to_date_usd)} so far; ${f.method})`,
  ];
  for (const budget of report.budgets) {
    const unit = budget.limit_usd !== null ? 'usd' : 'tokens';
    const limit = unit === 'usd' ? usd(budget.limit_usd ?? 0) : `${budget.limit_tokens} tokens`;
    const spent = unit === 'usd' ? budget.spent_usd : budget.spent_tokens;
    const left = unit === 'usd' ? budget.remaining_usd : budget.remaining_tokens;
    lines.push(
      spent === null
        ? `Budget ${budget.policy}/${budget.rule} (${budget.scope}, ${budget.window}): ${limit} per ${budget.scope}`
        : `Budget ${budget.policy}/${budget.rule} (${budget.scope}, ${budget.window}): ${unit === 'usd' ? usd(spent) : spent} of ${limit} spent, ${unit === 'usd' ? usd(left ?? 0) : left} left`,
    );
  }
  return lines;
}
