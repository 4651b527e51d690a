import { Redis } from "ioredis";
import { KeelError } from "../core/index.js";
import type { OnlineRecord, OnlineStore } from "./online-store.js";

// Writes a batch of (field, eventTs, createdTs, payload) into one hash, each only when it is
// not older than what is stored: the newer-wins rule runs inside Redis, atomically per batch.
const WRITE_SCRIPT = `
local n = 0
for i = 1, #ARGV, 4 do
  local current = redis.call('HGET', KEYS[1], ARGV[i])
  local write = true
  if current then
    local sep1 = string.find(current, '|', 1, true)
    local sep2 = string.find(current, '|', sep1 + 1, true)
    local ts = tonumber(string.sub(current, 1, sep1 - 1))
    local created = string.sub(current, sep1 + 1, sep2 - 1)
    local nts = tonumber(ARGV[i + 1])
    if nts < ts then write = false
    elseif nts == ts then
      local c = created == '' and -math.huge or tonumber(created)
      local nc = ARGV[i + 2] == '' and -math.huge or tonumber(ARGV[i + 2])
      if nc < c then write = false end
    end
  end
  if write then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1] .. '|' .. ARGV[i + 2] .. '|' .. ARGV[i + 3])
    n = n + 1
  end
end
return n
`;

/**
 * The scale-out online store: Redis, one hash per view (`<prefix>:<view>`) whose fields are
 * entity keys and values `eventTs|createdTs|json`. A read is one `HMGET`; a write batch is
 * one Lua script applying the newer-wins rule atomically.
 *
 * @example
 * ```ts
 * const online = redisOnlineStore({ url: process.env.KEEL_REDIS_URL ?? "redis://127.0.0.1:6379", prefix: "keel:churn" });
 * ```
 */
export function redisOnlineStore(options: { url: string; prefix?: string }): OnlineStore {
  const prefix = options.prefix ?? "keel:online";
  const redis = new Redis(options.url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
  });
  let connected: Promise<void> | undefined;
  const ready = () => {
    connected ??= redis.connect().catch((error: unknown) => {
      connected = undefined;
      throw new KeelError(
        "KEEL_ERR_ONLINE_STORE",
        `cannot connect to Redis at ${options.url.replace(/:[^:@/]*@/, ":***@")}: ${(error as Error).message}`,
        {
          cause: error,
          details: {},
        },
      );
    });
    return connected;
  };
  const hash = (view: string) => `${prefix}:${view}`;
  const CHUNK = 500;
  return {
    kind: "redis",
    async write(view, rows) {
      await ready();
      // One script call per chunk keeps each atomic step short; a batch bigger than a chunk is
      // still safe to repeat after a failure because every write is idempotent.
      for (let start = 0; start < rows.length; start += CHUNK) {
        const args: string[] = [];
        for (const row of rows.slice(start, start + CHUNK)) {
          args.push(
            row.key,
            String(row.eventTs),
            row.createdTs === null ? "" : String(row.createdTs),
            JSON.stringify(row.values),
          );
        }
        await redis.eval(WRITE_SCRIPT, 1, hash(view), ...args);
      }
    },
    async read(view, keys) {
      await ready();
      if (keys.length === 0) return [];
      const raw = await redis.hmget(hash(view), ...keys);
      return raw.map((value): OnlineRecord | undefined => {
        if (value === null) return undefined;
        const a = value.indexOf("|");
        const b = value.indexOf("|", a + 1);
        const created = value.slice(a + 1, b);
        return {
          eventTs: Number(value.slice(0, a)),
          createdTs: created === "" ? null : Number(created),
          values: JSON.parse(value.slice(b + 1)),
        };
      });
    },
    async dropView(view) {
      await ready();
      await redis.del(hash(view));
    },
    async close() {
      if (connected !== undefined) await redis.quit().catch(() => redis.disconnect());
      else redis.disconnect();
    },
  };
}
