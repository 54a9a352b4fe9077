import { LUA_NUMBER_HELPERS } from './redis-scripts.ts';

/**
 * The budget ledger's Lua scripts. Layout, per line: a hash `line` {spent, reserved, h:<id> =
 * amount of each live hold} expiring a grace after the window, and a sorted set `holds` of hold ids
 * scored by expiry, with the same lifetime as `line` so that every hold `line` counts can be swept
 * (Redis deletes the set itself once it is empty). Per open reservation: a string `record` = held,
 * living the reservation ttl and deleted when settled or released; a settle after expiry leaves
 * `settled_late` for another ttl (see the BudgetLedger port on idempotency).
 *
 * KEYS are always: record, then line and holds of each line in the caller's order. A window that
 * never ends is passed as resetAt `inf`.
 */
const LEDGER_HELPERS = `${LUA_NUMBER_HELPERS}
-- Drops holds that expired unsettled; each line forgets a hold exactly once (HDEL answers once).
local function sweep(line, holds, now)
  local expired = redis.call('ZRANGEBYSCORE', holds, '-inf', int(now))
  if #expired == 0 then return end
  local dropped = 0
  for _, id in ipairs(expired) do
    local amount = redis.call('HGET', line, 'h:' .. id)
    if amount then
      dropped = dropped + tonumber(amount)
      redis.call('HDEL', line, 'h:' .. id)
    end
  end
  redis.call('ZREMRANGEBYSCORE', holds, '-inf', int(now))
  if dropped > 0 then redis.call('HINCRBY', line, 'reserved', int(-dropped)) end
end

local function drop_hold(line, holds, id)
  local amount = redis.call('HGET', line, 'h:' .. id)
  if not amount then return end
  redis.call('HDEL', line, 'h:' .. id)
  redis.call('HINCRBY', line, 'reserved', int(-tonumber(amount)))
  redis.call('ZREM', holds, id)
end

-- Moves a key's expiry later, never earlier; an expiry already past deletes it, as the window is gone.
local function extend(key, at)
  local current = redis.call('PEXPIRETIME', key)
  if current == -2 then return end
  if current == -1 or at > current then redis.call('PEXPIREAT', key, int(at)) end
end

local function keep_line(line, reset_at, grace)
  if reset_at == 'inf' then return end
  extend(line, tonumber(reset_at) + grace)
end
`;

/** ARGV: id, amount, ttlMs, graceMs, then limit and resetAt of each line. Returns {1, expiresAt} or {0, lineIndex, used}. */
export const RESERVE_LUA = `${LEDGER_HELPERS}
local id = ARGV[1]
local amount = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local grace = tonumber(ARGV[4])
local count = (#KEYS - 1) / 2
local now = math.floor(now_ms())
for i = 1, count do sweep(KEYS[2 * i], KEYS[2 * i + 1], now) end
for i = 1, count do
  local totals = redis.call('HMGET', KEYS[2 * i], 'spent', 'reserved')
  local used = tonumber(totals[1] or '0') + tonumber(totals[2] or '0')
  if used + amount > tonumber(ARGV[3 + 2 * i]) then return {0, i, used} end
end
local expires_at = now + ttl
for i = 1, count do
  local line, holds = KEYS[2 * i], KEYS[2 * i + 1]
  redis.call('HINCRBY', line, 'reserved', ARGV[2])
  redis.call('HSET', line, 'h:' .. id, ARGV[2])
  redis.call('ZADD', holds, int(expires_at), id)
  keep_line(line, ARGV[4 + 2 * i], grace)
  keep_line(holds, ARGV[4 + 2 * i], grace)
end
redis.call('SET', KEYS[1], 'held', 'PX', int(ttl))
return {1, expires_at}
`;

/**
 * ARGV: id, actual, ttlMs, graceMs, expiresAt, then resetAt of each line. Returns 1 if it recorded
 * the spend. Off the record before expiresAt: already finished. Off the record after it: expired
 * unsettled, and the call still happened, so the spend is recorded all the same.
 */
export const SETTLE_LUA = `${LEDGER_HELPERS}
local state = redis.call('GET', KEYS[1])
if state == 'settled_late' then return 0 end
if not state and now_ms() < tonumber(ARGV[5]) then return 0 end
local id = ARGV[1]
local grace = tonumber(ARGV[4])
local count = (#KEYS - 1) / 2
for i = 1, count do
  local line, holds = KEYS[2 * i], KEYS[2 * i + 1]
  drop_hold(line, holds, id)
  redis.call('HINCRBY', line, 'spent', ARGV[2])
  keep_line(line, ARGV[5 + i], grace)
end
if state then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], 'settled_late', 'PX', ARGV[3])
end
return 1
`;

/** ARGV: id. Returns 1 if it freed a held reservation. */
export const RELEASE_LUA = `${LEDGER_HELPERS}
if redis.call('GET', KEYS[1]) ~= 'held' then return 0 end
local id = ARGV[1]
local count = (#KEYS - 1) / 2
for i = 1, count do drop_hold(KEYS[2 * i], KEYS[2 * i + 1], id) end
redis.call('DEL', KEYS[1])
return 1
`;

/** KEYS: line, holds. Returns {spent, reserved} after dropping expired holds. */
export const USAGE_LUA = `${LEDGER_HELPERS}
sweep(KEYS[1], KEYS[2], math.floor(now_ms()))
local totals = redis.call('HMGET', KEYS[1], 'spent', 'reserved')
return {tonumber(totals[1] or '0'), tonumber(totals[2] or '0')}
`;
