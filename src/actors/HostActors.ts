import { SqlClient } from "@effect/sql/SqlClient";
import { SqlError } from "@effect/sql/SqlError";
import { Clock, Context, Effect, Exit, Layer, Option, RcMap, Runtime, type Request } from "effect";
import { AppConfig, type AppConfigShape } from "../AppConfig.ts";
import { NotFound } from "../domain/errors.ts";
import type { EventTypeId, HostId } from "../domain/model.ts";
import { MINUTE_MS } from "../domain/time.ts";
import { HostChanges, type HostChanged } from "../live/HostChanges.ts";
import { BookingRepository } from "../persistence/BookingRepository.ts";
import { HostRepository } from "../persistence/HostRepository.ts";
import { ActorStopped, envelopeOf, makeHostActor, type ActorEnvironment, type Envelope, type HostActor } from "./HostActor.ts";
import type { HostSnapshot } from "./HostSnapshot.ts";
import { decideHold, judgeBook, type Decision, type Limits } from "./decisions.ts";
import { StorageUnavailable, type HostMessage } from "./protocol.ts";

/** What the sender of a message is told through this service: an actor that stopped first reads as `StorageUnavailable`. */
export type Answer<M extends HostMessage> = Exit.Exit<Request.Request.Success<M>, Request.Request.Error<M> | StorageUnavailable>;

/** How busy this process's actors are, for /metrics. */
export interface ActorGauges {
  readonly running: number;
  readonly mailboxDepth: number;
  readonly holdsLive: number;
}

export interface HostActorsShape {
  /** Sends a command to the host's actor (starting it from the database if needed). */
  readonly ask: <M extends HostMessage>(
    hostId: HostId,
    message: M,
  ) => Effect.Effect<Request.Request.Success<M>, Request.Request.Error<M> | NotFound | StorageUnavailable>;
  /** The host's latest snapshot, starting its actor if needed. */
  readonly snapshot: (hostId: HostId) => Effect.Effect<HostSnapshot, NotFound | StorageUnavailable>;
  /**
   * `ask` without a fiber, for callers outside Effect (the HTTP hot path): answers from the
   * snapshot or tells the running actor, and `reply` gets the outcome. False, having done
   * nothing, when the host's actor is not running: use `ask`, which starts it.
   */
  readonly tryAsk: <M extends HostMessage>(hostId: HostId, message: M, now: number, reply: (exit: Answer<M>) => void) => boolean;
  /** The latest snapshot of a running actor, synchronously: the read path's fast lane. */
  readonly peek: (hostId: HostId) => HostSnapshot | undefined;
  readonly hostIdOfSlug: (slug: string) => Effect.Effect<HostId, NotFound | StorageUnavailable>;
  /** A host id already known for a slug, synchronously. */
  readonly peekSlug: (slug: string) => HostId | undefined;
  /** The host an event type belongs to. */
  readonly hostIdOfEventType: (id: EventTypeId) => Effect.Effect<HostId, NotFound | StorageUnavailable>;
  /** The host of an event type already known, synchronously. */
  readonly peekEventTypeHost: (id: EventTypeId) => HostId | undefined;
  /** Kills a host's actor at once, as a crash would; it restarts from Postgres, its mailbox kept. */
  readonly kill: (hostId: HostId) => Effect.Effect<void>;
  readonly gauges: () => ActorGauges;
}

/**
 * Where host actors live: an in-process keyed pool, started on first use from Postgres and
 * passivated after an idle period. Nothing outside `src/actors` knows where an actor runs, so
 * placing them with `@effect/cluster` later changes only this file.
 */
const TOUCH_EVERY_MS = 5_000;

const isActorStopped = (e: unknown): e is ActorStopped => e instanceof ActorStopped;

/** The actor stopped before answering: the outcome is unknown, and a retry with the same idempotency key is safe. */
const unstopped = <A, E>(exit: Exit.Exit<A, E | ActorStopped>): Exit.Exit<A, E | StorageUnavailable> =>
  Exit.mapError(exit, (e) => (isActorStopped(e) ? new StorageUnavailable() : e));

/** A decision the snapshot settles (a refusal, or an idempotent replay) told at once; false for one the actor must make. */
// Stryker disable BlockStatement,ConditionalExpression,StringLiteral: a shortcut; without it the actor gives the same answer a moment later
const settled = <A, E>(reply: (exit: Exit.Exit<A, E>) => void, d: Decision<A, E> | { readonly _tag: "Accept" }) => {
  if (d._tag === "Refuse") reply(Exit.fail(d.error));
  else if (d._tag === "Answer") reply(Exit.succeed(d.result));
  // Stryker restore BlockStatement,ConditionalExpression,StringLiteral
  else return false;
  // Stryker disable next-line BooleanLiteral: an envelope answers once, so the actor's second answer would be dropped
  return true;
};

export class HostActors extends Context.Tag("rendezvous/HostActors")<HostActors, HostActorsShape>() {}

const isSqlError = (e: unknown): e is SqlError => e instanceof SqlError;

const unavailable = (e: SqlError) => Effect.logError("database unavailable", e).pipe(Effect.zipRight(Effect.fail(new StorageUnavailable())));

/**
 * The database failing reads as `StorageUnavailable`, also where @effect/sql turns it into a
 * defect: a transaction whose ROLLBACK or COMMIT fails (the connection was lost) dies with it.
 */
export const orUnavailable = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(
    Effect.catchIf((e): e is Extract<E, SqlError> => isSqlError(e), (e) => unavailable(e)),
    Effect.catchSomeDefect((defect) => (isSqlError(defect) ? Option.some(unavailable(defect)) : Option.none())),
  );

/** The limits every decision about holds and bookings applies, from the configuration. */
export const limitsOf = (config: AppConfigShape): Limits => ({
  holdMs: config.holdMinutes * MINUTE_MS,
  holdLeaseMs: config.holdLeaseSeconds * 1000,
  maxHoldsPerHost: config.maxHoldsPerHost,
  maxHoldsPerAddress: config.maxHoldsPerAddress,
  maxBookingsPerEmail: config.maxBookingsPerEmail,
});

/** What running in a cluster changes about a pool of host actors (see `cluster/`). */
export interface PoolOptions {
  /** The version of a starting actor's first snapshot, given the last this process saw of the host (0: none). */
  readonly firstVersion?: (lastSeen: number) => number;
  /** Told of every change after the local bus, with the snapshot it made and the one before. */
  readonly published?: (event: HostChanged, snapshot: HostSnapshot, previous: HostSnapshot | undefined) => Effect.Effect<void>;
  /**
   * Whether `ask` and `snapshot` start an actor that is not running (default). In a cluster
   * only the host's owner starts it (`start`), and an ask that finds it gone is `StorageUnavailable`.
   */
  readonly startsOnAsk?: boolean;
}

export interface HostActorPool extends HostActorsShape {
  /** Starts the host's actor (it passivates when idle, as any). */
  readonly start: (hostId: HostId) => Effect.Effect<void, NotFound | StorageUnavailable>;
  /** Stops the host's actor at once, its mailbox answered `StorageUnavailable`: this process no longer owns the host. */
  readonly stop: (hostId: HostId) => Effect.Effect<void>;
  /** Whether the host's actor runs in this process. */
  readonly isRunning: (hostId: HostId) => boolean;
  /** Forgets the addresses known to lead to a host (its owner elsewhere may have moved it). */
  readonly forgetAddresses: (hostId: HostId) => void;
}

/** The in-process pool of host actors; `HostActorsLive` is it, alone in one process. */
export const makeHostActorPool = (options: PoolOptions = {}) =>
  Effect.gen(function* () {
    const config = yield* AppConfig;
    const bus = yield* HostChanges;
    const startsOnAsk = options.startsOnAsk ?? true;
    const firstVersion = options.firstVersion ?? ((lastSeen: number) => lastSeen + 1);
    const hosts = yield* HostRepository;
    // Only these services: the layer's whole context would also carry its Scope, and an actor
    // started with it would outlive its passivation (its finalizers tied to the app's scope).
    const context = Context.pick(SqlClient, HostRepository, BookingRepository)(yield* Effect.context<SqlClient | HostRepository | BookingRepository>());
    const snapshots = new Map<HostId, HostSnapshot>();
    const slugs = new Map<string, HostId>();
    const eventTypeHosts = new Map<EventTypeId, HostId>();
    /** Actors that are up, for the hot path: a message to one of them only pushes its idle timer. */
    const running = new Map<HostId, HostActor>();
    /** When each running actor's idle timer was last pushed back. */
    const touchedAt = new Map<HostId, number>();
    /** The last version each host published, kept after passivation so versions never repeat. */
    const lastVersions = new Map<HostId, number>();

    const limits = limitsOf(config);

    /** Each actor publishes into the shared maps; when it ends it removes only what is still its own. */
    const startActor = (hostId: HostId) =>
      Effect.gen(function* () {
        let latest: HostSnapshot | undefined;
        const env: ActorEnvironment = {
          limits,
          firstVersion: firstVersion(lastVersions.get(hostId) ?? 0),
          publish: (snapshot, changes, refresh) =>
            Effect.suspend(() => {
              // Bookings are replaced, never changed in place, so a new array is a changed list.
              const bookingsChanged = latest !== undefined && latest.bookings !== snapshot.bookings;
              // A new address: the old one no longer leads here.
              if (latest !== undefined && latest.host.slug !== snapshot.host.slug && slugs.get(latest.host.slug) === hostId) slugs.delete(latest.host.slug);
              const previous = latest;
              latest = snapshot;
              lastVersions.set(hostId, snapshot.version);
              snapshots.set(snapshot.host.id, snapshot);
              slugs.set(snapshot.host.slug, snapshot.host.id);
              for (const id of snapshot.eventTypes.keys()) eventTypeHosts.set(id, snapshot.host.id);
              if (changes.length === 0 && !refresh && !bookingsChanged) return Effect.void;
              const event: HostChanged = { hostId: snapshot.host.id, version: snapshot.version, changes, refresh, bookingsChanged };
              return options.published === undefined ? bus.publish(event) : Effect.zipRight(bus.publish(event), options.published(event, snapshot, previous));
            }),
        };
        const actor = yield* makeHostActor(hostId, env);
        running.set(hostId, actor);
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            // Stryker disable next-line ConditionalExpression,LogicalOperator: guards a successor started before this finalizer runs, which no test can order
            if (latest !== undefined && snapshots.get(hostId) === latest) snapshots.delete(hostId);
            // Stryker disable next-line ConditionalExpression: as above
            if (running.get(hostId) === actor) {
              running.delete(hostId);
              touchedAt.delete(hostId);
            }
          }),
        );
        return actor;
      });

    const actors = yield* RcMap.make({
      lookup: (hostId: HostId) => startActor(hostId).pipe(orUnavailable, Effect.provide(context)),
      // Longer than any hold, so a passivated actor never forgets a live hold.
      idleTimeToLive: Math.max(config.actorIdleMinutes, config.holdMinutes + 1) * MINUTE_MS,
    });

    /**
     * A failed start is not kept: the next request tries again. If the actor stopped before
     * answering, the caller gets `StorageUnavailable`: nothing was acknowledged, and a retry
     * with the same idempotency key is safe.
     */
    const withActor = <A, E>(hostId: HostId, use: (actor: HostActor) => Effect.Effect<A, E | ActorStopped>) =>
      Effect.scoped(
        RcMap.get(actors, hostId).pipe(
          Effect.tapErrorCause(() => RcMap.invalidate(actors, hostId)),
          Effect.flatMap(use),
        ),
      ).pipe(
        Effect.catchIf(isActorStopped, () => Effect.fail(new StorageUnavailable())),
      );

    const hostIdOfSlug = (slug: string) => {
      const known = slugs.get(slug);
      // Stryker disable next-line ConditionalExpression: a cache; without it the database gives the same answer
      if (known !== undefined) return Effect.succeed(known);
      return hosts.findHostIdBySlug(slug).pipe(
        orUnavailable,
        Effect.flatMap((id) => {
          if (id === undefined) return Effect.fail(new NotFound({ what: "host" }));
          slugs.set(slug, id);
          return Effect.succeed(id);
        }),
      );
    };

    const hostIdOfEventType = (id: EventTypeId) => {
      const known = eventTypeHosts.get(id);
      // Stryker disable next-line ConditionalExpression: a cache; without it the database gives the same answer
      if (known !== undefined) return Effect.succeed(known);
      return hosts.findHostIdOfEventType(id).pipe(
        orUnavailable,
        Effect.flatMap((hostId) => {
          if (hostId === undefined) return Effect.fail(new NotFound({ what: "event type" }));
          eventTypeHosts.set(id, hostId);
          return Effect.succeed(hostId);
        }),
      );
    };

    /**
     * A booking or hold the latest snapshot already refuses (or answers, as an idempotent
     * replay) is answered from it, without the mailbox: the snapshot is committed state, so
     * the answer is the one the actor would have given at that moment. Only what the snapshot
     * would accept waits in the mailbox, to be decided again against the actor's own state.
     */
    // Stryker disable next-line BlockStatement: the shortcut again (see `settled`)
    const answeredFromSnapshot = (hostId: HostId, envelope: Envelope, now: number) => {
      const snapshot = snapshots.get(hostId);
      if (snapshot === undefined) return false;
      // Stryker disable next-line ConditionalExpression,StringLiteral: the shortcut again
      if (envelope.tag === "Book") return settled(envelope.reply, judgeBook(snapshot, envelope.message, now, limits));
      // Stryker disable next-line ConditionalExpression,StringLiteral: the shortcut again
      if (envelope.tag === "Hold") return settled(envelope.reply, decideHold(snapshot, envelope.message, now, limits));
      return false;
    };

    /**
     * Whether a running actor's idle timer is due to be pushed back (it is then counted as
     * done): at most every few seconds per host, as each touch costs a fiber, and the idle time
     * to live is minutes longer than that.
     */
    const touchDue = (hostId: HostId, now: number) => {
      // Stryker disable next-line LogicalOperator,EqualityOperator,BooleanLiteral: how often within the few seconds it is pushed back is speed only
      if (!running.has(hostId) || now - (touchedAt.get(hostId) ?? Number.NEGATIVE_INFINITY) < TOUCH_EVERY_MS) return false;
      touchedAt.set(hostId, now);
      return true;
    };

    /** Answered from the snapshot or told to the running actor; false if the actor is not running. */
    const deliver = (hostId: HostId, envelope: Envelope, now: number) => {
      if (answeredFromSnapshot(hostId, envelope, now)) return true;
      const actor = running.get(hostId);
      if (actor === undefined) return false;
      actor.tell(envelope);
      return true;
    };

    // Touches from outside Effect run on the app's runtime, whose clock is the one `now` came from.
    const runtime = yield* Effect.runtime<never>();
    const tryAsk = <M extends HostMessage>(hostId: HostId, message: M, now: number, reply: (exit: Answer<M>) => void) => {
      if (touchDue(hostId, now)) Runtime.runFork(runtime)(RcMap.touch(actors, hostId));
      return deliver(hostId, envelopeOf(message, (exit) => reply(unstopped(exit))), now);
    };

    return {
      hostIdOfEventType,
      ask: <M extends HostMessage>(hostId: HostId, message: M) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.zipRight(
            touchDue(hostId, now) ? RcMap.touch(actors, hostId) : Effect.void,
            Effect.async<Request.Request.Success<M>, Request.Request.Error<M> | NotFound | StorageUnavailable>((resume) => {
              if (deliver(hostId, envelopeOf(message, (exit) => resume(unstopped(exit))), now)) return;
              resume(startsOnAsk ? withActor(hostId, (actor) => actor.ask(message)) : Effect.fail(new StorageUnavailable()));
            }),
          ),
        ),
      tryAsk,
      peekEventTypeHost: (id) => eventTypeHosts.get(id),
      snapshot: (hostId) =>
        withActor(hostId, () => Effect.sync(() => snapshots.get(hostId)!)).pipe(
          // Reading is always safe to repeat: once more on a fresh actor.
          Effect.retry({ times: 1, while: (e) => e._tag === "StorageUnavailable" }),
        ),
      peek: (hostId) => snapshots.get(hostId),
      hostIdOfSlug,
      peekSlug: (slug) => slugs.get(slug),
      gauges: () => {
        let mailboxDepth = 0;
        let holdsLive = 0;
        for (const actor of running.values()) mailboxDepth += actor.queued();
        for (const snapshot of snapshots.values()) holdsLive += snapshot.holds.size;
        return { running: running.size, mailboxDepth, holdsLive };
      },
      kill: (hostId) =>
        Effect.gen(function* () {
          if (yield* RcMap.has(actors, hostId)) yield* withActor(hostId, (actor) => actor.kill).pipe(Effect.ignore);
        }),
      start: (hostId) => withActor(hostId, () => Effect.void),
      stop: (hostId) => RcMap.invalidate(actors, hostId),
      isRunning: (hostId) => running.has(hostId),
      forgetAddresses: (hostId) => {
        for (const [slug, id] of slugs) if (id === hostId) slugs.delete(slug);
      },
    } satisfies HostActorPool;
  });

export const HostActorsLive = Layer.scoped(HostActors, makeHostActorPool());
