import { Redis } from 'ioredis';
import { AppError } from '../../core/index.ts';

/**
 * The part of an ioredis client the limits adapters use. Pass the client a `RedisCache` or the
 * gateway already holds to share its connection; the adapter then leaves closing it to the owner.
 */
export type LimitsRedisClient = Pick<Redis, 'defineCommand' | 'quit'>;

export interface RedisLimitsConnectOptions {
  url: string;
  /** Prefix for every key, so installs can share one Redis. Default `agenticai`, as RedisCache. */
  namespace?: string;
}

/** A Lua script called as `script(numberOfKeys, ...keys, ...args)`. */
export type RedisScript = (...args: (string | number)[]) => Promise<unknown>;

/**
 * Registers a script on the client with `defineCommand`, which sends EVALSHA and falls back to
 * EVAL when the server answers NOSCRIPT (after a restart or SCRIPT FLUSH): one round trip in the
 * steady state. Names are prefixed so they cannot shadow the client's own commands; defining the
 * same name twice on a shared client just re-registers the same script.
 */
export function defineScript(client: LimitsRedisClient, name: string, lua: string): RedisScript {
  const commandName = `agenticaiLimits${name}`;
  client.defineCommand(commandName, { lua });
  const command = (client as unknown as Record<string, RedisScript | undefined>)[commandName];
  if (typeof command !== 'function') throw new AppError('INTERNAL', `redis script ${name} was not defined`);
  return command.bind(client);
}

/** Connects and checks the server answers; throws if it does not. Same settings as RedisCache. */
export async function connectLimitsClient(url: string): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  await client.connect();
  await client.ping();
  return client;
}

export function keyPrefix(namespace: string | undefined): string {
  const resolved = namespace ?? 'agenticai';
  return resolved ? `${resolved}:` : '';
}

/**
 * The server's clock in epoch ms, with its microseconds. Numbers passed to redis.call are written
 * with 17 significant digits (`%.17g`), so fractions and integers below 1e17 round-trip exactly.
 */
export const LUA_NOW_MS = `
local function now_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
end
`;

export function unexpectedReply(script: string, reply: unknown): AppError {
  return new AppError('INTERNAL', `unexpected reply from redis script ${script}`, { details: { reply } });
}
