import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { z } from 'zod';
import { type ActlResult, runActl } from '../support/cli.ts';
import { agentManifest, startTestPlatform, type TestPlatform } from '../support/platform.ts';

const EXAMPLE_AGENTS = ['incident-report', 'secops-triage', 'support-assistant'];

/** The slice of `actl get agent -o json` these tests read. */
const AgentJson = z.object({
  metadata: z.object({ name: z.string(), labels: z.record(z.string(), z.string()).optional() }),
  status: z.object({ activeVersion: z.number().nullable(), latestVersion: z.number(), phase: z.string() }),
});
const AgentListJson = z.object({ kind: z.literal('List'), items: z.array(AgentJson) });
const VersionsJson = z.array(z.object({ version: z.number(), status: z.string() }));

let platform: TestPlatform;
let scratch: string;

const serverEnv = (apiKey?: string) => ({
  AGENTICAI_SERVER: platform.url,
  AGENTICAI_API_KEY: apiKey ?? platform.adminKey,
});
const actl = (args: string[], options: { input?: string; apiKey?: string } = {}) =>
  runActl(args, {
    env: serverEnv(options.apiKey),
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

/** Fails with the child's output, so a wrong exit code explains itself. */
function expectExit(result: ActlResult, code: number): void {
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(code);
}

/** An error is reported as text for people: never a stack trace. */
function expectNoStackTrace(result: ActlResult): void {
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stdout).not.toMatch(/^\s+at /m);
}

async function agentJson(name: string) {
  const result = await actl(['get', 'agent', name, '-o', 'json']);
  expectExit(result, 0);
  return AgentJson.parse(JSON.parse(result.stdout));
}

const yamlOf = (...manifests: object[]) => manifests.map((m) => stringify(m)).join('---\n');

beforeAll(async () => {
  platform = await startTestPlatform();
  scratch = mkdtempSync(join(tmpdir(), 'actl-manifests-'));
});

afterAll(async () => {
  await platform?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('actl apply -f examples/agents/', () => {
  it('prints one created line per object, with the version for agents, then unchanged on a second apply', async () => {
    const first = await actl(['apply', '-f', 'examples/agents/']);
    expectExit(first, 0);
    expect(lines(first.stdout).sort()).toEqual([
      'agent/incident-report created (version 1)',
      'agent/secops-triage created (version 1)',
      'agent/support-assistant created (version 1)',
      'modelbackend/local-vllm created',
    ]);

    const second = await actl(['apply', '-f', 'examples/agents/']);
    expectExit(second, 0);
    expect(lines(second.stdout).sort()).toEqual([
      'agent/incident-report unchanged',
      'agent/secops-triage unchanged',
      'agent/support-assistant unchanged',
      'modelbackend/local-vllm unchanged',
    ]);
  });
});

describe('actl get and describe', () => {
  beforeAll(async () => {
    expectExit(await actl(['apply', '-f', 'examples/agents/']), 0);
  });

  it('prints a JSON list whose items include the example agents with -o json', async () => {
    const result = await actl(['get', 'agents', '-o', 'json']);
    expectExit(result, 0);
    const list = AgentListJson.parse(JSON.parse(result.stdout));
    expect(list.items.map((a) => a.metadata.name)).toEqual(expect.arrayContaining(EXAMPLE_AGENTS));
  });

  it('prints a YAML list that the yaml package parses with -o yaml', async () => {
    const result = await actl(['get', 'agents', '-o', 'yaml']);
    expectExit(result, 0);
    const list = AgentListJson.parse(parseYaml(result.stdout));
    expect(list.items.map((a) => a.metadata.name)).toEqual(expect.arrayContaining(EXAMPLE_AGENTS));

    const json = await actl(['get', 'agents', '-o', 'json']);
    expect(parseYaml(result.stdout)).toEqual(JSON.parse(json.stdout));
  });

  it('prints one agent/<name> line per agent with -o name', async () => {
    const result = await actl(['get', 'agents', '-o', 'name']);
    expectExit(result, 0);
    const names = lines(result.stdout);
    for (const line of names) expect(line).toMatch(/^agent\/[a-z0-9-]+$/);
    expect(names).toEqual(expect.arrayContaining(EXAMPLE_AGENTS.map((name) => `agent/${name}`)));
  });

  it('prints a table with a NAME header and one row per agent by default', async () => {
    const result = await actl(['get', 'agents']);
    expectExit(result, 0);
    const [header, ...rows] = lines(result.stdout);
    expect(header).toMatch(/^NAME\s+ACTIVE\s+LATEST\s+STATUS/);
    for (const name of EXAMPLE_AGENTS) expect(rows.some((row) => row.startsWith(`${name} `))).toBe(true);
  });

  it('gets one agent by name, as a table row and as JSON', async () => {
    const table = await actl(['get', 'agent', 'secops-triage']);
    expectExit(table, 0);
    const [header, ...rows] = lines(table.stdout);
    expect(header).toMatch(/^NAME\b/);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/^secops-triage\s+1\s+1\s+published\s+react\s+local-vllm\/qwen2.5-7b-instruct/);

    const agent = await agentJson('secops-triage');
    expect(agent.metadata.name).toBe('secops-triage');
    expect(agent.metadata.labels).toMatchObject({ team: 'secops' });
  });

  it('describes an agent with its spec and a Versions table', async () => {
    const result = await actl(['describe', 'agent', 'secops-triage']);
    expectExit(result, 0);
    expect(result.stdout).toContain('name: secops-triage');
    expect(result.stdout).toContain('systemPrompt:');
    const afterVersions = result.stdout.split('Versions:')[1];
    expect(afterVersions).toBeDefined();
    const [header, ...rows] = lines(afterVersions ?? '');
    expect(header).toMatch(/^VERSION\s+STATUS/);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/^1\s+published/);
  });

  it('lists only the agents whose labels match -l team=secops', async () => {
    const result = await actl(['get', 'agents', '-l', 'team=secops', '-o', 'name']);
    expectExit(result, 0);
    expect(lines(result.stdout).sort()).toEqual(['agent/incident-report', 'agent/secops-triage']);
  });
});

describe('actl apply options and agent lifecycle', () => {
  it('reads manifests from stdin with -f -', async () => {
    const result = await actl(['apply', '-f', '-'], { input: yamlOf(agentManifest('from-stdin')) });
    expectExit(result, 0);
    expect(lines(result.stdout)).toEqual(['agent/from-stdin created (version 1)']);
    expect((await agentJson('from-stdin')).status.activeVersion).toBe(1);
  });

  it('reports what would change with --dry-run and writes nothing', async () => {
    const result = await actl(['apply', '--dry-run', '-f', '-'], {
      input: yamlOf(agentManifest('dry-run-only')),
    });
    expectExit(result, 0);
    expect(lines(result.stdout)).toHaveLength(1);
    expect(result.stdout).toMatch(/^agent\/dry-run-only created.*\(dry run\)$/m);

    const get = await actl(['get', 'agent', 'dry-run-only']);
    expectExit(get, 3);
  });

  it('keeps a changed agent as a draft with --draft, leaving the published version active', async () => {
    expectExit(await actl(['apply', '-f', '-'], { input: yamlOf(agentManifest('drafted')) }), 0);
    const changed = yamlOf(agentManifest('drafted', { prompt: 'A changed prompt.' }));
    const result = await actl(['apply', '--draft', '-f', '-'], { input: changed });
    expectExit(result, 0);
    expect(lines(result.stdout)).toEqual(['agent/drafted configured (version 2)']);

    const agent = await agentJson('drafted');
    expect(agent.status.activeVersion).toBe(1);
    expect(agent.status.latestVersion).toBe(2);
    const versions = await actl(['agents', 'versions', 'drafted', '-o', 'json']);
    expectExit(versions, 0);
    const statuses = VersionsJson.parse(JSON.parse(versions.stdout)).map((v) => [v.version, v.status]);
    expect(statuses).toEqual(
      expect.arrayContaining([
        [1, 'published'],
        [2, 'draft'],
      ]),
    );
  });

  it('publishes a changed agent as a new version on a plain apply', async () => {
    expectExit(await actl(['apply', '-f', '-'], { input: yamlOf(agentManifest('gitops')) }), 0);
    const result = await actl(['apply', '-f', '-'], {
      input: yamlOf(agentManifest('gitops', { temperature: 0.5 })),
    });
    expectExit(result, 0);
    expect(lines(result.stdout)).toEqual(['agent/gitops configured (version 2)']);
    expect((await agentJson('gitops')).status.activeVersion).toBe(2);
  });

  it('lists versions, rolls back, deprecates and publishes through actl agents', {
    timeout: 180_000,
  }, async () => {
    const apply = (prompt: string, ...flags: string[]) =>
      actl(['apply', ...flags, '-f', '-'], { input: yamlOf(agentManifest('lifecycle', { prompt })) });
    expectExit(await apply('one'), 0);
    expectExit(await apply('two'), 0);

    const versions = await actl(['agents', 'versions', 'lifecycle']);
    expectExit(versions, 0);
    const [header, ...rows] = lines(versions.stdout);
    expect(header).toMatch(/^VERSION\s+STATUS/);
    expect(rows.map((row) => row.split(/\s+/).slice(0, 2))).toEqual(
      expect.arrayContaining([
        ['1', 'published'],
        ['2', 'published'],
      ]),
    );
    expect(rows).toHaveLength(2);

    const rollback = await actl(['agents', 'rollback', 'lifecycle']);
    expectExit(rollback, 0);
    expect(rollback.stdout.trim()).toBe('agent/lifecycle rolled back to version 1');
    expect((await agentJson('lifecycle')).status.activeVersion).toBe(1);

    const deprecate = await actl(['agents', 'deprecate', 'lifecycle', '2']);
    expectExit(deprecate, 0);
    expect(deprecate.stdout.trim()).toBe('agent/lifecycle version 2 deprecated');

    expectExit(await apply('three', '--draft'), 0);
    const publish = await actl(['agents', 'publish', 'lifecycle', '3']);
    expectExit(publish, 0);
    expect(publish.stdout.trim()).toBe('agent/lifecycle now runs version 3');

    const after = await actl(['agents', 'versions', 'lifecycle', '-o', 'json']);
    expectExit(after, 0);
    const byVersion = Object.fromEntries(
      VersionsJson.parse(JSON.parse(after.stdout)).map((v) => [v.version, v.status]),
    );
    expect(byVersion).toEqual({ 1: 'published', 2: 'deprecated', 3: 'published' });
    expect((await agentJson('lifecycle')).status.activeVersion).toBe(3);
  });

  it('rejects a version that is not a positive integer with exit 2', async () => {
    const result = await actl(['agents', 'publish', 'lifecycle', 'latest']);
    expectExit(result, 2);
    expect(result.stderr).toContain('positive integer');
    expectNoStackTrace(result);
  });

  it('deletes an agent, after which get exits 3 with a not-found message', async () => {
    expectExit(await actl(['apply', '-f', '-'], { input: yamlOf(agentManifest('doomed')) }), 0);
    const deleted = await actl(['delete', 'agent', 'doomed']);
    expectExit(deleted, 0);
    expect(deleted.stdout.trim()).toBe('agent/doomed deleted');

    const get = await actl(['get', 'agent', 'doomed']);
    expectExit(get, 3);
    expect(get.stdout).toBe('');
    expect(get.stderr).toMatch(/^error: .*doomed/m);
    expectNoStackTrace(get);
  });
});

describe('actl errors', () => {
  it('rejects a directory with one invalid manifest, naming the file and field, and writes none of it', async () => {
    const dir = join(scratch, 'mixed');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a-good.yaml'), yamlOf(agentManifest('valid-neighbour')));
    const bad = agentManifest('bad-model') as { spec: { model: Record<string, unknown> } };
    bad.spec.model = { backend: 'local' };
    writeFileSync(join(dir, 'bad.yaml'), yamlOf(bad));

    const result = await actl(['apply', '-f', dir]);
    expectExit(result, 1);
    expect(result.stderr).toMatch(/bad\.yaml: \/spec\/model\/name\b/);
    expect(result.stderr).not.toContain('a-good.yaml');
    expectNoStackTrace(result);

    expectExit(await actl(['get', 'agent', 'valid-neighbour']), 3);
    expectExit(await actl(['get', 'agent', 'bad-model']), 3);
  });

  it('names the document of a multi-document file that holds the invalid manifest', async () => {
    const file = join(scratch, 'multi.yaml');
    const bad = agentManifest('multi-bad') as { spec: Record<string, unknown> };
    bad.spec.runtime = 'telepathy';
    writeFileSync(file, yamlOf(agentManifest('multi-good'), bad));

    const result = await actl(['apply', '-f', file]);
    expectExit(result, 1);
    expect(result.stderr).toMatch(/multi\.yaml \(document 2\): \/spec\/runtime\b/);
    expectNoStackTrace(result);
    expectExit(await actl(['get', 'agent', 'multi-good']), 3);
  });

  it('exits 1 on a manifest of an unknown kind or with an unknown field, naming the field', async () => {
    const widget = await actl(['apply', '-f', '-'], {
      input: 'apiVersion: agenticai.dev/v1alpha1\nkind: Widget\nmetadata: {name: w}\n',
    });
    expectExit(widget, 1);
    expect(widget.stderr).toContain('<stdin>: /kind');
    expectNoStackTrace(widget);

    const extra = agentManifest('extra-field') as { spec: Record<string, unknown> };
    extra.spec.bogus = true;
    const unknownField = await actl(['apply', '-f', '-'], { input: yamlOf(extra) });
    expectExit(unknownField, 1);
    expect(unknownField.stderr).toMatch(/<stdin>: \/spec\/bogus\b/);
    expectNoStackTrace(unknownField);
    expectExit(await actl(['get', 'agent', 'extra-field']), 3);
  });

  it('reports a name with path characters as an invalid name, never as another route', async () => {
    const commands = [
      ['get', 'agent', 'a/b'],
      ['get', 'agent', '..'],
      ['get', 'agent', '.'],
      ['delete', 'agent', '..'],
      ['agents', 'versions', '..'],
    ];
    const outcomes: string[] = [];
    for (const args of commands) {
      const result = await actl(args);
      expectNoStackTrace(result);
      const invalidName = result.code !== 0 && /name/.test(result.stderr) && !/no route/.test(result.stderr);
      if (!invalidName) outcomes.push(`${args.join(' ')} -> exit ${result.code}: ${result.stderr.trim()}`);
    }
    expect(outcomes).toEqual([]);
  });

  it('rejects YAML that does not parse with a non-zero exit, naming the file and line', async () => {
    const file = join(scratch, 'broken.yaml');
    writeFileSync(file, 'apiVersion: agenticai.dev/v1alpha1\nkind: Agent\nmetadata: {name: broken\n');
    const result = await actl(['apply', '-f', file]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/broken\.yaml.*line \d+/);
    expectNoStackTrace(result);
    expectExit(await actl(['get', 'agent', 'broken']), 3);
  });

  it('exits 2 when the manifest file does not exist', async () => {
    const missing = join(scratch, 'no-such-file.yaml');
    const result = await actl(['apply', '-f', missing]);
    expectExit(result, 2);
    expect(result.stderr).toContain(missing);
    expectNoStackTrace(result);
  });

  it('exits 2 on an unknown kind for get, describe and delete', async () => {
    for (const args of [
      ['get', 'widgets'],
      ['describe', 'widget', 'w'],
      ['delete', 'widget', 'w'],
    ]) {
      const result = await actl(args);
      expectExit(result, 2);
      expect(result.stderr).toContain('unknown kind "widget');
      expectNoStackTrace(result);
    }
  });

  it('exits 2 on an unknown command', async () => {
    const result = await actl(['frobnicate']);
    expectExit(result, 2);
    expect(result.stderr).toContain('frobnicate');
    expectNoStackTrace(result);
  });

  it('exits 2 on -o xml and prints no output', async () => {
    const result = await actl(['get', 'agents', '-o', 'xml']);
    expectExit(result, 2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('xml');
    expectNoStackTrace(result);
  });

  it('exits 4 with a hint when the API key is wrong', async () => {
    const result = await actl(['get', 'agents'], { apiKey: 'ak_thisKeyDoesNotExist0000000000' });
    expectExit(result, 4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: /m);
    expect(result.stderr).toContain('AGENTICAI_API_KEY');
    expectNoStackTrace(result);
  });

  it('exits 4 when a viewer deletes, and the agent survives', { timeout: 180_000 }, async () => {
    expectExit(await actl(['apply', '-f', '-'], { input: yamlOf(agentManifest('protected')) }), 0);
    const principal = await actl(['principals', 'create', 'v', '--role', 'viewer']);
    expectExit(principal, 0);
    expect(principal.stdout).toContain('principal/v created');
    const created = await actl(['api-keys', 'create', '--principal', 'v', '-o', 'json']);
    expectExit(created, 0);
    const { key } = z.object({ key: z.string().startsWith('ak_') }).parse(JSON.parse(created.stdout));

    const read = await actl(['get', 'agent', 'protected'], { apiKey: key });
    expectExit(read, 0);
    const denied = await actl(['delete', 'agent', 'protected'], { apiKey: key });
    expectExit(denied, 4);
    expect(denied.stderr).toMatch(/^error: /m);
    expectNoStackTrace(denied);
    const denyApply = await actl(['apply', '-f', '-'], {
      apiKey: key,
      input: yamlOf(agentManifest('viewer-made')),
    });
    expectExit(denyApply, 4);
    expectNoStackTrace(denyApply);

    expectExit(await actl(['get', 'agent', 'protected']), 0);
    expectExit(await actl(['get', 'agent', 'viewer-made']), 3);
  });

  it('exits 1 with a "cannot reach" message when the server is unreachable', async () => {
    const result = await runActl(['get', 'agents'], {
      env: { AGENTICAI_SERVER: 'http://127.0.0.1:1', AGENTICAI_API_KEY: platform.adminKey },
    });
    expectExit(result, 1);
    expect(result.stderr).toContain('cannot reach');
    expect(result.stderr).toContain('http://127.0.0.1:1');
    expectNoStackTrace(result);
  });
});
