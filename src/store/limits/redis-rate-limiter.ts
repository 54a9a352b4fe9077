import {
  assertValidTake,
  type RateDecision,
  type RateLimiter,
  type RateRule,
  TOKEN_EPSILON,
} from './rate-limiter.ts';
import {
  connectLimitsClient,
  defineScript,
  keyPrefix,
  type LimitsRedisClient,
  LUA_NOW_MS,
  type RedisLimitsConnectOptions,
  type RedisScript,
  unexpectedReply,
} from './redis-scripts.ts';

export interface RedisRateLimiterOptions {
  /** Prefix for every key. Default `agenticai`, as RedisCache. */
  namespace?: string;
  /** Whether `close()` also quits the client. Default false: the client belongs to the caller. */
  closeClient?: boolean;
}

/**
 * One bucket is a hash {tokens, ts}. The clock is the server's TIME, so replicas with skewed
 * clocks agree. A refused take writes nothing. After a take the key expires when the bucket would
 * be full again: a missing key is a full bucket, so idle keys vanish without changing anything.
 */
const TAKE_LUA = `${LUA_NOW_MS}
local capacity = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2]) / 1000
local cost = tonumber(ARGV[3])
local epsilon = ${TOKEN_EPSILON}
local now = now_ms()
local tokens = capacity
local updated = now
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
if state[1] then
  tokens = tonumber(state[1])
  updated = tonumber(state[2])
  -- A clock that stepped back (failover) refills nothing rather than counting a span twice.
  if now > updated then
    tokens = tokens + (now - updated) * per_ms
    updated = now
  end
  if tokens > capacity then tokens = capacity end
end
local remaining = math.floor(tokens + epsilon)
if cost > capacity then return {0, remaining, -1} end
if tokens + epsilon < cost then return {0, remaining, math.ceil((cost - tokens - epsilon) / per_ms)} end
if cost == 0 then return {1, remaining, 0} end
tokens = math.max(0, tokens - cost)
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', updated)
redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil((capacity - tokens) / per_ms)))
return {1, math.floor(tokens + epsilon), 0}
`;

/**
 * Rate limits in Redis, shared by every replica: one EVALSHA per take. Keys are
 * `<namespace>:rate:<key>`.
 *
 * Construct it over a client you own (`new RedisRateLimiter(client)`, for example one connection
 * shared by the Redis adapters; `close()` then leaves the client open), or let it connect (`connect`, and
 * `close()` quits the connection). The AbortSignal is checked before the script is sent; once sent,
 * the script runs to completion, since a take cannot be half-undone.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly #client: LimitsRedisClient;
  readonly #ownsClient: boolean;
  readonly #prefix: string;
  readonly #take: RedisScript;

  constructor(client: LimitsRedisClient, options: RedisRateLimiterOptions = {}) {
    this.#client = client;
    this.#ownsClient = options.closeClient ?? false;
    this.#prefix = `${keyPrefix(options.namespace)}rate:`;
    this.#take = defineScript(client, 'RateTake', TAKE_LUA);
  }

  /** Connects its own client and checks the server answers; throws if it does not. */
  static async connect(options: RedisLimitsConnectOptions): Promise<RedisRateLimiter> {
    const client = await connectLimitsClient(options.url);
    return new RedisRateLimiter(client, { namespace: options.namespace, closeClient: true });
  }

  async take(key: string, rule: RateRule, cost = 1, signal?: AbortSignal): Promise<RateDecision> {
    signal?.throwIfAborted();
    assertValidTake(rule, cost);
    const reply = await this.#take(1, this.#prefix + key, rule.capacity, rule.refillPerSecond, cost);
    if (!Array.isArray(reply)) throw unexpectedReply('RateTake', reply);
    const [allowed, remaining, retryAfterMs] = reply as unknown[];
    if (typeof remaining !== 'number' || typeof retryAfterMs !== 'number') {
      throw unexpectedReply('RateTake', reply);
    }
    return { allowed: allowed === 1, remaining, retryAfterMs, limit: rule.capacity };
  }

  async close(): Promise<void> {
    if (this.#ownsClient) await this.#client.quit();
  }
}
