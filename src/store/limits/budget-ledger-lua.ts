import { LUA_NOW_MS } from './redis-scripts.ts';

/**
 * The budget ledger's Lua scripts. Per line: a hash `line` {spent, reserved} and a sorted set
 * `holds` of `<amount>:<id>` scored by expiry, one member per open reservation counted in
 * `reserved`. Both get their expiry (resetAt + grace) when first written and keep it: the key names
 * the window, so its end never moves (Redis deletes the set itself once it is empty). Per open
 * reservation: a string `record` = held, living the reservation ttl and deleted when settled or
 * released; a settle after expiry leaves `settled_late` for another ttl (see the BudgetLedger port
 * on idempotency).
 *
 * KEYS are always: record, then line and holds of each line in the caller's order. A window that
 * never ends is passed as resetAt `inf`, and its keys get no expiry.
 */
const LEDGER_HELPERS = `${LUA_NOW_MS}
-- Drops holds that expired unsettled; ZREMRANGEBYSCORE makes each line forget a hold exactly once.
local function sweep(line, holds, now)
  local expired = redis.call('ZRANGEBYSCORE', holds, '-inf', now)
  if #expired == 0 then return end
  local dropped = 0
  for _, member in ipairs(expired) do dropped = dropped + tonumber(string.match(member, '^(%d+):')) end
  redis.call('ZREMRANGEBYSCORE', holds, '-inf', now)
  -- Never recreate a line whose window is gone just to subtract from it.
  if redis.call('EXISTS', line) == 1 then redis.call('HINCRBY', line, 'reserved', -dropped) end
end

local function unhold(line, holds, member, amount)
  if redis.call('ZREM', holds, member) == 1 then redis.call('HINCRBY', line, 'reserved', -amount) end
end

-- NX: set once, when the key is created. An end already past deletes the key: the window is gone.
local function keep(key, reset_at, grace)
  if reset_at ~= 'inf' then redis.call('PEXPIREAT', key, tonumber(reset_at) + grace, 'NX') end
end
`;

/** ARGV: id, amount, ttlMs, graceMs, then limit and resetAt of each line. Returns {1, expiresAt} or {0, lineIndex, used}. */
export const RESERVE_LUA = `${LEDGER_HELPERS}
local amount = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local grace = tonumber(ARGV[4])
local count = (#KEYS - 1) / 2
local now = math.floor(now_ms())
for i = 1, count do
  local line = KEYS[2 * i]
  sweep(line, KEYS[2 * i + 1], now)
  local totals = redis.call('HMGET', line, 'spent', 'reserved')
  local used = tonumber(totals[1] or '0') + tonumber(totals[2] or '0')
  if used + amount > tonumber(ARGV[3 + 2 * i]) then return {0, i, used} end
end
local expires_at = now + ttl
local member = ARGV[2] .. ':' .. ARGV[1]
for i = 1, count do
  local line, holds, reset_at = KEYS[2 * i], KEYS[2 * i + 1], ARGV[4 + 2 * i]
  redis.call('HINCRBY', line, 'reserved', amount)
  redis.call('ZADD', holds, expires_at, member)
  keep(line, reset_at, grace)
  keep(holds, reset_at, grace)
end
redis.call('SET', KEYS[1], 'held', 'PX', ttl)
return {1, expires_at}
`;

/**
 * ARGV: id, actual, ttlMs, graceMs, expiresAt, amount, then resetAt of each line. Returns 1 if it
 * recorded the spend. Off the record before expiresAt: already finished. Off the record after it:
 * expired unsettled, and the call still happened, so the spend is recorded all the same.
 */
export const SETTLE_LUA = `${LEDGER_HELPERS}
local state = redis.call('GET', KEYS[1])
if state == 'settled_late' then return 0 end
if not state and now_ms() < tonumber(ARGV[5]) then return 0 end
local actual = tonumber(ARGV[2])
local grace = tonumber(ARGV[4])
local amount = tonumber(ARGV[6])
local member = ARGV[6] .. ':' .. ARGV[1]
local count = (#KEYS - 1) / 2
for i = 1, count do
  local line = KEYS[2 * i]
  unhold(line, KEYS[2 * i + 1], member, amount)
  redis.call('HINCRBY', line, 'spent', actual)
  keep(line, ARGV[6 + i], grace)
end
if state then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], 'settled_late', 'PX', ARGV[3])
end
return 1
`;

/** ARGV: id, amount. Returns 1 if it freed a held reservation. */
export const RELEASE_LUA = `${LEDGER_HELPERS}
if redis.call('GET', KEYS[1]) ~= 'held' then return 0 end
local amount = tonumber(ARGV[2])
local member = ARGV[2] .. ':' .. ARGV[1]
local count = (#KEYS - 1) / 2
for i = 1, count do unhold(KEYS[2 * i], KEYS[2 * i + 1], member, amount) end
redis.call('DEL', KEYS[1])
return 1
`;

/** KEYS: line, holds. Returns {spent, reserved} after dropping expired holds. */
export const USAGE_LUA = `${LEDGER_HELPERS}
sweep(KEYS[1], KEYS[2], math.floor(now_ms()))
local totals = redis.call('HMGET', KEYS[1], 'spent', 'reserved')
return {tonumber(totals[1] or '0'), tonumber(totals[2] or '0')}
`;
