import { z } from 'zod';
import { RESOLVE_ACTIONS, RUN_EVENT_TYPES, RUN_STATUSES } from '../contracts/index.ts';
import type {
  EventRecord,
  RunRecord,
  SessionMessageRecord,
  SessionRecord,
  StepRecord,
} from '../orchestrator/index.ts';
import { readJson } from './json-columns.ts';

const StringMap = z.record(z.string(), z.string());
const ErrorJson = z.object({ code: z.string(), message: z.string() }).nullable();
const ResolutionJson = z
  .object({
    action: z.enum(RESOLVE_ACTIONS),
    by: z.string(),
    comment: z.string().optional(),
    step: z.string().optional(),
  })
  .nullable();
const EventData = z.record(z.string(), z.unknown());
const CancelJson = z.object({ by: z.string(), reason: z.string().optional() }).nullable();
const StepStatus = z.enum(['started', 'completed', 'failed']);
const Role = z.enum(['system', 'user', 'assistant', 'tool']);

export interface RunRow {
  id: string;
  tenant_id: string;
  agent_name: string;
  agent_version: number;
  session_id: string | null;
  status: string;
  status_reason: string | null;
  input: unknown;
  output: unknown;
  error: unknown;
  metadata: unknown;
  idempotency_key: string | null;
  created_by: string;
  trace_id: string;
  parent_span_id?: string | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  ended_at: Date | null;
  timeout_ms: number | null;
  deadline_at: Date | null;
  paused_at: Date | null;
  generation: number;
  cancel_requested: boolean;
  cancel_request: unknown;
  resolution: unknown;
  step_count: number;
  input_tokens: number;
  output_tokens: number;
  event_seq: number;
}

export function toRun(row: RunRow): RunRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    agentName: row.agent_name,
    agentVersion: row.agent_version,
    sessionId: row.session_id,
    status: readJson(z.enum(RUN_STATUSES), row.status, 'run status'),
    statusReason: row.status_reason,
    input: row.input,
    output: row.output ?? null,
    error: readJson(ErrorJson, row.error ?? null, 'run error'),
    metadata: readJson(StringMap, row.metadata, 'run metadata'),
    idempotencyKey: row.idempotency_key,
    createdBy: row.created_by,
    traceId: row.trace_id,
    parentSpanId: row.parent_span_id ?? null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    timeoutMs: row.timeout_ms,
    deadlineAt: row.deadline_at,
    pausedAt: row.paused_at,
    generation: row.generation,
    cancelRequested: row.cancel_requested,
    cancelRequest: readJson(CancelJson, row.cancel_request ?? null, 'run cancel request'),
    resolution: readJson(ResolutionJson, row.resolution ?? null, 'run resolution'),
    stepCount: row.step_count,
    usage: { inputTokens: row.input_tokens, outputTokens: row.output_tokens },
    eventSeq: row.event_seq,
  };
}

export interface StepRow {
  run_id: string;
  key: string;
  seq: number;
  kind: string;
  name: string;
  status: string;
  input: unknown;
  output: unknown;
  error: unknown;
  idempotency_key: string;
  attempt: number;
  input_tokens: number;
  output_tokens: number;
  trace_id: string;
  started_at: Date;
  ended_at: Date | null;
}

export function toStep(row: StepRow): StepRecord {
  return {
    runId: row.run_id,
    key: row.key,
    seq: row.seq,
    kind: row.kind,
    name: row.name,
    status: readJson(StepStatus, row.status, 'step status'),
    input: row.input ?? null,
    output: row.output ?? null,
    error: readJson(ErrorJson, row.error ?? null, 'step error'),
    idempotencyKey: row.idempotency_key,
    attempt: row.attempt,
    usage: { inputTokens: row.input_tokens, outputTokens: row.output_tokens },
    traceId: row.trace_id,
    startedAt: row.started_at,
    endedAt: row.ended_at,
  };
}

export function toEvent(row: {
  run_id: string;
  seq: number;
  type: string;
  data: unknown;
  created_at: Date;
}): EventRecord {
  return {
    runId: row.run_id,
    seq: row.seq,
    type: readJson(z.enum(RUN_EVENT_TYPES), row.type, 'event type'),
    data: readJson(EventData, row.data, 'event data'),
    createdAt: row.created_at,
  };
}

export function toSession(row: {
  id: string;
  agent_name: string | null;
  metadata: unknown;
  created_at: Date;
  updated_at: Date;
}): SessionRecord {
  return {
    id: row.id,
    agentName: row.agent_name,
    metadata: readJson(StringMap, row.metadata, 'session metadata'),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toMessage(row: {
  seq: number;
  role: string;
  content: unknown;
  run_id: string | null;
  created_at: Date;
}): SessionMessageRecord {
  return {
    seq: row.seq,
    role: readJson(Role, row.role, 'message role'),
    content: row.content,
    runId: row.run_id,
    createdAt: row.created_at,
  };
}
