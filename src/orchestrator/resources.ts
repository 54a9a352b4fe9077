import type { Run, RunEvent, RunStep, Session, SessionMessage } from '../contracts/index.ts';
import type { EventRecord, RunRecord, SessionMessageRecord, SessionRecord, StepRecord } from './ports.ts';

const iso = (date: Date) => date.toISOString();
const isoOrNull = (date: Date | null) => (date ? date.toISOString() : null);

export function toRunResource(run: RunRecord): Run {
  return {
    id: run.id,
    agent: run.agentName,
    agent_version: run.agentVersion,
    session_id: run.sessionId,
    status: run.status,
    status_reason: run.statusReason,
    input: run.input,
    output: run.output ?? null,
    error: run.error,
    metadata: run.metadata,
    idempotency_key: run.idempotencyKey,
    trace_id: run.traceId,
    usage: { input_tokens: run.usage.inputTokens, output_tokens: run.usage.outputTokens },
    step_count: run.stepCount,
    created_by: run.createdBy,
    created_at: iso(run.createdAt),
    started_at: isoOrNull(run.startedAt),
    ended_at: isoOrNull(run.endedAt),
    updated_at: iso(run.updatedAt),
  };
}

export function toStepResource(step: StepRecord): RunStep {
  return {
    run_id: step.runId,
    seq: step.seq,
    key: step.key,
    kind: step.kind as RunStep['kind'],
    name: step.name,
    status: step.status,
    input: step.input,
    output: step.output ?? null,
    error: step.error,
    idempotency_key: step.idempotencyKey,
    attempt: step.attempt,
    usage: { input_tokens: step.usage.inputTokens, output_tokens: step.usage.outputTokens },
    trace_id: step.traceId,
    started_at: iso(step.startedAt),
    ended_at: isoOrNull(step.endedAt),
    duration_ms: step.endedAt ? step.endedAt.getTime() - step.startedAt.getTime() : null,
  };
}

export function toEventResource(event: EventRecord): RunEvent {
  return {
    run_id: event.runId,
    seq: event.seq,
    type: event.type,
    data: event.data,
    created_at: iso(event.createdAt),
  };
}

export function toSessionResource(session: SessionRecord): Session {
  return {
    id: session.id,
    agent: session.agentName,
    metadata: session.metadata,
    created_at: iso(session.createdAt),
    updated_at: iso(session.updatedAt),
  };
}

export function toSessionMessageResource(message: SessionMessageRecord): SessionMessage {
  return {
    seq: message.seq,
    role: message.role,
    content: message.content,
    run_id: message.runId,
    created_at: iso(message.createdAt),
  };
}
