import { randomBytes } from 'node:crypto';
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { SPAN_ATTRIBUTES as A, SPAN_NAMES } from '../contracts/index.ts';
import {
  AppError,
  activeTraceparent,
  type Clock,
  denied,
  inSpan,
  invalid,
  NO_TELEMETRY,
} from '../core/index.ts';
import type { ExecOptions, ExecResult, SandboxDriver, SandboxLimits, SandboxStats } from './driver.ts';
import type { EgressAttempt } from './egress-proxy.ts';
import { WarmPool } from './warm-pool.ts';

/** A sandbox as the API shows it. */
export interface SandboxInfo {
  id: string;
  tenantId: string;
  driver: string;
  /** Who made it: a principal, or `run:<id>` for a code-interpreter session. */
  owner: string;
  runId: string | null;
  limits: SandboxLimits;
  egress: readonly string[];
  createdAt: string;
  lastUsedAt: string;
  /** When it is destroyed unless used again (idle TTL), capped by its maximum lifetime. */
  expiresAt: string;
  /** Taken ready-made from the warm pool. */
  pooled: boolean;
}

export interface CreateSandbox {
  tenantId: string;
  owner: string;
  runId?: string | null;
  limits?: Partial<SandboxLimits>;
  egress?: readonly string[];
}

export interface SandboxManagerOptions {
  /** The chosen driver, or why there is none (code tools then refuse with that reason). */
  driver: Promise<{ driver: SandboxDriver | null; reason: string }>;
  defaults: SandboxLimits;
  poolSize: number;
  idleTtlMs: number;
  maxLifetimeMs: number;
  clock: Clock;
  logger: Logger;
  /**
   * The destinations the tenant's policy lets sandboxes reach (scopes on `sandbox_egress`); a
   * create may ask only for these, and a run's code-interpreter sandbox gets all of them.
   */
  egressPolicy: (tenantId: string) => Promise<readonly string[]>;
  onExec?: (sandbox: SandboxInfo, command: readonly string[], result: ExecResult) => void;
  onEgress?: (sandbox: SandboxInfo, attempt: EgressAttempt) => void;
  /** Each exec is a `Sandbox.Exec` span; the command sees it as `TRACEPARENT`. */
  tracer?: Tracer | undefined;
}

const SWEEP_MS = 5_000;

/**
 * Owns the sandboxes of this process: creates them (from the warm pool when the default profile
 * is asked for), checks the tenant on every use, runs execs, and destroys them on request, at
 * their TTL, at their run's end, and at shutdown. A sandbox is never handed to a second tenant or
 * run: pooled ones are fresh, and used ones are destroyed, never returned.
 */
export class SandboxManager {
  readonly #options: SandboxManagerOptions;
  readonly #live = new Map<string, SandboxInfo>();
  /** Run id → its sandboxes' ids: every run event of the platform asks, so no scan. */
  readonly #byRun = new Map<string, Set<string>>();
  readonly #sessions = new Map<string, Promise<SandboxInfo>>();
  #driver: SandboxDriver | null = null;
  #reason = 'sandboxes are starting';
  #pool: WarmPool | undefined;
  readonly #ready: Promise<void>;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: SandboxManagerOptions) {
    this.#options = options;
    this.#ready = options.driver.then(
      ({ driver, reason }) => {
        this.#driver = driver;
        this.#reason = reason;
        if (driver && options.poolSize > 0) {
          this.#pool = new WarmPool(driver, {
            size: options.poolSize,
            limits: options.defaults,
            newId: newSandboxId,
            logger: options.logger,
          });
          this.#pool.fill();
        }
      },
      (error: unknown) => {
        // The ready promise never rejects: without a driver, code tools refuse with the reason.
        this.#reason = `sandboxes could not be set up: ${(error as Error).message}`;
        options.logger.error({ err: error }, 'sandbox driver selection failed');
      },
    );
    this.#sweeper = setInterval(() => void this.#sweep(), SWEEP_MS);
    this.#sweeper.unref();
  }

  /** The driver in use, or null with the reason; waits for the start-up probe. */
  /** Sandboxes warm in the pool and handed out (live), for the metrics. */
  poolStats(): { warm: number; live: number } {
    return { warm: this.#pool?.available ?? 0, live: this.#live.size };
  }

  async driver(): Promise<{ name: string | null; reason: string; pool: number }> {
    await this.#ready;
    return { name: this.#driver?.name ?? null, reason: this.#reason, pool: this.#pool?.available ?? 0 };
  }

  async create(request: CreateSandbox): Promise<SandboxInfo> {
    const driver = await this.#requireDriver();
    const limits = { ...this.#options.defaults, ...request.limits };
    const egress = [...new Set((request.egress ?? []).map((rule) => rule.toLowerCase()))];
    if (egress.length > 0) {
      const allowed = new Set(await this.#options.egressPolicy(request.tenantId));
      const refused = egress.filter((rule) => !allowed.has(rule));
      if (refused.length > 0)
        throw denied(
          `egress to ${refused.join(', ')} is not allowed by policy: list it in a scope on tool sandbox_egress, arg destination`,
        );
    }
    const standard = egress.length === 0 && sameLimits(limits, this.#options.defaults);
    let id = standard ? this.#pool?.take() : undefined;
    const pooled = id !== undefined;
    if (id === undefined) {
      id = newSandboxId();
      await driver.create({ id, limits, egress });
    }
    const now = this.#options.clock.now();
    const info: SandboxInfo = {
      id,
      tenantId: request.tenantId,
      driver: driver.name,
      owner: request.owner,
      runId: request.runId ?? null,
      limits,
      egress,
      createdAt: now.toISOString(),
      lastUsedAt: now.toISOString(),
      expiresAt: this.#expiry(now, now).toISOString(),
      pooled,
    };
    this.#live.set(id, info);
    if (info.runId) {
      const ids = this.#byRun.get(info.runId) ?? new Set<string>();
      this.#byRun.set(info.runId, ids.add(id));
    }
    return info;
  }

  /** Throws NOT_FOUND for another tenant's sandbox as for a missing one. */
  get(tenantId: string, id: string): SandboxInfo {
    const info = this.#live.get(id);
    if (!info || info.tenantId !== tenantId) throw new AppError('NOT_FOUND', `sandbox "${id}" not found`);
    return info;
  }

  list(tenantId: string): SandboxInfo[] {
    return [...this.#live.values()].filter((info) => info.tenantId === tenantId);
  }

  async stats(tenantId: string, id: string): Promise<SandboxStats> {
    this.get(tenantId, id);
    return (await this.#requireDriver()).stats(id);
  }

  async exec(
    tenantId: string,
    id: string,
    command: readonly string[],
    options: ExecOptions = {},
  ): Promise<ExecResult> {
    const info = this.get(tenantId, id);
    if (options.timeoutMs !== undefined && options.timeoutMs > info.limits.timeoutMs)
      throw invalid(`timeout may not exceed the sandbox's limit of ${info.limits.timeoutMs} ms`);
    const driver = await this.#requireDriver();
    this.#touch(info);
    const result = await inSpan(
      this.#options.tracer ?? NO_TELEMETRY.tracer,
      SPAN_NAMES.sandbox,
      { [A.sandboxId]: id, [A.sandboxDriver]: driver.name, [A.tenantId]: tenantId },
      async (span) => {
        const traceparent = activeTraceparent();
        const result = await driver.exec(
          id,
          command,
          traceparent ? { ...options, env: { ...options.env, TRACEPARENT: traceparent } } : options,
        );
        span.setAttributes({
          [A.sandboxOutcome]: result.outcome,
          ...(result.exitCode !== null ? { [A.sandboxExitCode]: result.exitCode } : {}),
        });
        return result;
      },
    );
    this.#touch(info);
    this.#options.onExec?.(info, command, result);
    return result;
  }

  async writeFile(tenantId: string, id: string, path: string, content: Uint8Array | string): Promise<void> {
    this.#touch(this.get(tenantId, id));
    await (await this.#requireDriver()).writeFile(id, path, content);
  }

  async readFile(tenantId: string, id: string, path: string, maxBytes?: number): Promise<Uint8Array> {
    this.#touch(this.get(tenantId, id));
    return (await this.#requireDriver()).readFile(id, path, maxBytes);
  }

  async destroy(tenantId: string, id: string): Promise<void> {
    this.get(tenantId, id);
    await this.#destroy(id);
  }

  /**
   * The run's code-interpreter sandbox, made on first use and kept for the run's later calls, so
   * files and state carry over; destroyed by `endRun`, or at its TTL.
   */
  session(tenantId: string, runId: string): Promise<SandboxInfo> {
    const key = `${tenantId}/${runId}`;
    const existing = this.#sessions.get(key);
    if (existing) return existing;
    const created = this.#options
      .egressPolicy(tenantId)
      .then((egress) => this.create({ tenantId, owner: `run:${runId}`, runId, egress }));
    this.#sessions.set(key, created);
    created.catch(() => this.#sessions.delete(key));
    return created;
  }

  /** The tenant of a run holding a sandbox here, else undefined (cheap: checked on every run event). */
  sessionTenant(runId: string): string | undefined {
    const [id] = this.#byRun.get(runId) ?? [];
    return id === undefined ? undefined : this.#live.get(id)?.tenantId;
  }

  /** Destroys every sandbox of the run (its run ended). */
  async endRun(runId: string): Promise<void> {
    const ids = [...(this.#byRun.get(runId) ?? [])];
    await Promise.all(ids.map((id) => this.#destroy(id)));
  }

  /** What the tenant's policy lets sandboxes reach. */
  egressAllowed(tenantId: string): Promise<readonly string[]> {
    return this.#options.egressPolicy(tenantId);
  }

  /** Called by the driver for every attempt a sandbox makes to reach the network. */
  reportEgress(id: string, attempt: EgressAttempt): void {
    const info = this.#live.get(id);
    if (info) this.#options.onEgress?.(info, attempt);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    await this.#ready.catch(() => undefined);
    await this.#pool?.close();
    await Promise.all([...this.#live.keys()].map((id) => this.#destroy(id)));
  }

  async #requireDriver(): Promise<SandboxDriver> {
    await this.#ready;
    if (!this.#driver) throw new AppError('UNAVAILABLE', `code execution is disabled: ${this.#reason}`);
    return this.#driver;
  }

  #touch(info: SandboxInfo): void {
    const now = this.#options.clock.now();
    info.lastUsedAt = now.toISOString();
    info.expiresAt = this.#expiry(new Date(info.createdAt), now).toISOString();
  }

  #expiry(created: Date, used: Date): Date {
    return new Date(
      Math.min(used.getTime() + this.#options.idleTtlMs, created.getTime() + this.#options.maxLifetimeMs),
    );
  }

  async #destroy(id: string): Promise<void> {
    const info = this.#live.get(id);
    this.#live.delete(id);
    if (info?.runId) {
      const ids = this.#byRun.get(info.runId);
      ids?.delete(id);
      if (ids?.size === 0) this.#byRun.delete(info.runId);
    }
    if (info?.runId) this.#sessions.delete(`${info.tenantId}/${info.runId}`);
    try {
      await this.#driver?.destroy(id);
    } catch (error) {
      this.#options.logger.error({ err: error, sandboxId: id }, 'sandbox could not be destroyed');
    }
  }

  async #sweep(): Promise<void> {
    const now = this.#options.clock.now().getTime();
    const expired = [...this.#live.values()].filter((info) => Date.parse(info.expiresAt) <= now);
    for (const info of expired) {
      this.#options.logger.info({ sandboxId: info.id, tenantId: info.tenantId }, 'sandbox expired');
      await this.#destroy(info.id);
    }
  }
}

function sameLimits(a: SandboxLimits, b: SandboxLimits): boolean {
  return (Object.keys(a) as (keyof SandboxLimits)[]).every((key) => a[key] === b[key]);
}

/** `sbx-` and 80 random bits in base32: unguessable, and a valid directory and container name. */
export function newSandboxId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const bytes = randomBytes(16);
  let id = 'sbx-';
  for (let index = 0; index < 16; index++) id += alphabet[(bytes[index] as number) % 32];
  return id;
}
