import { Effect, Runtime, Schema, type Scope } from "effect";
import { Redis } from "ioredis";
import { randomUUID } from "node:crypto";
import { Booking, BookingId, EpochMsSchema as EpochMs, EventTypeId, HostId } from "../../domain/model.ts";
import type { HostChanged } from "../../live/HostChanges.ts";
import type { Hold } from "../HostSnapshot.ts";


const HeldSlot = Schema.Struct({
  token: Schema.String,
  eventTypeId: EventTypeId,
  visitor: Schema.String,
  address: Schema.NullOr(Schema.String),
  start: EpochMs,
  end: EpochMs,
  bufferBeforeMs: Schema.Number,
  bufferAfterMs: Schema.Number,
  expiresAt: EpochMs,
  deadline: EpochMs,
});

/**
 * One committed change as it crosses instances: the event pages render, and the owner's live
 * holds (they live only in its memory), so other instances' snapshots offer what it offers.
 */
const Crossing = Schema.Struct({
  origin: Schema.String,
  event: Schema.Struct({
    hostId: HostId,
    version: Schema.Number,
    changes: Schema.Array(
      Schema.Struct({
        eventTypeId: EventTypeId,
        durationMinutes: Schema.Number,
        offer: Schema.String,
        taken: Schema.Array(EpochMs),
        freed: Schema.Array(EpochMs),
      }),
    ),
    refresh: Schema.Boolean,
    bookingsChanged: Schema.Boolean,
  }),
  holds: Schema.Array(HeldSlot),
  /**
   * The bookings the change made or changed and those it dropped (cancelled, declined, ended),
   * so copies follow without reading Postgres; `after` is the version of the owner's previous
   * message about the host: a copy that did not see that one reloads instead.
   */
  bookings: Schema.Struct({ upserted: Schema.Array(Booking), removed: Schema.Array(BookingId), after: Schema.NullOr(Schema.Number) }),
});
export type Crossing = typeof Crossing.Type;

const CrossingJson = Schema.parseJson(Crossing);
const encode = Schema.encodeSync(CrossingJson);
const decode = Schema.decodeUnknownEither(CrossingJson);

export interface RedisChanges {
  /** Sends a change to the other instances, without waiting; never fails (Redis carries no booking state). */
  readonly publish: (event: HostChanged, holds: Iterable<Hold>, bookings: Crossing["bookings"]) => Effect.Effect<void>;
}

/**
 * Host changes between instances over Redis pub/sub: one publishing and one subscribed
 * connection per instance (never one per socket). Messages sent while Redis is away are lost,
 * so `onReconnect` runs each time the subscription is back: whoever keeps copies reloads them.
 */
export const makeRedisChanges = (
  url: string,
  /** One cluster's channel: clusters on other databases may share the Redis. */
  channel: string,
  handlers: {
    readonly onChange: (crossing: Crossing) => void;
    readonly onReconnect: () => void;
  },
): Effect.Effect<RedisChanges, never, Scope.Scope> =>
  Effect.gen(function* () {
    const origin = randomUUID();
    // ioredis calls back outside any fiber: log through the app's runtime (its logger and level).
    const log = Runtime.runFork(yield* Effect.runtime<never>());
    const options = { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000 } as const;
    const publisher = yield* Effect.acquireRelease(
      Effect.sync(() => new Redis(url, options).on("error", () => undefined)),
      (client) => Effect.sync(() => client.disconnect()),
    );
    const subscriber = yield* Effect.acquireRelease(
      Effect.sync(() => new Redis(url, { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null })),
      (client) => Effect.sync(() => client.disconnect()),
    );
    let away = false;
    subscriber.on("error", (error: Error) => {
      if (!away) log(Effect.logWarning("redis unavailable; other instances' changes reach this one once it is back", error.message));
      away = true;
    });
    let subscribedOnce = false;
    subscriber.on("ready", () => {
      if (!subscribedOnce) return void (subscribedOnce = true);
      // What was published while away is lost. ioredis says "ready" before it has even sent its
      // own SUBSCRIBE again: copies reloaded at that moment would miss a change published before
      // Redis takes the subscription. Reload once Redis has acknowledged it (subscribing twice is
      // harmless); a connection lost again meanwhile comes back here.
      subscriber.subscribe(channel).then(
        () => {
          away = false;
          log(Effect.logInfo("redis is back; copies of other instances' hosts reload and their pages re-fetch"));
          handlers.onReconnect();
        },
        () => undefined,
      );
    });
    subscriber.on("message", (_channel: string, text: string) => {
      const crossing = decode(text);
      if (crossing._tag === "Left") return void log(Effect.logError("a host change from Redis was not understood", crossing.left.message));
      if (crossing.right.origin !== origin) handlers.onChange(crossing.right);
    });
    // Subscribed before the server answers: a change made meanwhile elsewhere is not missed.
    yield* Effect.promise(() => subscriber.subscribe(channel)).pipe(
      Effect.timeout("10 seconds"),
      Effect.catchAll(() => Effect.logWarning("redis did not answer; this instance learns of other instances' changes once it does")),
    );

    const send = (crossing: Crossing) => publisher.publish(channel, encode(crossing));
    /**
     * The last change of each host that could not be sent while Redis was away. Once this
     * connection is back, each goes out as a refresh: other instances reload the host and
     * their pages re-fetch, whenever their own subscription came back.
     */
    const missed = new Map<HostId, Crossing>();
    publisher.on("ready", () => {
      if (missed.size === 0) return;
      const resend = [...missed.values()];
      missed.clear();
      log(Effect.logInfo("changes reach the other instances again", { resent: resend.length }));
      for (const crossing of resend) {
        const refresh = { ...crossing, event: { ...crossing.event, changes: [], refresh: true, bookingsChanged: true } };
        send(refresh).catch(() => missed.set(crossing.event.hostId, crossing));
      }
    });
    return {
      // Handed to the connection, not awaited: one connection keeps the order, and Redis's reply
      // promises nothing about the other instances anyway. Waiting for it held the actor (and
      // the answer) behind whatever else this event loop had queued: 4 ms at the median.
      publish: (event, holds, bookings) =>
        Effect.sync(() => {
          const crossing = { origin, event, holds: [...holds], bookings };
          send(crossing).catch((error: unknown) => {
            const first = missed.size === 0;
            missed.set(event.hostId, crossing);
            if (first) log(Effect.logWarning("changes do not reach the other instances (redis unavailable); they catch up once it is back", error));
          });
        }),
    };
  });
