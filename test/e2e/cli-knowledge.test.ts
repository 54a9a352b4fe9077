import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type ActlResult, runActl } from '../support/cli.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

/** `actl kb`: the example runbooks ingested from a folder, searched in English and Chinese. */
let t: TestPlatform;
let scratch: string;

const actl = (args: string[]) =>
  runActl(args, { env: { AGENTICAI_SERVER: t.url, AGENTICAI_API_KEY: t.adminKey } });

function expectExit(result: ActlResult, code: number): void {
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(code);
}

const SearchJson = z.object({
  results: z.array(z.object({ documentId: z.string(), text: z.string() })),
  mode: z.string(),
});

beforeAll(async () => {
  t = await startTestPlatform();
  scratch = mkdtempSync(join(tmpdir(), 'kb-cli-'));
}, 60_000);

afterAll(async () => {
  await t?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('actl kb', { timeout: 120_000 }, () => {
  it('ingests a folder, skips it unchanged the second time, and searches it', async () => {
    expectExit(await actl(['apply', '-f', 'examples/knowledge/knowledge-base.yaml']), 0);
    const first = await actl(['kb', 'ingest', 'soc-runbooks', 'examples/knowledge/runbooks']);
    expectExit(first, 0);
    expect(first.stdout).toContain('3 ingested, 0 unchanged, 0 failed');
    const second = await actl(['kb', 'ingest', 'soc-runbooks', 'examples/knowledge/runbooks']);
    expectExit(second, 0);
    expect(second.stdout).toContain('0 ingested, 3 unchanged, 0 failed');

    const english = await actl([
      'kb',
      'search',
      'soc-runbooks',
      'how',
      'fast',
      'do',
      'we',
      'isolate',
      'infected',
      'hosts',
    ]);
    expectExit(english, 0);
    expect(english.stdout.split('\n')[1]).toContain('ransomware.md');
    const chinese = await actl(['kb', 'search', 'soc-runbooks', '备份服务器', '-k', '1', '-o', 'json']);
    expectExit(chinese, 0);
    const parsed = SearchJson.parse(JSON.parse(chinese.stdout));
    expect(parsed.results[0]?.documentId).toContain('勒索软件处置.md');
    expect(parsed.results[0]?.text).toContain('备份服务器');

    const bases = await actl(['get', 'kb']);
    expectExit(bases, 0);
    expect(bases.stdout).toMatch(/soc-runbooks\s+hashing\s+markdown-headings\/800\s+everyone\/L2\s+3/);
    const jobs = await actl(['kb', 'jobs', 'soc-runbooks']);
    expect(jobs.stdout.split('\n').filter((line) => line.includes('succeeded'))).toHaveLength(2);

    const removed = await actl(['kb', 'rm', 'soc-runbooks', 'examples/knowledge/runbooks/phishing.md']);
    expectExit(removed, 0);
    const docs = await actl(['kb', 'docs', 'soc-runbooks']);
    expect(docs.stdout).not.toContain('phishing.md');
    expect(docs.stdout).toContain('ransomware.md');
  });

  it('reports files that cannot be ingested, ingests the rest, and exits 1', async () => {
    writeFileSync(join(scratch, 'empty.md'), '');
    writeFileSync(join(scratch, 'binary.txt'), Buffer.from([0, 1, 2, 0, 255, 254]));
    writeFileSync(join(scratch, 'good.md'), '# Good\nThe badge office opens at nine.');
    writeFileSync(join(scratch, 'picture.png'), Buffer.from([137, 80, 78, 71]));
    const result = await actl(['kb', 'ingest', 'soc-runbooks', scratch]);
    expectExit(result, 1);
    expect(result.stderr).toMatch(/failed .*empty\.md: the file is empty/);
    expect(result.stderr).toMatch(/failed .*binary\.txt: .*binary/i);
    expect(result.stderr).toMatch(/skipped .*picture\.png/);
    expect(result.stdout).toContain('1 ingested, 0 unchanged, 2 failed');
  });

  it('says what is wrong with a bad call', async () => {
    const unknown = await actl(['kb', 'search', 'no-such-kb', 'anything']);
    expectExit(unknown, 3);
    expect(unknown.stderr).toContain('no-such-kb');
    const zero = await actl(['kb', 'search', 'soc-runbooks', 'x', '-k', '0']);
    expectExit(zero, 1);
    expect(zero.stderr).toContain('top_k');
  });
});
