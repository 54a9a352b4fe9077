import type { Command } from 'commander';
import { routes, type SessionMessage } from '../../contracts/index.ts';
import { age, type Column } from '../output.ts';
import type { CliRuntime } from '../runtime.ts';
import { printList } from './runs.ts';

const CONTENT_CHARS = 80;

/** The content on one line, cut to fit a table cell. */
function preview(content: unknown): string {
  const text = typeof content === 'string' ? content : (JSON.stringify(content) ?? '');
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > CONTENT_CHARS ? `${line.slice(0, CONTENT_CHARS - 1)}…` : line || '-';
}

const messageColumns: Column<SessionMessage>[] = [
  { header: 'SEQ', value: (m) => String(m.seq) },
  { header: 'ROLE', value: (m) => m.role },
  { header: 'RUN', value: (m) => m.run_id ?? '-' },
  { header: 'CONTENT', value: (m) => preview(m.content) },
  { header: 'AGE', value: (m) => age(m.created_at) },
];

export function registerSessions(program: Command, runtime: CliRuntime): void {
  const sessions = program
    .command('sessions')
    .description('Conversations: the messages runs in a session share');

  sessions
    .command('messages')
    .description('The messages of a session, oldest first (-o json for the full content)')
    .argument('<id>', 'session id')
    .action(async (id: string) => {
      const answer = await runtime.client().call(routes.listSessionMessages, { params: { id } });
      printList(runtime, answer, messageColumns, (m) => `message/${m.seq}`, 'No messages.');
    });
}
