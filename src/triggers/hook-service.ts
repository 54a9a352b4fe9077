import { type HookResult, PLATFORM_TENANT, parseJson } from '../contracts/index.ts';
import { AppError, assertNever, type Clock, isAppError } from '../core/index.ts';
import { idempotencyKeyOf, mappingHeaders, runInputOf, triggerPrincipal } from './mapping.ts';
import type {
  FireAudit,
  RunStarter,
  SecretReader,
  TriggerDirectory,
  TriggerStateStore,
  TriggerView,
  WebhookTriggerSpec,
} from './ports.ts';
import { verifyHmac, verifyToken } from './signature.ts';

/** One POST to a hook, as the HTTP layer hands it over. */
export interface HookDelivery {
  /** The tenant's name from the URL; absent: the platform tenant. */
  tenant?: string | undefined;
  name: string;
  /** The raw body: what the signature covers. */
  body: Uint8Array;
  /** Request headers by lower-case name. */
  headers: Readonly<Record<string, string>>;
}

export interface HookServiceDeps {
  directory: TriggerDirectory;
  secrets: SecretReader;
  runs: RunStarter;
  state: TriggerStateStore;
  audit: FireAudit;
  clock: Clock;
  /** Told when a trigger's secret cannot be read (the caller only learns the hook is misconfigured). */
  onSecretError?(error: unknown, where: { tenantId: string; trigger: string }): void;
}

const notFound = (name: string) => new AppError('NOT_FOUND', `no webhook trigger "${name}"`);

/**
 * Deliveries to webhook triggers: authenticates each by the trigger's HMAC signature or token,
 * maps the JSON payload to a run input and starts the run, once per idempotency value. Every
 * delivery that names a webhook trigger is audited, refused ones included.
 */
export class HookService {
  constructor(private readonly deps: HookServiceDeps) {}

  /**
   * Starts the delivery's run, or finds the one its idempotency value started (`created: false`).
   * Throws NOT_FOUND (unknown tenant or hook: the same answer, so tenants cannot be probed),
   * UNAUTHENTICATED, CONFLICT (disabled), MALFORMED_BODY, INVALID_REQUEST (mapping), and what
   * starting the run throws.
   */
  async receive(
    delivery: HookDelivery,
    signal?: AbortSignal,
  ): Promise<{ result: HookResult; created: boolean }> {
    const tenantId = await this.deps.directory.tenantId(delivery.tenant ?? PLATFORM_TENANT, signal);
    if (!tenantId) throw notFound(delivery.name);
    const trigger = await this.deps.directory.find(tenantId, delivery.name, signal);
    if (trigger?.spec.type !== 'webhook') throw notFound(delivery.name);
    const spec = trigger.spec;
    const event = { trigger: trigger.name, type: 'webhook' as const, runId: null };
    // Records are written even when the caller hangs up: no signal past this point but the run's.

    const problem = await this.#authenticate(tenantId, trigger, spec, delivery, signal);
    if (problem) {
      await this.deps.audit(tenantId, { ...event, outcome: 'refused', detail: problem });
      throw new AppError('UNAUTHENTICATED', problem);
    }
    let idempotencyKey: string | undefined;
    let run: Awaited<ReturnType<RunStarter['start']>>;
    try {
      if (!spec.enabled) throw new AppError('CONFLICT', `trigger "${trigger.name}" is disabled`);
      const scope = {
        payload: payloadOf(delivery.body),
        headers: mappingHeaders(delivery.headers, spec.auth.header),
      };
      idempotencyKey = idempotencyKeyOf(trigger.name, spec, scope);
      run = await this.deps.runs.start(
        tenantId,
        {
          agent: spec.agent,
          version: spec.version,
          input: runInputOf(spec, scope),
          metadata: { trigger: trigger.name },
          idempotencyKey,
          createdBy: spec.runAs ?? triggerPrincipal(trigger.name),
        },
        signal,
      );
    } catch (error) {
      // The delivery's own fault (or the trigger's): recorded where operators look for it.
      if (isAppError(error) && error.category !== 'internal') {
        const detail = error.message;
        await this.deps.audit(tenantId, { ...event, outcome: 'failed', detail, idempotencyKey });
        const fire = { at: this.deps.clock.now(), runId: null, error: detail };
        await this.deps.state.recordFire(tenantId, trigger.id, fire);
      }
      throw error;
    }
    const outcome = run.created ? 'started' : 'duplicate';
    await this.deps.audit(tenantId, { ...event, outcome, runId: run.runId, idempotencyKey });
    const fire = { at: this.deps.clock.now(), runId: run.runId, error: null };
    await this.deps.state.recordFire(tenantId, trigger.id, fire);
    return {
      created: run.created,
      result: { trigger: trigger.name, run_id: run.runId, status: run.status, duplicate: !run.created },
    };
  }

  /** Why the delivery is not authentic, or null when it is. Never says what the secret is. */
  async #authenticate(
    tenantId: string,
    trigger: TriggerView,
    spec: WebhookTriggerSpec,
    delivery: HookDelivery,
    signal?: AbortSignal,
  ): Promise<string | null> {
    const { auth } = spec;
    let secret: string;
    try {
      secret = await this.deps.secrets(tenantId, auth.secretRef, signal);
    } catch (error) {
      this.deps.onSecretError?.(error, { tenantId, trigger: trigger.name });
      throw new AppError(
        'SECRET_UNREADABLE',
        `the secret of trigger "${trigger.name}" cannot be read; the hook accepts nothing until it can`,
      );
    }
    const presented = delivery.headers[auth.header.toLowerCase()];
    if (presented === undefined) return `the ${auth.header} header is missing`;
    switch (auth.type) {
      case 'hmac':
        return verifyHmac(secret, delivery.body, presented)
          ? null
          : `the ${auth.header} signature does not match the body`;
      case 'token': {
        // The Authorization header carries `Bearer <token>`; any other header the bare token.
        const bearer = auth.header.toLowerCase() === 'authorization';
        return verifyToken(secret, presented, bearer) ? null : `the ${auth.header} token is not valid`;
      }
      default:
        return assertNever(auth);
    }
  }
}

/** The delivery's body as JSON. Throws MALFORMED_BODY when it is empty or not JSON. */
function payloadOf(body: Uint8Array): unknown {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(body);
  const parsed = text.trim() === '' ? undefined : parseJson(text);
  if (parsed?.ok) return parsed.value;
  const detail = parsed ? `the payload is not valid JSON: ${parsed.error}` : 'the payload is empty';
  throw new AppError('MALFORMED_BODY', detail, { fieldErrors: [{ pointer: '', detail }] });
}
