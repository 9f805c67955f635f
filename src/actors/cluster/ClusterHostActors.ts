import { Entity, RunnerAddress } from "@effect/cluster";
import { NodeClusterSocket } from "@effect/platform-node";
import { PgClient } from "@effect/sql-pg";
import { SqlClient } from "@effect/sql/SqlClient";
import { Cause, Clock, Context, Duration, Effect, Layer, Option, Queue, Redacted, type Request } from "effect";
import { createHash } from "node:crypto";
import { AppConfig, type ClusterSettings } from "../../AppConfig.ts";
import type { NotFound } from "../../domain/errors.ts";
import type { Booking, BookingId, HostId } from "../../domain/model.ts";
import { HostChanges } from "../../live/HostChanges.ts";
import { clusterForward } from "../../ops/metrics.ts";
import { BookingRepository } from "../../persistence/BookingRepository.ts";
import { HostRepository } from "../../persistence/HostRepository.ts";
import { loadSnapshot } from "../HostActor.ts";
import { HostActors, limitsOf, makeHostActorPool, orUnavailable, type HostActorPool, type HostActorsShape } from "../HostActors.ts";
import { decideHold, judgeBook } from "../decisions.ts";
import { HostSnapshot } from "../HostSnapshot.ts";
import { StorageUnavailable, type HostMessage } from "../protocol.ts";
import { HostEntity } from "./HostEntity.ts";
import { makeRedisChanges, type Crossing, type RedisChanges } from "./RedisChanges.ts";

/** How long a command waits for its host's owner (a handover takes seconds) before it is answered `StorageUnavailable`. */
const OWNER_WAIT = Duration.seconds(20);

/**
 * A runner that stops refreshing its registration for this long is dropped and its shards move
 * (the cluster's default is 35 s). Registrations are refreshed every third of it.
 */
const RUNNER_EXPIRY = Duration.seconds(10);

/** What went wrong on the way to the owner, not in it: the outcome is unknown, and a retry with the same idempotency key is safe. */
const CLUSTER_FAILURES = new Set(["MailboxFull", "AlreadyProcessingMessage", "PersistenceError", "RpcClientError", "EntityNotAssignedToRunner", "RunnerUnavailable"]);

/** Commands whose answer is the booking as it now is. */
const BOOKING_COMMANDS = new Set<string>(["Book", "Cancel", "Reschedule", "Accept", "Decline"]);
/** Commands about holds: those reach copies with the owner's next change. */
const HOLD_COMMANDS = new Set<string>(["Hold", "Release", "Renew"]);

/** What a change did to the host's bookings: those made or changed (a new object), those gone. */
const bookingChanges = (previous: HostSnapshot | undefined, next: HostSnapshot) => {
  if (previous === undefined || previous.bookings === next.bookings) return { upserted: [], removed: [] };
  const before = new Map(previous.bookings.map((b) => [b.id, b]));
  const now = new Set(next.bookings.map((b) => b.id));
  return {
    upserted: next.bookings.filter((b) => before.get(b.id) !== b),
    removed: previous.bookings.flatMap((b) => (now.has(b.id) ? [] : [b.id])),
  };
};

/**
 * A copy's bookings after a change: the newer of each booking (a change may be heard twice:
 * once as an answer, once over Redis), only those that still hold time, by start.
 */
const followBookings = (bookings: ReadonlyArray<Booking>, upserted: ReadonlyArray<Booking>, removed: ReadonlyArray<BookingId>) => {
  const byId = new Map(bookings.map((b) => [b.id, b]));
  for (const id of removed) byId.delete(id);
  for (const b of upserted) {
    const known = byId.get(b.id);
    if (known === undefined || known.version <= b.version) byId.set(b.id, b);
  }
  return [...byId.values()].filter((b) => b.status === "confirmed" || b.status === "pending").sort((a, b) => a.start - b.start);
};

/**
 * A copy's idempotency keys after a change: those of the bookings it made or changed. Without
 * them a copy that knows a booking's time as taken would refuse the booking's own replay (a
 * client retrying a lost answer through another instance) instead of sending it to the owner.
 */
const followKeys = (keys: ReadonlyMap<string, Booking>, upserted: ReadonlyArray<Booking>) => {
  const keyed = upserted.filter((b) => b.idempotencyKey !== null);
  if (keyed.length === 0) return keys;
  const next = new Map(keys);
  for (const b of keyed) next.set(b.idempotencyKey!, b);
  return next;
};

/** This process's pool of host actors, shared by the entity (which starts them) and the service (which uses them). */
class LocalPool extends Context.Tag("rendezvous/cluster/LocalPool")<LocalPool, HostActorPool>() {}

class CrossInstance extends Context.Tag("rendezvous/cluster/CrossInstance")<
  CrossInstance,
  RedisChanges & { readonly received: Queue.Dequeue<Crossing | "reconnected"> }
>() {}

const CrossInstanceLive = (redisUrl: string) =>
  Layer.scoped(
    CrossInstance,
    Effect.gen(function* () {
      const config = yield* AppConfig;
      // Named by the database the cluster shares (hashed: the URL may hold a password).
      const database = createHash("sha256").update(Redacted.value(Option.getOrThrow(config.databaseUrl))).digest("hex").slice(0, 16);
      const received = yield* Queue.unbounded<Crossing | "reconnected">();
      const redis = yield* makeRedisChanges(redisUrl, `rendezvous:${database}:host-changes`, {
        onChange: (crossing) => Queue.unsafeOffer(received, crossing),
        onReconnect: () => Queue.unsafeOffer(received, "reconnected"),
      });
      return { ...redis, received };
    }),
  );

/**
 * The entity lives as long as this runner owns the host's shard; the actor runs while it is
 * used (passivated when idle, as in one process) and stops at once when the shard moves away.
 */
const EntityLive = HostEntity.toLayer(
  Effect.gen(function* () {
    const pool = yield* LocalPool;
    const hostId = (yield* Entity.CurrentAddress).entityId as string as HostId;
    yield* Effect.addFinalizer(() => pool.stop(hostId));
    const ensureRunning = Effect.suspend(() => (pool.isRunning(hostId) ? Effect.void : pool.start(hostId)));
    const handle = (envelope: { readonly payload: HostMessage }) => Effect.zipRight(ensureRunning, pool.ask(hostId, envelope.payload));
    // Every message is handled alike; the entity's type wants one handler per tag.
    return Object.fromEntries([...HostEntity.protocol.requests.keys()].map((tag) => [tag, handle])) as never;
  }),
  { concurrency: "unbounded", maxIdleTime: Duration.infinity },
);

/** The cluster's own tables through a client without the app's column-name transforms (it names its columns itself). */
const ShardingLive = (settings: ClusterSettings) =>
  Layer.unwrapEffect(
    Effect.map(AppConfig, (config) =>
      NodeClusterSocket.layer({
        storage: "sql",
        shardingConfig: {
          runnerAddress: Option.some(RunnerAddress.make(settings.host, settings.port)),
          runnerListenAddress: Option.some(RunnerAddress.make(config.host, settings.port)),
          shardLockExpiration: RUNNER_EXPIRY,
          shardLockRefreshInterval: Duration.millis(Duration.toMillis(RUNNER_EXPIRY) / 3),
          entityMaxIdleTime: Duration.infinity,
        },
      }).pipe(Layer.provide(PgClient.layer({ url: Option.getOrThrow(config.databaseUrl), maxConnections: 4 }))),
    ),
  );

/**
 * The pool and the service around it. Versions name one state of a host across owners: a new
 * owner starts above any version an earlier one can have reached (the clock in microseconds),
 * so caches keyed by version never take one state for another after a handover.
 */
const ServiceLive = Layer.scopedContext(
  Effect.gen(function* () {
    const cross = yield* CrossInstance;
    const bus = yield* HostChanges;
    const clientOf = yield* HostEntity.client;
    const limits = limitsOf(yield* AppConfig);
    const context = Context.pick(SqlClient, HostRepository, BookingRepository)(yield* Effect.context<SqlClient | HostRepository | BookingRepository>());

    // Copies of hosts owned elsewhere, for reads: loaded from Postgres, then kept current by the
    // owner's changes (bookings and holds travel with each), reloaded after a gap.
    const replicas = new Map<HostId, HostSnapshot>();
    /** Bumped whenever a copy may be stale: a load started before lands nowhere. */
    const generations = new Map<HostId, number>();
    const holdsOf = new Map<HostId, Crossing["holds"]>();
    /** The owner's version each copy last followed (none: loaded for a read, follows the next change it hears). */
    const followed = new Map<HostId, number>();
    /** Versions of copies no change of the owner names: negative, so never an owner's. */
    let unnamed = 0;
    /** On the owner: the version of the last change it sent about each host. */
    const sent = new Map<HostId, number>();

    const forget = (hostId: HostId) => {
      generations.set(hostId, (generations.get(hostId) ?? 0) + 1);
      replicas.delete(hostId);
      followed.delete(hostId);
    };
    const pool = yield* makeHostActorPool({
      startsOnAsk: false,
      firstVersion: (lastSeen) => Math.max(lastSeen + 1, Date.now() * 1000),
      published: (event, snapshot, previous) =>
        Effect.suspend(() => {
          // A copy made while another instance owned the host is stale once this one changes it.
          forget(event.hostId);
          const after = sent.get(event.hostId) ?? null;
          sent.set(event.hostId, event.version);
          return cross.publish(event, snapshot.holds.values(), { ...bookingChanges(previous, snapshot), after });
        }),
    });
    const withHolds = (snapshot: HostSnapshot, version: number, bookings = snapshot.bookings, byIdempotencyKey = snapshot.byIdempotencyKey) =>
      new HostSnapshot({ ...snapshot.state(), bookings, byIdempotencyKey, holds: new Map((holdsOf.get(snapshot.host.id) ?? []).map((h) => [h.token, h])), version });
    /** A copy that follows bookings made, changed or dropped elsewhere. */
    const following = (replica: HostSnapshot, version: number, upserted: ReadonlyArray<Booking>, removed: ReadonlyArray<BookingId>) =>
      withHolds(replica, version, followBookings(replica.bookings, upserted, removed), followKeys(replica.byIdempotencyKey, upserted));

    const load = (hostId: HostId, version = -++unnamed) =>
      Effect.suspend(() => {
        const generation = generations.get(hostId) ?? 0;
        return loadSnapshot(hostId, version).pipe(
          Effect.provide(context),
          orUnavailable,
          Effect.map((loaded) => {
            const replica = withHolds(loaded, version);
            if ((generations.get(hostId) ?? 0) === generation) {
              replicas.set(hostId, replica);
              if (version >= 0) followed.set(hostId, version);
            }
            return replica;
          }),
        );
      });

    const received = (crossing: Crossing) =>
      Effect.gen(function* () {
        const { event, bookings } = crossing;
        // Only hosts with live holds keep an entry: every host that ever changed would otherwise.
        if (crossing.holds.length === 0) holdsOf.delete(event.hostId);
        else holdsOf.set(event.hostId, crossing.holds);
        // A refresh may be a new address: the next request for the old one asks the database.
        if (event.refresh) pool.forgetAddresses(event.hostId);
        const replica = replicas.get(event.hostId);
        if (replica !== undefined) {
          const last = followed.get(event.hostId);
          if (event.refresh || (last !== undefined && bookings.after !== last)) {
            // A new schedule, or a change this copy did not hear: read it all again.
            forget(event.hostId);
            yield* load(event.hostId, event.version).pipe(Effect.ignore);
          } else {
            replicas.set(event.hostId, following(replica, event.version, bookings.upserted, bookings.removed));
            followed.set(event.hostId, event.version);
          }
        }
        // After the copy: pages render the change against it.
        yield* bus.publish(event);
      });

    /**
     * Redis was away: changes may have been missed. Every copy reloads, and every page of a host
     * this instance has read re-fetches (a copy dropped a moment ago still has pages open).
     */
    const reconnected = Effect.suspend(() =>
      // The hosts known when Redis is back, not when this effect was built.
      Effect.forEach(new Set([...replicas.keys(), ...generations.keys()]), (hostId) => {
        forget(hostId);
        return bus.publish({ hostId, version: -++unnamed, changes: [], refresh: true, bookingsChanged: true });
      }),
    );

    yield* Effect.forkScoped(
      Effect.forever(
        Effect.flatMap(cross.received.take, (next) => (next === "reconnected" ? reconnected : received(next))).pipe(
          Effect.catchAllCause((cause) => Effect.logError("a change from another instance was not applied", cause)),
        ),
      ),
    );

    /**
     * What this instance's copy learns from an answer the owner gave it, at once (the change
     * itself comes over Redis a moment later): a booking made or changed is in it, so this
     * instance never offers an acknowledged time again; a schedule change reloads the copy.
     */
    const acknowledged = (hostId: HostId, message: HostMessage, answer: unknown) => {
      const replica = replicas.get(hostId);
      if (replica === undefined || HOLD_COMMANDS.has(message._tag)) return;
      if (!BOOKING_COMMANDS.has(message._tag)) return forget(hostId);
      const booking = answer as Booking;
      replicas.set(hostId, following(replica, -++unnamed, [booking], []));
    };

    /** A command for a host owned elsewhere (or nowhere yet): sent through the cluster. */
    const remote = <M extends HostMessage>(hostId: HostId, message: M) => {
      // One RPC per message tag, each taking its own message: dispatched by the tag.
      const client = clientOf(hostId) as unknown as Record<string, (message: HostMessage) => Effect.Effect<Request.Request.Success<M>, unknown>>;
      const sent = performance.now();
      return client[message._tag]!(message).pipe(
        Effect.ensuring(Effect.sync(() => clusterForward.unsafeUpdate((performance.now() - sent) / 1000, []))),
        Effect.timeoutFail({ duration: OWNER_WAIT, onTimeout: () => new StorageUnavailable() }),
        Effect.tap((answer) => Effect.sync(() => acknowledged(hostId, message, answer))),
        Effect.catchAllCause((cause) => {
          const failure = Cause.failureOption(cause);
          const tag = Option.isSome(failure) ? (failure.value as { readonly _tag?: string })._tag : undefined;
          if (tag !== undefined && !CLUSTER_FAILURES.has(tag)) return Effect.failCause(cause);
          return Effect.logWarning("a command did not reach its host's owner", cause).pipe(Effect.zipRight(Effect.fail(new StorageUnavailable())));
        }),
      ) as Effect.Effect<Request.Request.Success<M>, Request.Request.Error<M> | NotFound | StorageUnavailable>;
    };

    /**
     * A booking or hold this instance's copy already refuses is refused here: the copy is
     * committed state a moment old, so the refusal is the owner's of a moment ago (as a page
     * showing the time taken is). Only what the copy would accept goes to the owner, which
     * decides it; replays are not answered from a copy (its keys are not kept current).
     */
    const refusedByCopy = (hostId: HostId, message: HostMessage, now: number) => {
      const replica = replicas.get(hostId);
      if (replica === undefined) return undefined;
      const decision = message._tag === "Book" ? judgeBook(replica, message, now, limits) : message._tag === "Hold" ? decideHold(replica, message, now, limits) : undefined;
      return decision?._tag === "Refuse" ? decision.error : undefined;
    };

    const service: HostActorsShape = {
      ...pool,
      ask: <M extends HostMessage>(hostId: HostId, message: M) =>
        pool.isRunning(hostId)
          ? pool.ask(hostId, message)
          : Effect.flatMap(Clock.currentTimeMillis, (now) => {
              const refused = refusedByCopy(hostId, message, now);
              return refused === undefined ? remote(hostId, message) : (Effect.fail(refused) as Effect.Effect<never, Request.Request.Error<M>>);
            }),
      snapshot: (hostId) => Effect.suspend(() => {
        const local = pool.peek(hostId) ?? replicas.get(hostId);
        return local === undefined ? load(hostId) : Effect.succeed(local);
      }),
      peek: (hostId) => pool.peek(hostId) ?? replicas.get(hostId),
    };
    return Context.make(HostActors, service).pipe(Context.add(LocalPool, pool));
  }),
);

/**
 * Host actors placed by @effect/cluster: each host is an entity on the runner owning its shard
 * (shards leased in Postgres), commands for hosts owned elsewhere go there over the runners'
 * sockets, and reads are answered here from copies kept current by changes over Redis.
 */
export const ClusterHostActorsLive = (settings: ClusterSettings) =>
  EntityLive.pipe(
    Layer.provideMerge(ServiceLive),
    Layer.provide(Layer.merge(CrossInstanceLive(Redacted.value(settings.redisUrl)), ShardingLive(settings))),
    Layer.map(Context.pick(HostActors)),
    // A runner that cannot start (its port taken, its tables not made) stops the server.
    Layer.orDie,
  );
