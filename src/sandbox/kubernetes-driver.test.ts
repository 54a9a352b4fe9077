import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../core/index.ts';
import { SandboxLimitsSchema, type SandboxSpec } from './driver.ts';
import { KubernetesSandboxDriver } from './kubernetes-driver.ts';

/**
 * kubectlDouble: an executable that stands in for kubectl and a cluster. It records each call in
 * `calls.jsonl`, keeps "pods" as folders, and answers as kubectl does, including the trailer
 * kubectl exec adds to stderr when the command fails. For `exec` it runs the command on this
 * machine with /workspace mapped to the pod's folder: it is a double of the cluster, never of
 * the sandbox's isolation. It refuses to run anything that mentions `kill`, which in a pod ends
 * every process but PID 1 and here would end the test runner's.
 */
function kubectlDouble(state: string): string {
  const script = `#!/usr/bin/env node
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
const state = ${JSON.stringify(state)};
const argv = process.argv.slice(2);
const globals = {};
while (argv[0]?.startsWith('--')) globals[argv.shift().slice(2)] = argv.shift();
const [verb, ...rest] = argv;
const stdin = verb === 'exec' ? null : readFileSync(0, 'utf8');
appendFileSync(state + '/calls.jsonl', JSON.stringify({ globals, verb, args: rest, stdin }) + '\\n');
const fail = (message) => { process.stderr.write(message + '\\n'); process.exit(1); };
const podDir = (name) => state + '/pods/' + name;
const existing = (name) => existsSync(podDir(name)) ? name : fail('Error from server (NotFound): pods "' + name + '" not found');
const podArg = () => existing(rest.find((arg) => arg.startsWith('pod/')).slice(4));
if (verb === 'apply') {
  if (existsSync(state + '/apply-error')) fail(readFileSync(state + '/apply-error', 'utf8'));
  for (const item of JSON.parse(stdin).items) {
    if (item.kind === 'Pod') {
      mkdirSync(podDir(item.metadata.name) + '/workspace', { recursive: true });
      writeFileSync(podDir(item.metadata.name) + '/pod.json', JSON.stringify(item));
    }
    console.log(item.kind.toLowerCase() + '/' + item.metadata.name + ' created');
  }
} else if (verb === 'wait') {
  console.log('pod/' + podArg() + ' condition met');
} else if (verb === 'get') {
  const pod = JSON.parse(readFileSync(podDir(podArg()) + '/pod.json', 'utf8'));
  process.stdout.write(pod.metadata.annotations['agenticai.dev/limits']);
} else if (verb === 'delete') {
  const id = rest[rest.indexOf('-l') + 1].split('=')[1];
  rmSync(podDir('sbx-' + id), { recursive: true, force: true });
} else if (verb === 'exec') {
  const workspace = podDir(podArg()) + '/workspace';
  const command = rest.slice(rest.indexOf('--') + 1);
  if (command.some((arg) => /\\bkill\\b/.test(arg))) process.exit(0);
  const local = command.map((arg) => (arg === '/workspace' || arg.startsWith('/workspace/') ? workspace + arg.slice(10) : arg));
  const child = spawn(local[0], local.slice(1), { stdio: 'inherit', cwd: workspace });
  child.on('exit', (code) => {
    if (code !== 0) process.stderr.write('command terminated with exit code ' + (code ?? 137) + '\\n');
    process.exit(code ?? 137);
  });
} else {
  fail('error: unknown command "' + verb + '" for "kubectl"');
}
`;
  const path = join(state, 'kubectl-double.mjs');
  writeFileSync(path, script, { mode: 0o755 });
  chmodSync(path, 0o755);
  return path;
}

interface Call {
  globals: Record<string, string>;
  verb: string;
  args: string[];
  stdin: string | null;
}

const spec: SandboxSpec = {
  id: 'abc123',
  limits: SandboxLimitsSchema.parse({ maxOutputBytes: 1024, timeoutMs: 10_000 }),
  egress: [],
};

describe('KubernetesSandboxDriver against kubectlDouble', () => {
  let state: string;
  let driver: KubernetesSandboxDriver;
  const calls = (): Call[] =>
    readFileSync(join(state, 'calls.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Call);
  const workspace = join('pods', 'sbx-abc123', 'workspace');
  const options = { namespace: 'sandboxes', runtimeClassName: 'gvisor', image: 'sandbox:1', context: 'test' };

  beforeEach(async () => {
    state = mkdtempSync(join(tmpdir(), 'kubectl-double-'));
    driver = new KubernetesSandboxDriver({ ...options, kubectl: kubectlDouble(state), readyTimeoutMs: 5000 });
    await driver.create(spec);
  });
  afterEach(() => rmSync(state, { recursive: true, force: true }));

  it('creates by applying a List of the NetworkPolicy and the Pod, then waits for Ready', () => {
    const [apply, wait] = calls();
    expect(apply?.globals).toEqual({ context: 'test', namespace: 'sandboxes' });
    expect(apply?.args).toEqual(['-f', '-']);
    const list = JSON.parse(apply?.stdin ?? '') as {
      kind: string;
      items: { kind: string; metadata: object }[];
    };
    expect(list.kind).toBe('List');
    expect(list.items.map((item) => item.kind)).toEqual(['NetworkPolicy', 'Pod']);
    expect(list.items[1]?.metadata).toMatchObject({ name: 'sbx-abc123', namespace: 'sandboxes' });
    expect(wait).toMatchObject({
      verb: 'wait',
      args: ['--for=condition=Ready', 'pod/sbx-abc123', '--timeout=5s'],
    });
  });

  it('returns the exit code, stdout and stderr of a failing command, without kubectl’s trailer', async () => {
    const result = await driver.exec(spec.id, ['/bin/sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(result).toMatchObject({ outcome: 'completed', exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
    expect(calls().at(-1)?.args.slice(0, 5)).toEqual(['-i', 'pod/sbx-abc123', '-c', 'sandbox', '--']);
  });

  it('passes stdin and the environment', async () => {
    const echoed = await driver.exec(spec.id, ['cat'], { stdin: 'hello' });
    expect(echoed).toMatchObject({ outcome: 'completed', exitCode: 0, stdout: 'hello' });
    const env = await driver.exec(spec.id, ['/bin/sh', '-c', 'echo "$GREETING"'], {
      env: { GREETING: 'hi there' },
    });
    expect(env.stdout).toBe('hi there\n');
    await expect(driver.exec(spec.id, ['true'], { env: { 'A=B': 'x' } })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
    });
  });

  it('stops a command at its timeout and then kills what it left in the pod', async () => {
    const result = await driver.exec(spec.id, ['sleep', '5'], { timeoutMs: 300 });
    expect(result).toMatchObject({ outcome: 'timeout', exitCode: null, truncated: false });
    expect(result.durationMs).toBeLessThan(3000);
    expect(calls().at(-1)?.args.slice(-3)).toEqual(['/bin/sh', '-c', 'kill -KILL -1']);
  });

  it('stops a command whose output passes maxOutputBytes and keeps exactly that much', async () => {
    const result = await driver.exec(spec.id, ['yes']);
    expect(result).toMatchObject({ outcome: 'output_truncated', exitCode: null, truncated: true });
    expect(result.stdout).toHaveLength(1024);
  });

  it('reports aborted when the signal fires', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const result = await driver.exec(spec.id, ['sleep', '5'], { signal: controller.signal });
    expect(result).toMatchObject({ outcome: 'aborted', exitCode: null });
  });

  it('writes and reads workspace files, creating folders on the way', async () => {
    await driver.writeFile(spec.id, 'notes/./a.txt', 'hello');
    expect(readFileSync(join(state, workspace, 'notes', 'a.txt'), 'utf8')).toBe('hello');
    expect(Buffer.from(await driver.readFile(spec.id, 'notes/a.txt')).toString()).toBe('hello');
    expect(Buffer.from(await driver.readFile(spec.id, 'notes/a.txt', 2)).toString()).toBe('he');
    expect((await driver.stats(spec.id)).workspaceBytes).toBeGreaterThanOrEqual(5);
    await expect(driver.readFile(spec.id, 'missing.txt')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses paths that leave the workspace before calling kubectl, and symlinks in the pod', async () => {
    const before = calls().length;
    for (const path of ['../x', 'a/../../x', '/etc/passwd', 'a\0b', '.']) {
      await expect(driver.readFile(spec.id, path)).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
      await expect(driver.writeFile(spec.id, path, 'x')).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    }
    expect(calls()).toHaveLength(before);
    symlinkSync('/etc', join(state, workspace, 'link'));
    await expect(driver.readFile(spec.id, 'link/hostname')).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
    });
    writeFileSync(join(state, 'outside.txt'), 'host');
    symlinkSync(join(state, 'outside.txt'), join(state, workspace, 'outside'));
    await expect(driver.writeFile(spec.id, 'outside', 'x')).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
    });
    expect(readFileSync(join(state, 'outside.txt'), 'utf8')).toBe('host');
  });

  it('reads the limits back from the pod when another driver instance created it', async () => {
    const other = new KubernetesSandboxDriver({ ...options, kubectl: join(state, 'kubectl-double.mjs') });
    const result = await other.exec(spec.id, ['yes']);
    expect(result.stdout).toHaveLength(1024);
    expect(calls().some((call) => call.verb === 'get')).toBe(true);
  });

  it('destroys by label selector, idempotently, after which the sandbox is not found', async () => {
    await driver.destroy(spec.id);
    await driver.destroy(spec.id);
    expect(calls().at(-1)).toMatchObject({
      verb: 'delete',
      args: ['pod,networkpolicy', '-l', 'agenticai.dev/sandbox=abc123', '--ignore-not-found', '--wait=false'],
    });
    expect(existsSync(join(state, 'pods', 'sbx-abc123'))).toBe(false);
    await expect(driver.exec(spec.id, ['true'])).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('surfaces a kubectl failure in create as UNAVAILABLE with its stderr, and cleans up', async () => {
    const stderr =
      'error: resource mapping not found for name: "sbx-def456": no matches for kind "RuntimeClass"';
    writeFileSync(join(state, 'apply-error'), `${stderr}\n`);
    const failure = await driver.create({ ...spec, id: 'def456' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AppError);
    expect(failure).toMatchObject({ code: 'UNAVAILABLE' });
    expect((failure as AppError).message).toContain(stderr);
    expect(calls().at(-1)).toMatchObject({
      verb: 'delete',
      args: expect.arrayContaining(['agenticai.dev/sandbox=def456']),
    });
  });

  it('says UNAVAILABLE when kubectl itself cannot run', async () => {
    mkdirSync(join(state, 'empty'));
    const missing = new KubernetesSandboxDriver({ ...options, kubectl: join(state, 'empty', 'kubectl') });
    await expect(missing.create({ ...spec, id: 'x1' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
