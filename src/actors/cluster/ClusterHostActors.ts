import { Entity, RunnerAddress } from "@effect/cluster";
import { NodeClusterSocket } from "@effect/platform-node";
import { PgClient } from "@effect/sql-pg";
import { SqlClient } from "@effect/sql/SqlClient";
import { Cause, Context, Duration, Effect, Layer, Option, Queue, Redacted, type Request } from "effect";
import { createHash } from "node:crypto";
import { AppConfig, type ClusterSettings } from "../../AppConfig.ts";
import type { NotFound } from "../../domain/errors.ts";
import type { HostId } from "../../domain/model.ts";
import { HostChanges } from "../../live/HostChanges.ts";
import { clusterForward } from "../../ops/metrics.ts";
import { BookingRepository } from "../../persistence/BookingRepository.ts";
import { HostRepository } from "../../persistence/HostRepository.ts";
import { loadSnapshot } from "../HostActor.ts";
import { HostActors, makeHostActorPool, orUnavailable, type HostActorPool, type HostActorsShape } from "../HostActors.ts";
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
    const context = Context.pick(SqlClient, HostRepository, BookingRepository)(yield* Effect.context<SqlClient | HostRepository | BookingRepository>());

    // Copies of hosts owned elsewhere, for reads: loaded from Postgres with the owner's holds,
    // reloaded when the owner says its bookings or schedule changed.
    const replicas = new Map<HostId, HostSnapshot>();
    /** Bumped whenever a copy may be stale: a load started before lands nowhere. */
    const generations = new Map<HostId, number>();
    const holdsOf = new Map<HostId, Crossing["holds"]>();
    /** Versions of copies loaded without a change to name them: negative, so never an owner's. */
    let unnamed = 0;

    const forget = (hostId: HostId) => {
      generations.set(hostId, (generations.get(hostId) ?? 0) + 1);
      replicas.delete(hostId);
    };
    const pool = yield* makeHostActorPool({
      startsOnAsk: false,
      firstVersion: (lastSeen) => Math.max(lastSeen + 1, Date.now() * 1000),
      // A copy made while another instance owned the host is stale once this one changes it.
      published: (event, snapshot) => Effect.zipRight(Effect.sync(() => forget(event.hostId)), cross.publish(event, snapshot.holds.values())),
    });
    const withHolds = (snapshot: HostSnapshot, version: number) =>
      new HostSnapshot({ ...snapshot.state(), holds: new Map((holdsOf.get(snapshot.host.id) ?? []).map((h) => [h.token, h])), version });

    const load = (hostId: HostId, version = -++unnamed) =>
      Effect.suspend(() => {
        const generation = generations.get(hostId) ?? 0;
        return loadSnapshot(hostId, version).pipe(
          Effect.provide(context),
          orUnavailable,
          Effect.map((loaded) => {
            const replica = withHolds(loaded, version);
            if ((generations.get(hostId) ?? 0) === generation) replicas.set(hostId, replica);
            return replica;
          }),
        );
      });

    const received = (crossing: Crossing) =>
      Effect.gen(function* () {
        const { event } = crossing;
        holdsOf.set(event.hostId, crossing.holds);
        const replica = replicas.get(event.hostId);
        if (replica !== undefined) {
          if (event.refresh || event.bookingsChanged) {
            forget(event.hostId);
            yield* load(event.hostId, event.version).pipe(Effect.ignore);
          } else replicas.set(event.hostId, withHolds(replica, event.version));
        }
        // After the copy: pages render the change against it.
        yield* bus.publish(event);
      });

    /**
     * Redis was away: changes may have been missed. Every copy reloads, and every page of a host
     * this instance has read re-fetches (a copy dropped a moment ago still has pages open).
     */
    const reconnected = Effect.forEach(new Set([...replicas.keys(), ...generations.keys()]), (hostId) => {
      forget(hostId);
      return bus.publish({ hostId, version: -++unnamed, changes: [], refresh: true, bookingsChanged: true });
    });

    yield* Effect.forkScoped(
      Effect.forever(
        Effect.flatMap(cross.received.take, (next) => (next === "reconnected" ? reconnected : received(next))).pipe(
          Effect.catchAllCause((cause) => Effect.logError("a change from another instance was not applied", cause)),
        ),
      ),
    );

    /** A command for a host owned elsewhere (or nowhere yet): sent through the cluster. */
    const remote = <M extends HostMessage>(hostId: HostId, message: M) => {
      // One RPC per message tag, each taking its own message: dispatched by the tag.
      const client = clientOf(hostId) as unknown as Record<string, (message: HostMessage) => Effect.Effect<Request.Request.Success<M>, unknown>>;
      const sent = performance.now();
      return client[message._tag]!(message).pipe(
        Effect.ensuring(Effect.sync(() => clusterForward.unsafeUpdate((performance.now() - sent) / 1000, []))),
        Effect.timeoutFail({ duration: OWNER_WAIT, onTimeout: () => new StorageUnavailable() }),
        Effect.tap(() => Effect.sync(() => forget(hostId))),
        Effect.catchAllCause((cause) => {
          const failure = Cause.failureOption(cause);
          const tag = Option.isSome(failure) ? (failure.value as { readonly _tag?: string })._tag : undefined;
          if (tag !== undefined && !CLUSTER_FAILURES.has(tag)) return Effect.failCause(cause);
          return Effect.logWarning("a command did not reach its host's owner", cause).pipe(Effect.zipRight(Effect.fail(new StorageUnavailable())));
        }),
      ) as Effect.Effect<Request.Request.Success<M>, Request.Request.Error<M> | NotFound | StorageUnavailable>;
    };

    const service: HostActorsShape = {
      ...pool,
      ask: (hostId, message) => (pool.isRunning(hostId) ? pool.ask(hostId, message) : remote(hostId, message)),
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
