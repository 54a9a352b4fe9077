import { execFile } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { type ActlResult, type CliHome, makeCliHome, REPO_ROOT, runActl } from '../support/cli.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

const UNREACHABLE = 'http://127.0.0.1:1';
const WRONG_KEY = 'ak_wrongwrongwrongwrongwrongwrong';

const PACKAGE_VERSION = z
  .object({ version: z.string() })
  .parse(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'))).version;

let platform: TestPlatform;
let home: CliHome;

beforeAll(async () => {
  platform = await startTestPlatform();
});

afterAll(async () => {
  await platform?.close();
});

beforeEach(() => {
  home = makeCliHome();
});

afterEach(() => {
  home.remove();
});

/**
 * actl with this test's HOME and XDG_CONFIG_HOME, run from that home (so no ./.agenticai/admin.key
 * is found by accident), plus `env`.
 */
const actl = (args: string[], env: Record<string, string> = {}) =>
  runActl(args, { env: { ...home.env, ...env }, cwd: home.home });

const configFile = () => join(home.configHome, 'agenticai', 'config.yaml');

function expectExit(result: ActlResult, code: number): void {
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(code);
}

function expectNoStackTrace(result: ActlResult): void {
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

async function setContext(name: string, server: string, apiKey?: string, ...flags: string[]) {
  const result = await actl([
    'config',
    'set-context',
    name,
    '--server',
    server,
    ...(apiKey ? ['--api-key', apiKey] : []),
    ...flags,
  ]);
  expectExit(result, 0);
  return result;
}

describe('actl config', { timeout: 120_000 }, () => {
  it('set-context writes $XDG_CONFIG_HOME/agenticai/config.yaml with mode 0600 and makes the first context current', async () => {
    const result = await setContext('local', platform.url, platform.adminKey);
    expect(result.stdout.trim()).toBe('context "local" created (current)');

    expect(statSync(configFile()).mode & 0o777).toBe(0o600);
    expect(statSync(join(home.configHome, 'agenticai')).mode & 0o077).toBe(0);
    expect(parseYaml(readFileSync(configFile(), 'utf8'))).toEqual({
      currentContext: 'local',
      contexts: { local: { server: platform.url, apiKey: platform.adminKey } },
    });
  });

  it('rejects set-context without a server URL, or with one that is not a URL, with exit 2', async () => {
    const missing = await actl(['config', 'set-context', 'nowhere']);
    expectExit(missing, 2);
    expect(missing.stderr).toContain('--server');
    const bad = await actl(['config', 'set-context', 'nowhere', '--server', 'not a url']);
    expectExit(bad, 2);
    expectNoStackTrace(bad);
  });

  it('lists contexts with get-contexts, marking the current one and never showing keys', async () => {
    await setContext('local', platform.url, platform.adminKey);
    await setContext('remote', 'https://agenticai.example.com');

    const result = await actl(['config', 'get-contexts']);
    expectExit(result, 0);
    expect(result.stdout).not.toContain(platform.adminKey);
    const [header, ...rows] = result.stdout.split('\n').filter((line) => line.trim() !== '');
    expect(header).toMatch(/^CURRENT\s+NAME\s+SERVER\s+API KEY$/);
    const cells = rows.map((row) => row.trim().split(/\s+/));
    expect(cells).toEqual(
      expect.arrayContaining([
        ['*', 'local', platform.url, 'set'],
        ['remote', 'https://agenticai.example.com', '-'],
      ]),
    );
    expect(cells).toHaveLength(2);
  });

  it('switches with use-context, and current-context reports the context, server and key source', async () => {
    await setContext('local', platform.url, platform.adminKey);
    await setContext('remote', 'https://agenticai.example.com');

    const switched = await actl(['config', 'use-context', 'remote']);
    expectExit(switched, 0);
    expect(switched.stdout.trim()).toBe('switched to context "remote"');
    const remote = await actl(['config', 'current-context']);
    expectExit(remote, 0);
    expect(remote.stdout).toContain('context: remote');
    expect(remote.stdout).toContain('server: https://agenticai.example.com');

    expectExit(await actl(['config', 'use-context', 'local']), 0);
    const local = await actl(['config', 'current-context']);
    expect(local.stdout).toContain('context: local');
    expect(local.stdout).toContain(`server: ${platform.url}`);
    expect(local.stdout).toContain('api key from: context local');

    const unknown = await actl(['config', 'use-context', 'nope']);
    expectExit(unknown, 2);
    expectNoStackTrace(unknown);
  });

  it('redacts the API key in view', async () => {
    await setContext('local', platform.url, platform.adminKey);
    const result = await actl(['config', 'view']);
    expectExit(result, 0);
    expect(result.stdout).not.toContain(platform.adminKey);
    const view = z
      .object({
        currentContext: z.string(),
        contexts: z.record(z.string(), z.object({ server: z.string(), apiKey: z.string() })),
      })
      .parse(parseYaml(result.stdout));
    expect(view.currentContext).toBe('local');
    expect(view.contexts.local?.server).toBe(platform.url);
    expect(view.contexts.local?.apiKey).toContain('redacted');

    const json = await actl(['config', 'view', '-o', 'json']);
    expectExit(json, 0);
    expect(json.stdout).not.toContain(platform.adminKey);
  });

  it('connects with the current context when no flag or environment variable is set', async () => {
    await setContext('local', platform.url, platform.adminKey);
    const result = await actl(['get', 'agents', '-o', 'json']);
    expectExit(result, 0);
    expect(JSON.parse(result.stdout)).toMatchObject({ kind: 'List' });
    const whoami = await actl(['whoami']);
    expectExit(whoami, 0);
    expect(whoami.stdout).toContain('admin');
  });

  it('uses a non-current context named with --context', async () => {
    await setContext('dead', UNREACHABLE, platform.adminKey);
    await setContext('local', platform.url, platform.adminKey);
    expectExit(await actl(['whoami']), 1);
    expectExit(await actl(['--context', 'local', 'whoami']), 0);
    const unknown = await actl(['--context', 'nope', 'whoami']);
    expectExit(unknown, 2);
    expectNoStackTrace(unknown);
  });

  it('lets --server beat AGENTICAI_SERVER, which beats the context', async () => {
    await setContext('dead', UNREACHABLE, platform.adminKey);

    const contextOnly = await actl(['whoami']);
    expectExit(contextOnly, 1);
    expect(contextOnly.stderr).toContain('cannot reach');

    expectExit(await actl(['whoami'], { AGENTICAI_SERVER: platform.url }), 0);

    const flagOverEnv = await actl(['--server', platform.url, 'whoami'], { AGENTICAI_SERVER: UNREACHABLE });
    expectExit(flagOverEnv, 0);

    const envUnreachable = await actl(['whoami'], { AGENTICAI_SERVER: UNREACHABLE });
    expectExit(envUnreachable, 1);
    expect(envUnreachable.stderr).toContain(`cannot reach the server at ${UNREACHABLE}`);
    expectNoStackTrace(envUnreachable);
  });

  it('lets --api-key beat AGENTICAI_API_KEY, which beats the context key', async () => {
    await setContext('local', platform.url, platform.adminKey);

    expectExit(await actl(['whoami'], { AGENTICAI_API_KEY: WRONG_KEY }), 4);
    expectExit(await actl(['--api-key', platform.adminKey, 'whoami'], { AGENTICAI_API_KEY: WRONG_KEY }), 0);
    expectExit(await actl(['--api-key', WRONG_KEY, 'whoami'], { AGENTICAI_API_KEY: platform.adminKey }), 4);
  });

  it('deletes a context, clearing it as current, and rejects deleting an unknown one with exit 2', async () => {
    await setContext('local', platform.url, platform.adminKey);
    await setContext('other', UNREACHABLE);

    const deleted = await actl(['config', 'delete-context', 'local']);
    expectExit(deleted, 0);
    expect(deleted.stdout.trim()).toBe('context "local" deleted');
    expect(parseYaml(readFileSync(configFile(), 'utf8'))).toEqual({
      contexts: { other: { server: UNREACHABLE } },
    });
    expect(statSync(configFile()).mode & 0o777).toBe(0o600);

    const current = await actl(['config', 'current-context']);
    expect(current.stdout).toContain('context: (none)');
    const contexts = await actl(['config', 'get-contexts']);
    expect(contexts.stdout).not.toMatch(/\blocal\b/);

    const again = await actl(['config', 'delete-context', 'local']);
    expectExit(again, 2);
    expectNoStackTrace(again);
  });

  it('exits 2 with a message naming the file when the config file is not valid YAML', async () => {
    await setContext('local', platform.url, platform.adminKey);
    writeFileSync(configFile(), 'contexts: [unclosed\n');
    const result = await actl(['config', 'get-contexts']);
    expectExit(result, 2);
    expect(result.stderr).toContain(configFile());
    expectNoStackTrace(result);
  });
});

describe('actl version, completion and help', () => {
  it('prints the client version from package.json, and says when the server is not reachable', async () => {
    const result = await actl(['version'], { AGENTICAI_SERVER: UNREACHABLE });
    expectExit(result, 0);
    const [client, server] = result.stdout.split('\n');
    expect(client).toBe(`actl ${PACKAGE_VERSION}`);
    expect(server).toContain('not reachable');

    const flag = await actl(['--version']);
    expectExit(flag, 0);
    expect(flag.stdout.trim()).toBe(PACKAGE_VERSION);
  });

  it('prints the server version too when the server is reachable', async () => {
    const result = await actl(['version'], {
      AGENTICAI_SERVER: platform.url,
      AGENTICAI_API_KEY: platform.adminKey,
    });
    expectExit(result, 0);
    expect(result.stdout).toMatch(new RegExp(`^server \\S+ .* at ${platform.url}$`, 'm'));
  });

  it('prints a bash completion script that bash accepts and that completes command names', async () => {
    const result = await actl(['completion', 'bash']);
    expectExit(result, 0);
    expect(result.stdout).toContain('complete -F');
    const probe = `${result.stdout}
COMP_WORDS=(actl ge); COMP_CWORD=1; _actl_complete; echo "\${COMPREPLY[*]}"
COMP_WORDS=(actl get ag); COMP_CWORD=2; _actl_complete; echo "\${COMPREPLY[*]}"`;
    const { stdout } = await promisify(execFile)('bash', ['-c', probe]);
    const [commands, kinds] = stdout.split('\n');
    expect(commands?.split(' ')).toContain('get');
    expect(kinds?.split(' ')).toEqual(expect.arrayContaining(['agent', 'agents']));
  });

  it('prints a zsh script built on bashcompinit and a fish script with complete -c actl', async () => {
    const zsh = await actl(['completion', 'zsh']);
    expectExit(zsh, 0);
    expect(zsh.stdout).toContain('bashcompinit');
    expect(zsh.stdout).toContain('complete -F _actl_complete actl');

    const fish = await actl(['completion', 'fish']);
    expectExit(fish, 0);
    expect(fish.stdout).toContain('complete -c actl');
    expect(fish.stdout).toMatch(/-a 'apply'/);
  });

  it('exits 2 for a shell it does not support', async () => {
    const result = await actl(['completion', 'powershell']);
    expectExit(result, 2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('powershell');
    expectNoStackTrace(result);
  });

  it('lists the main commands in --help', async () => {
    const result = await actl(['--help']);
    expectExit(result, 0);
    const commands = result.stdout
      .split('Commands:')[1]
      ?.split('\n')
      .map((line) => /^ {2}(\S+)/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined);
    expect(commands).toEqual(
      expect.arrayContaining([
        'up',
        'serve',
        'apply',
        'get',
        'describe',
        'delete',
        'config',
        'version',
        'completion',
      ]),
    );
  });
});
