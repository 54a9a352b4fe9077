import { parseJson } from '../contracts/index.ts';
import { AppError, invalid, notFound } from '../core/index.ts';
import {
  type ExecOptions,
  type ExecResult,
  type SandboxDriver,
  type SandboxLimits,
  SandboxLimitsSchema,
  type SandboxSpec,
  type SandboxStats,
} from './driver.ts';
import {
  type KubernetesSandboxOptions,
  kubernetesSandboxManifests,
  LIMITS_ANNOTATION,
  podName,
  SANDBOX_CONTAINER,
  SANDBOX_LABEL,
  WORKSPACE_PATH,
} from './kubernetes-manifests.ts';
import { runProcess } from './run-process.ts';
import { workspacePath } from './workspace.ts';

export interface KubernetesSandboxDriverOptions extends KubernetesSandboxOptions {
  /** The kubectl binary; `kubectl` on PATH when absent. */
  kubectl?: string;
  /** The kubeconfig context; the current one when absent. */
  context?: string;
  /** How long `create` waits for the pod to be scheduled, pulled and Ready. */
  readyTimeoutMs?: number;
}

const DEFAULT_READY_TIMEOUT_MS = 120_000;
const DEFAULT_READ_MAX_BYTES = 16 * 1024 * 1024;
/** For calls that do not run user code: apply, delete, get, du, file transfers. */
const CONTROL_TIMEOUT_MS = 60_000;
const CONTROL_OUTPUT_BYTES = 1024 * 1024;
const CONTROL = { timeoutMs: CONTROL_TIMEOUT_MS, maxOutputBytes: CONTROL_OUTPUT_BYTES } as const;

/** kubectl exec ends stderr with this line and exits with the code when the command failed. */
const EXIT_TRAILER = /(?:^|\n)command terminated with exit code (\d+)\n?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `sh -c FILE_SCRIPT sh r|w /workspace a/b/c`: reads or writes a workspace file, exiting 90 if a
 * symlink is on the way (and creating missing directories when writing). The pod holds nothing
 * of the host, so the check keeps the driver contract rather than guarding an escape; a process
 * in the sandbox could still swap a component between the check and the open.
 */
const SYMLINK_EXIT = 90;
const FILE_SCRIPT = [
  'set -f; IFS=/; mode=$1; p=$2; last=',
  'for c in $3; do',
  '  if [ -n "$last" ]; then',
  `    p="$p/$last"; [ -L "$p" ] && exit ${SYMLINK_EXIT}; [ "$mode" = w ] && [ ! -d "$p" ] && mkdir "$p"`,
  '  fi; last=$c',
  'done',
  `p="$p/$last"; [ -L "$p" ] && exit ${SYMLINK_EXIT}`,
  'if [ "$mode" = w ]; then exec cat > "$p"; else exec cat -- "$p"; fi',
].join('\n');
const fileCommand = (mode: 'r' | 'w', relative: string) => [
  '/bin/sh',
  '-c',
  FILE_SCRIPT,
  'sh',
  mode,
  WORKSPACE_PATH,
  relative,
];

interface KubectlCall {
  stdin?: string | Uint8Array;
  timeoutMs: number;
  maxOutputBytes: number;
  signal?: AbortSignal;
}

interface KubectlResult {
  /** null when kubectl was killed. */
  exitCode: number | null;
  stdout: Buffer;
  stderr: string;
  /** Set when the driver stopped kubectl: which limit ended it. */
  stoppedBy?: 'timeout' | 'aborted' | 'output_truncated';
  durationMs: number;
}

/**
 * Sandboxes as pods under a sandboxing RuntimeClass (gVisor, Kata), driven through `kubectl` so
 * the platform needs no Kubernetes client library and uses whatever credentials kubectl has.
 *
 * One exec at a time per sandbox: an exec that times out, is aborted or overflows its output ends
 * every process in the pod but PID 1, because killing kubectl does not stop the remote command.
 * Limits are cached from `create` and otherwise read back from the pod's annotation, so a
 * restarted platform can keep using sandboxes it did not create.
 */
export class KubernetesSandboxDriver implements SandboxDriver {
  readonly name = 'kubernetes';
  readonly #options: KubernetesSandboxDriverOptions;
  readonly #limits = new Map<string, SandboxLimits>();

  constructor(options: KubernetesSandboxDriverOptions) {
    this.#options = options;
  }

  /** Throws UNAVAILABLE with kubectl's stderr when the objects cannot be applied or never get Ready. */
  async create(spec: SandboxSpec, signal?: AbortSignal): Promise<void> {
    const manifests = kubernetesSandboxManifests(spec, this.#options);
    // The policy goes first so the pod never runs a moment without it.
    const list = { apiVersion: 'v1', kind: 'List', items: [manifests.networkPolicy, manifests.pod] };
    const control = { ...CONTROL, signal };
    const readyMs = this.#options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    const pod = `pod/${podName(spec.id)}`;
    const wait = ['wait', '--for=condition=Ready', pod, `--timeout=${Math.ceil(readyMs / 1000)}s`];
    try {
      const applied = await this.#kubectl(['apply', '-f', '-'], { ...control, stdin: JSON.stringify(list) });
      this.#throwIfFailed(applied, `cannot create sandbox ${spec.id}`, signal);
      const ready = await this.#kubectl(wait, { ...control, timeoutMs: readyMs + CONTROL_TIMEOUT_MS });
      this.#throwIfFailed(ready, `sandbox ${spec.id} did not get ready`, signal);
    } catch (error) {
      // Nothing may stay behind half made; the first failure is the one worth reporting.
      await this.destroy(spec.id).catch(() => undefined);
      throw error;
    }
    this.#limits.set(spec.id, spec.limits);
  }

  async exec(id: string, command: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (command.length === 0) throw invalid('command is empty');
    const env = Object.entries(options.env ?? {});
    const badName = env.find(([name]) => !ENV_NAME.test(name));
    if (badName) throw invalid(`invalid environment variable name "${badName[0]}"`);
    // `env -- NAME=VALUE… command`: kubectl exec has no way to pass an environment.
    const argv = env.length === 0 ? command : ['env', '--', ...env.map(([k, v]) => `${k}=${v}`), ...command];
    const limits = await this.#limitsOf(id);
    const result = await this.#exec(id, argv, {
      stdin: options.stdin ?? '',
      timeoutMs: options.timeoutMs ?? limits.timeoutMs,
      maxOutputBytes: limits.maxOutputBytes,
      signal: options.signal,
    });
    if (result.stoppedBy) await this.#killStragglers(id);
    return {
      outcome: result.stoppedBy ?? 'completed',
      exitCode: result.stoppedBy ? null : result.exitCode,
      stdout: result.stdout.toString('utf8'),
      stderr: result.stderr,
      truncated: result.stoppedBy === 'output_truncated',
      durationMs: result.durationMs,
    };
  }

  async writeFile(id: string, path: string, content: Uint8Array | string): Promise<void> {
    const relative = workspacePath(path).join('/');
    const result = await this.#exec(id, fileCommand('w', relative), { ...CONTROL, stdin: content });
    if (result.stoppedBy)
      throw new AppError('UNAVAILABLE', `writing ${path} in sandbox ${id}: ${describe(result)}`);
    if (result.exitCode !== 0) throw fileFailure(path, result);
  }

  /** Returns at most the first `maxBytes`; throws NOT_FOUND for a missing file. */
  async readFile(id: string, path: string, maxBytes = DEFAULT_READ_MAX_BYTES): Promise<Uint8Array> {
    const relative = workspacePath(path).join('/');
    const result = await this.#exec(id, fileCommand('r', relative), { ...CONTROL, maxOutputBytes: maxBytes });
    if (result.stoppedBy === 'timeout')
      throw new AppError('UNAVAILABLE', `reading ${path} in sandbox ${id} timed out`);
    if (!result.stoppedBy && result.exitCode !== 0) throw fileFailure(path, result);
    return new Uint8Array(result.stdout);
  }

  /** Needs a `du` with `-b` (GNU coreutils) in the image. Pod restarts are not counted: restartPolicy is Never. */
  async stats(id: string): Promise<SandboxStats> {
    const result = await this.#exec(id, ['du', '-sb', WORKSPACE_PATH], CONTROL);
    // du exits 1 but still prints the total when it cannot read a directory the sandbox made.
    const total = /^(\d+)\s/.exec(result.stdout.toString('utf8'));
    if (!total?.[1]) throw new AppError('UNAVAILABLE', `cannot measure sandbox ${id}: ${describe(result)}`);
    return { workspaceBytes: Number(total[1]), restarts: 0 };
  }

  async destroy(id: string): Promise<void> {
    this.#limits.delete(id);
    const selector = `${SANDBOX_LABEL}=${id}`;
    const args = ['delete', 'pod,networkpolicy', '-l', selector, '--ignore-not-found', '--wait=false'];
    this.#throwIfFailed(await this.#kubectl(args, CONTROL), `cannot destroy sandbox ${id}`);
  }

  async #limitsOf(id: string): Promise<SandboxLimits> {
    const cached = this.#limits.get(id);
    if (cached) return cached;
    const jsonPath = `jsonpath={.metadata.annotations.${LIMITS_ANNOTATION.replaceAll('.', '\\.')}}`;
    const result = await this.#kubectl(['get', `pod/${podName(id)}`, '-o', jsonPath], CONTROL);
    if (/\bNotFound\b/.test(result.stderr)) throw notFound('sandbox', id);
    this.#throwIfFailed(result, `cannot read sandbox ${id}`);
    const json = parseJson(result.stdout.toString('utf8'));
    const limits = json.ok ? SandboxLimitsSchema.safeParse(json.value) : undefined;
    if (!limits?.success)
      throw new AppError('UNAVAILABLE', `pod ${podName(id)} has no valid ${LIMITS_ANNOTATION}`);
    this.#limits.set(id, limits.data);
    return limits.data;
  }

  /**
   * Runs `command` in the sandbox container. A non-zero exit of the command comes back as the
   * result; kubectl failing on its own (no pod, no cluster) throws NOT_FOUND or UNAVAILABLE.
   */
  async #exec(id: string, command: readonly string[], call: KubectlCall): Promise<KubectlResult> {
    const args = ['exec', '-i', `pod/${podName(id)}`, '-c', SANDBOX_CONTAINER, '--', ...command];
    const result = await this.#kubectl(args, call);
    if (result.stoppedBy || result.exitCode === 0) return result;
    const trailer = EXIT_TRAILER.exec(result.stderr);
    if (trailer && Number(trailer[1]) === result.exitCode) {
      const end = trailer.index + (trailer[0].startsWith('\n') ? 1 : 0);
      return { ...result, stderr: result.stderr.slice(0, end) };
    }
    if (/\bNotFound\b/.test(result.stderr)) throw notFound('sandbox', id);
    throw new AppError('UNAVAILABLE', `kubectl exec in sandbox ${id} failed: ${describe(result)}`);
  }

  /** Best effort: the pod may already be gone, and the exec's outcome already says why it ended. */
  async #killStragglers(id: string): Promise<void> {
    // kill(-1) skips PID 1 and the caller: the idle loop survives, every exec'd process dies.
    await this.#exec(id, ['/bin/sh', '-c', 'kill -KILL -1'], CONTROL).catch(() => undefined);
  }

  #throwIfFailed(result: KubectlResult, what: string, signal?: AbortSignal): void {
    if (result.stoppedBy === 'aborted')
      throw signal?.reason ?? new AppError('UNAVAILABLE', `${what}: aborted`);
    if (result.stoppedBy || result.exitCode !== 0)
      throw new AppError('UNAVAILABLE', `${what}: ${describe(result)}`);
  }

  /**
   * kubectl through the sandboxes' process runner: its own process group (no shell), killed whole
   * at the first limit, so credential plugins it started die with it. Throws UNAVAILABLE only when
   * kubectl cannot start.
   */
  async #kubectl(args: readonly string[], call: KubectlCall): Promise<KubectlResult> {
    const context = this.#options.context === undefined ? [] : ['--context', this.#options.context];
    const binary = this.#options.kubectl ?? 'kubectl';
    if (call.signal?.aborted)
      return { exitCode: null, stdout: Buffer.alloc(0), stderr: '', stoppedBy: 'aborted', durationMs: 0 };
    const run = await runProcess(binary, [...context, '--namespace', this.#options.namespace, ...args], {
      stdin: call.stdin,
      timeoutMs: call.timeoutMs,
      maxOutputBytes: call.maxOutputBytes,
      signal: call.signal,
      // kubectl needs its own configuration and credentials (KUBECONFIG, HOME).
      inheritEnvironment: true,
    });
    if (run.startError)
      throw new AppError('UNAVAILABLE', `cannot run ${binary}: ${run.startError.message}`, {
        cause: run.startError,
      });
    return {
      exitCode: run.stoppedFor ? null : run.exitCode,
      stdout: run.stdoutBytes,
      stderr: run.stderr,
      ...(run.stoppedFor ? { stoppedBy: run.stoppedFor } : {}),
      durationMs: run.durationMs,
    };
  }
}

function fileFailure(path: string, result: KubectlResult): AppError {
  if (result.exitCode === SYMLINK_EXIT) return invalid(`path "${path}" goes through a symlink`);
  if (/No such file/.test(result.stderr)) return notFound('file', path);
  if (/No space left/.test(result.stderr))
    return new AppError('QUOTA_EXCEEDED', `the workspace is full (${path})`);
  return invalid(`cannot access "${path}": ${result.stderr.trim()}`);
}

function describe(result: KubectlResult): string {
  if (result.stoppedBy) return `kubectl stopped (${result.stoppedBy})`;
  return result.stderr.trim() || `kubectl exited with code ${result.exitCode}`;
}
