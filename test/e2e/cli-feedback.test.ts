import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type ActlResult, runActl } from '../support/cli.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { createAgent, echoAgent, runToEnd } from '../support/runs.ts';

/**
 * `actl runs feedback` and `actl datasets export` as a user runs them: the real bin/actl in a
 * child process against a real platform, with a workflow agent that echoes its input.
 */

const PHONE = '13812345678';
const CORRECTION = 'Do not block: web-7 is our own scanner. Close the alert.';
const DpoLine = z.object({
  prompt: z.array(z.object({ role: z.string(), content: z.string() })),
  chosen: z.array(z.object({ role: z.literal('assistant'), content: z.string() })),
  rejected: z.array(z.object({ role: z.literal('assistant'), content: z.string() })),
  run_id: z.string(),
  agent: z.string(),
  score: z.number(),
  category: z.string().nullable(),
});

let platform: TestPlatform;
let scratch: string;

const actl = (args: string[], input?: string) =>
  runActl(args, {
    env: { AGENTICAI_SERVER: platform.url, AGENTICAI_API_KEY: platform.adminKey },
    cwd: scratch,
    ...(input !== undefined ? { input } : {}),
  });

function expectExit(result: ActlResult, code: number): void {
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(code);
}

beforeAll(async () => {
  platform = await startTestPlatform();
  scratch = mkdtempSync(join(tmpdir(), 'actl-feedback-'));
  await createAgent(platform, echoAgent('echo-triage'));
}, 120_000);

afterAll(async () => {
  await platform?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('actl runs feedback and actl datasets export', { timeout: 120_000 }, () => {
  it('records feedback, replaces it, lists it, and exports the correction as a DPO pair', async () => {
    const run = await runToEnd(platform, 'echo-triage', { input: { text: `block the caller ${PHONE}` } });
    expect(run.status).toBe('completed');

    const first = await actl(['runs', 'feedback', run.id, '--up']);
    expectExit(first, 0);
    expect(first.stdout).toContain(`feedback on run/${run.id} recorded: up`);

    // The correction comes from stdin, as a long one would.
    const second = await actl(
      ['runs', 'feedback', run.id, '--down', '--category', 'wrong_action', '--correction', '-'],
      `${CORRECTION}\n`,
    );
    expectExit(second, 0);
    expect(second.stdout).toContain(
      `feedback on run/${run.id} replaced: down, wrong_action, with a correction`,
    );

    const listed = await actl(['runs', 'feedback', run.id, '--list', '-o', 'json']);
    expectExit(listed, 0);
    const items = z
      .object({ items: z.array(z.object({ score: z.number(), correction: z.string().nullable() })) })
      .parse(JSON.parse(listed.stdout)).items;
    expect(items).toEqual([{ score: -1, correction: CORRECTION }]);

    const exported = await actl([
      'datasets',
      'export',
      '--format',
      'dpo-jsonl',
      '--agent',
      'echo-triage',
      '--out',
      'prefs.jsonl',
    ]);
    expectExit(exported, 0);
    expect(exported.stderr).toContain('1 DPO example written to prefs.jsonl');
    expect(readdirSync(scratch)).toEqual(['prefs.jsonl']);
    const lines = readFileSync(join(scratch, 'prefs.jsonl'), 'utf8').trim().split('\n');
    const pairs = lines.map((line) => DpoLine.parse(JSON.parse(line)));
    expect(pairs).toEqual([
      {
        prompt: [{ role: 'user', content: '{"text":"block the caller ***********"}' }],
        chosen: [{ role: 'assistant', content: CORRECTION }],
        rejected: [{ role: 'assistant', content: 'block the caller ***********' }],
        run_id: run.id,
        agent: 'echo-triage',
        score: -1,
        category: 'wrong_action',
      },
    ]);

    const sft = await actl(['datasets', 'export', '--format', 'sft-jsonl', '--agent', 'echo-triage']);
    expectExit(sft, 0);
    const examples = sft.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { completion_source: string });
    expect(examples.map((e) => e.completion_source)).toEqual(['correction']);
  });

  it('exits 2 for flags that do not fit, 3 for a run it cannot find', async () => {
    const run = await runToEnd(platform, 'echo-triage', { input: { text: 'flags' } });
    const both = await actl(['runs', 'feedback', run.id, '--up', '--down']);
    expectExit(both, 2);
    expect(both.stderr).toContain('--up or --down');
    const badCategory = await actl(['runs', 'feedback', run.id, '--up', '--category', 'Bad Label']);
    expectExit(badCategory, 2);
    expect(badCategory.stderr).toContain('--category');
    const badFormat = await actl(['datasets', 'export', '--format', 'csv']);
    expectExit(badFormat, 2);
    const badTime = await actl(['datasets', 'export', '--format', 'sft-jsonl', '--from', 'yesterday-ish']);
    expectExit(badTime, 2);
    expectExit(await actl(['runs', 'feedback', 'no-such-run', '--up']), 3);
    expectExit(await actl(['runs', 'feedback', run.id, '--withdraw']), 3);
  });

  it('explains itself in --help', async () => {
    const feedbackHelp = await actl(['runs', 'feedback', '--help']);
    expectExit(feedbackHelp, 0);
    expect(feedbackHelp.stdout).toContain('--correction <text|@file|->');
    const exportHelp = await actl(['datasets', 'export', '--help']);
    expectExit(exportHelp, 0);
    expect(exportHelp.stdout).toContain('dpo-jsonl');
    expect(exportHelp.stdout).toContain('--out <file>');
  });
});
