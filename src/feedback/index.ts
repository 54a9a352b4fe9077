export {
  FEEDBACK_RUN_STATUSES,
  type FeedbackAuthor,
  FeedbackService,
  type FeedbackServiceDeps,
} from './feedback-service.ts';
export type {
  DatasetScan,
  DatasetSource,
  FeedbackAudit,
  FeedbackDraft,
  FeedbackMasking,
  FeedbackOperation,
  FeedbackRecord,
  FeedbackScore,
  FeedbackStore,
  FeedbackWriteOutcome,
  HistoryMessage,
  HistoryRequest,
} from './ports.ts';
