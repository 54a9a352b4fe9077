import type { RuntimeEvent } from '../runtime/index.ts';
import type { EventDraft } from './ports.ts';

/** A runtime's event as the run's event feed stores it (snake_case call ids). */
export function toEventDraft(event: RuntimeEvent): EventDraft {
  switch (event.type) {
    case 'tool_call':
      return {
        type: 'tool_call',
        data: {
          step: event.data.step,
          tool: event.data.tool,
          arguments: event.data.arguments,
          ...(event.data.callId ? { call_id: event.data.callId } : {}),
        },
      };
    case 'tool_result':
      return {
        type: 'tool_result',
        data: {
          step: event.data.step,
          tool: event.data.tool,
          result: event.data.result,
          ...(event.data.callId ? { call_id: event.data.callId } : {}),
        },
      };
    default:
      return { type: event.type, data: { ...event.data } };
  }
}
