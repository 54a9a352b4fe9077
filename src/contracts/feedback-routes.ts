import { z } from 'zod';
import { pageSchema } from './common.ts';
import {
  DatasetExampleSchema,
  FeedbackListSchema,
  FeedbackSchema,
  FeedbackWriteSchema,
  PreferenceQuerySchema,
} from './feedback.ts';
import { defineRoute } from './route.ts';

const RunIdParams = z.object({ id: z.string().min(1).max(64) });

export const feedbackRoutes = {
  giveRunFeedback: defineRoute({
    operationId: 'giveRunFeedback',
    method: 'post',
    path: '/api/v1/runs/{id}/feedback',
    tag: 'feedback',
    summary: "Give or replace the caller's feedback on a run (201 created, 200 replaced)",
    description:
      'One feedback per principal and run: posting again replaces the whole of it (a field left out is ' +
      'cleared). The run must have ended or be paused (409 while it is pending or running). The ' +
      "correction is masked with the tenant's PII rules before it is stored; the change is audited " +
      '(action `feedback`).',
    permission: 'feedback:write',
    params: RunIdParams,
    body: FeedbackWriteSchema,
    success: {
      status: 201,
      description: 'The feedback (200 when it replaced earlier feedback)',
      schema: FeedbackSchema,
    },
  }),
  listRunFeedback: defineRoute({
    operationId: 'listRunFeedback',
    method: 'get',
    path: '/api/v1/runs/{id}/feedback',
    tag: 'feedback',
    summary: 'The feedback on a run, oldest first',
    permission: 'runs:read',
    params: RunIdParams,
    success: { status: 200, description: 'Every principal’s feedback', schema: FeedbackListSchema },
  }),
  deleteRunFeedback: defineRoute({
    operationId: 'deleteRunFeedback',
    method: 'delete',
    path: '/api/v1/runs/{id}/feedback',
    tag: 'feedback',
    summary: "Withdraw the caller's feedback on a run (404 if there is none)",
    permission: 'feedback:write',
    params: RunIdParams,
    success: { status: 204, description: 'Withdrawn' },
  }),
  exportPreferences: defineRoute({
    operationId: 'exportPreferences',
    method: 'get',
    path: '/api/v1/datasets/preferences',
    tag: 'feedback',
    summary: 'Training examples made from feedback: DPO preference pairs or SFT examples, page by page',
    description:
      "`format=dpo`: each correction against the agent's answer, `{prompt, chosen, rejected}`. " +
      '`format=sft`: upvoted answers of runs nobody downvoted, and every correction, `{prompt, completion}`. ' +
      "Both are TRL's conversational formats: `prompt` holds the agent's system prompt, the session turns " +
      'the run saw and its input. Only runs that have ended take part. Prompts and answers are masked with ' +
      "the tenant's PII rules, then with every built-in detector. Pages follow feedback order: a page may " +
      'hold fewer items than `limit` (rows that make no example are skipped); follow `nextCursor` until null. ' +
      '`actl datasets export` writes the pages as JSON Lines.',
    permission: 'datasets:read',
    query: PreferenceQuerySchema,
    success: {
      status: 200,
      description: 'A page of DpoExample or SftExample items',
      schema: pageSchema(DatasetExampleSchema),
    },
  }),
} as const;
