import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseJson, type RunCreate, RunCreateSchema } from '../contracts/index.ts';
import { UsageError } from './exit-codes.ts';

export interface RunFlags {
  input: string;
  jsonInput?: boolean;
  idempotencyKey?: string;
  session?: string;
  agentVersion?: string;
  metadata?: string[];
}

/** Which flag sets each field of the request body, so a schema error names the flag. */
const FLAG_OF: Record<string, string> = {
  input: '--input',
  idempotency_key: '--idempotency-key',
  session_id: '--session',
  version: '--agent-version',
  metadata: '--metadata',
};

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The text of `--input`: the value itself, `@path` the content of a file (relative to cwd), `-`
 * standard input. One trailing newline of a file or of stdin is dropped (`echo hi | actl run`).
 * Throws UsageError when the file cannot be read.
 */
export async function readInputText(
  spec: string,
  cwd: string,
  stdin: NodeJS.ReadableStream,
): Promise<string> {
  let text: string;
  if (spec === '-') text = await readAll(stdin);
  else if (spec.startsWith('@')) {
    const path = spec.slice(1);
    try {
      text = await readFile(resolve(cwd, path), 'utf8');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
      throw new UsageError(`cannot read the --input file "${path}": ${reason}`);
    }
  } else return spec;
  return text.replace(/\r?\n$/, '');
}

/** `key=value` pairs of --metadata; throws UsageError for a pair without "=" or a key. */
export function parseMetadata(pairs: readonly string[]): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals < 1) throw new UsageError(`--metadata takes key=value (got "${pair}")`);
    metadata[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return metadata;
}

/**
 * The body of createRun from the flags, checked against the API's own schema, so a mistake is a
 * usage error (exit 2) naming the flag. `--json-input` parses the text as JSON (an object for a
 * workflow agent, or `{messages: [...]}`); without it the text is the user message.
 */
export async function runCreateBody(
  flags: RunFlags,
  cwd: string,
  stdin: NodeJS.ReadableStream,
): Promise<RunCreate> {
  const text = await readInputText(flags.input, cwd, stdin);
  let input: unknown = text;
  if (flags.jsonInput) {
    const parsed = parseJson(text);
    if (!parsed.ok) throw new UsageError(`--json-input: the input is not JSON: ${parsed.error}`);
    input = parsed.value;
  }
  const body = {
    input,
    ...(flags.idempotencyKey !== undefined ? { idempotency_key: flags.idempotencyKey } : {}),
    ...(flags.session !== undefined ? { session_id: flags.session } : {}),
    ...(flags.agentVersion !== undefined ? { version: Number(flags.agentVersion) } : {}),
    ...(flags.metadata && flags.metadata.length > 0 ? { metadata: parseMetadata(flags.metadata) } : {}),
  };
  const checked = RunCreateSchema.safeParse(body);
  if (!checked.success) {
    const problems = checked.error.issues.map((issue) => {
      const field = String(issue.path[0] ?? 'input');
      const flag = FLAG_OF[field] ?? field;
      return flag === '--input' && issue.code === 'invalid_union'
        ? '--input: must be text, {"messages": [...]} or a JSON object'
        : `${flag}: ${issue.message}`;
    });
    throw new UsageError(problems.join('\n'));
  }
  return checked.data;
}
