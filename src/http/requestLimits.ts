import { Effect, Option, Redacted, type Scope } from "effect";
import { Redis } from "ioredis";
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { AppConfigShape } from "../AppConfig.ts";
import { logEvent } from "./log.ts";

/** What a request spends from its client address's allowance. */
export type LimitKind = "read" | "book" | "hold" | "change";

interface Allowance {
  /** Steady rate: this many per window… */
  readonly points: number;
  readonly seconds: number;
  /** …plus a burst this large, refilled over its own longer window. */
  readonly burst: number;
  readonly burstSeconds: number;
}

/**
 * Per client address. Generous for a person (who books once and reads a few pages), tight
 * for a script: booking every free slot of a host, or holding them all, stops after a handful.
 */
export const ALLOWANCES: Record<LimitKind, Allowance> = {
  read: { points: 300, seconds: 60, burst: 600, burstSeconds: 600 },
  book: { points: 5, seconds: 60, burst: 10, burstSeconds: 3600 },
  hold: { points: 10, seconds: 60, burst: 20, burstSeconds: 3600 },
  change: { points: 20, seconds: 60, burst: 40, burstSeconds: 3600 },
};

export interface RequestLimits {
  readonly enabled: boolean;
  /** Spends one point; resolves to the seconds to wait when the allowance is used up, else undefined. */
  readonly spend: (kind: LimitKind, address: string) => Promise<number | undefined>;
}

type Limiter = Pick<RateLimiterAbstract, "consume">;

const memory = (kind: LimitKind, a: Allowance) =>
  new BurstyRateLimiter(
    new RateLimiterMemory({ keyPrefix: `rv:${kind}`, points: a.points, duration: a.seconds }),
    new RateLimiterMemory({ keyPrefix: `rv:${kind}:burst`, points: a.burst, duration: a.burstSeconds }),
  );

/** In Redis when several processes share it; each limiter falls back to memory while Redis is down. */
const shared = (redis: Redis, kind: LimitKind, a: Allowance) => {
  const store = (keyPrefix: string, points: number, duration: number) =>
    new RateLimiterRedis({
      storeClient: redis,
      keyPrefix,
      points,
      duration,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration }),
    });
  return new BurstyRateLimiter(store(`rv:${kind}`, a.points, a.seconds), store(`rv:${kind}:burst`, a.burst, a.burstSeconds));
};

const spendFrom = (limiters: Record<LimitKind, Limiter>) => async (kind: LimitKind, address: string) => {
  try {
    await limiters[kind].consume(address);
    return undefined;
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
    // Neither Redis nor the insurance limiter answered: let the request through rather than fail it.
    logEvent("warning", "rate limiter failed", { error: String(rejection) });
    return undefined;
  }
};

const kinds = Object.keys(ALLOWANCES) as LimitKind[];

/** The per-address limits of RATE_LIMIT (on by default), in Redis when REDIS_URL is set. */
export const makeRequestLimits = (config: AppConfigShape): Effect.Effect<RequestLimits, never, Scope.Scope> =>
  Effect.gen(function* () {
    if (!config.rateLimit) return { enabled: false, spend: () => Promise.resolve(undefined) };
    if (Option.isNone(config.redisUrl)) {
      const limiters = Object.fromEntries(kinds.map((k) => [k, memory(k, ALLOWANCES[k])])) as Record<LimitKind, Limiter>;
      return { enabled: true, spend: spendFrom(limiters) };
    }
    const url = Redacted.value(config.redisUrl.value);
    const redis = yield* Effect.acquireRelease(
      Effect.sync(() => {
        // No offline queue: while Redis is away, limits fall back to memory at once instead of waiting.
        const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000 });
        // Said once when Redis goes away and once when it is back, not on every reconnect attempt.
        let away = false;
        client.on("error", (error: Error) => {
          if (!away) logEvent("warning", "redis unavailable; request limits kept in memory until it is back", { error: error.message });
          away = true;
        });
        client.on("ready", () => {
          if (away) logEvent("info", "redis is back; request limits shared again");
          away = false;
        });
        return client;
      }),
      (client) => Effect.promise(() => client.quit().catch(() => client.disconnect())),
    );
    // Start with Redis if it answers soon, so processes share counts from the first request.
    yield* Effect.async<void>((resume) => {
      if (redis.status === "ready") return resume(Effect.void);
      const done = () => resume(Effect.void);
      redis.once("ready", done);
      redis.once("error", done);
    }).pipe(Effect.timeout("2 seconds"), Effect.ignore);
    const limiters = Object.fromEntries(kinds.map((k) => [k, shared(redis, k, ALLOWANCES[k])])) as Record<LimitKind, Limiter>;
    return { enabled: true, spend: spendFrom(limiters) };
  });
