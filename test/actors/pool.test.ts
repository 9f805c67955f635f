import { layer } from "@effect/vitest";
import { SqlClient } from "@effect/sql/SqlClient";
import { Chunk, Context, Deferred, Effect, Exit, Fiber, Layer, Queue, Schedule, TestClock } from "effect";
import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { HostActors, HostActorsLive, makeHostActorPool, type Answer, type HostActorsShape } from "../../src/actors/HostActors.ts";
import { Book, Hold, Renew, SaveProfile } from "../../src/actors/protocol.ts";
import type { EventTypeId, HostId } from "../../src/domain/model.ts";
import { MINUTE_MS } from "../../src/domain/time.ts";
import { HostChanges, type HostChanged } from "../../src/live/HostChanges.ts";
import type { HostSnapshot } from "../../src/actors/HostSnapshot.ts";
import { slotsFromTomorrow } from "../support/actors.ts";
import { onAdmin, testCore } from "../support/core.ts";
import { createHost } from "../support/fixtures.ts";

const book = (eventTypeId: EventTypeId, start: number, name: string) =>
  new Book({ eventTypeId, start, invitee: { name, email: `${name.toLowerCase()}@example.com`, timeZone: "UTC" }, answers: {}, idempotencyKey: null, holdToken: null, visitor: null });

const hold = (eventTypeId: EventTypeId, start: number, visitor: string) => new Hold({ eventTypeId, start, visitor, address: null });

/** Polls a condition on the real clock (the database works in real time), for at most ten seconds. */
const until = <E, R>(check: Effect.Effect<boolean, E, R>) =>
  check.pipe(Effect.repeat({ until: (done) => done, schedule: Schedule.spaced("10 millis") }), Effect.timeout("10 seconds"));

/**
 * A pool of host actors of the test's own on the file's database and bus (every host is cold
 * in it): built inside the test, so a mutation run knows which tests reach its code.
 */
const freshPool = Effect.map(Layer.build(HostActorsLive), Context.get(HostActors));

/** The starts `slotsFromTomorrow` lists, read through `pool`. */
const slotsIn = (pool: HostActorsShape, hostId: HostId, eventTypeId: EventTypeId) =>
  Effect.provideService(slotsFromTomorrow(hostId, eventTypeId), HostActors, pool);

/** Holds `LOCK TABLE bookings` until `release` is called, so a booking's commit waits. */
const lockBookings = Effect.gen(function* () {
  const sql = yield* SqlClient;
  const locked = yield* Deferred.make<void>();
  const released = yield* Deferred.make<void>();
  const fiber = yield* Effect.fork(
    sql.withTransaction(sql`LOCK TABLE bookings IN EXCLUSIVE MODE`.pipe(Effect.zipRight(Deferred.succeed(locked, undefined)), Effect.zipRight(Deferred.await(released)))),
  );
  yield* Deferred.await(locked);
  const waiting = until(Effect.map(sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'bookings'::regclass AND NOT granted`, ([r]) => r!.n > 0));
  return { waiting, release: Deferred.succeed(released, undefined).pipe(Effect.zipRight(Fiber.join(fiber))) };
});

/**
 * Forks `kill` and returns once it waits for the actor's fiber to end: it has interrupted it
 * (nothing else in `kill` waits), and the actor stops when its statement returns.
 */
const killWhileWaiting = (kill: Effect.Effect<void>) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(kill);
    yield* Effect.yieldNow().pipe(
      Effect.zipRight(Fiber.status(fiber)),
      Effect.repeat({ until: (status) => status._tag === "Suspended", times: 1_000 }),
    );
    return fiber;
  });

/** What `tryAsk` told its caller, each reply kept. */
const replies = <A>() => {
  const got: A[] = [];
  return { got, reply: (exit: A) => void got.push(exit) };
};

// The real clock: the database works in real time, and these tests wait on it.
layer(testCore(), { excludeTestServices: true })("the pool of host actors", (it) => {
  it.scoped("publishes each committed change once, and nothing when an actor starts or a command is refused", () =>
    Effect.gen(function* () {
      const { hostId, eventTypeId, hostSlug } = yield* createHost();
      const actors = yield* freshPool;
      const events = yield* (yield* HostChanges).subscribe;
      const mine = Effect.map(Queue.takeAll(events), (all) => [...all].filter((e) => e.hostId === hostId));
      const [a, b, c] = yield* slotsIn(actors, hostId, eventTypeId);
      expect(yield* mine, "starting an actor changes nothing").toEqual([]);

      // The actor publishes before it answers, so each event is queued once the ask returns.
      yield* actors.ask(hostId, hold(eventTypeId, a!, "v1"));
      const [held, ...extra] = yield* mine;
      expect(extra).toEqual([]);
      expect(held).toMatchObject({ hostId, refresh: false, bookingsChanged: false, changes: [{ eventTypeId, taken: expect.arrayContaining([a]), freed: [] }] });

      yield* actors.ask(hostId, book(eventTypeId, b!, "Ada"));
      const [booked] = yield* mine;
      expect(booked).toMatchObject({ hostId, version: held!.version + 1, refresh: false, bookingsChanged: true, changes: [{ eventTypeId, taken: expect.arrayContaining([b]), freed: [] }] });

      expect((yield* Effect.flip(actors.ask(hostId, book(eventTypeId, b!, "Bob"))))._tag).toBe("SlotTaken");
      expect(yield* mine, "a refusal changes nothing").toEqual([]);

      yield* actors.ask(hostId, new SaveProfile({ name: "Renamed", slug: hostSlug, timeZone: "Europe/Vienna", bio: "", locale: "en" }));
      const [saved] = yield* mine;
      expect(saved).toMatchObject({ hostId, version: booked!.version + 1, refresh: true, bookingsChanged: false, changes: [] });

      yield* actors.ask(hostId, hold(eventTypeId, c!, "v2"));
      expect((yield* mine).map((e) => e.version)).toEqual([saved!.version + 1]);
    }),
  );

  it.scoped("leads a host's new address to it and its old one nowhere", () =>
    Effect.gen(function* () {
      const { hostId, hostSlug } = yield* createHost();
      const actors = yield* freshPool;
      expect(yield* actors.hostIdOfSlug(hostSlug)).toBe(hostId);
      yield* actors.snapshot(hostId);
      const moved = `${hostSlug}-moved`;
      yield* actors.ask(hostId, new SaveProfile({ name: "Moved", slug: moved, timeZone: "Europe/Vienna", bio: "", locale: "en" }));
      expect(actors.peekSlug(moved)).toBe(hostId);
      expect(actors.peekSlug(hostSlug)).toBeUndefined();
      expect((yield* Effect.flip(actors.hostIdOfSlug(hostSlug)))._tag).toBe("NotFound");
    }),
  );

  it.scoped("finds a host by address or event type before its actor starts, and not what the database does not know", () =>
    Effect.gen(function* () {
      const { hostId, eventTypeId, hostSlug } = yield* createHost();
      const actors = yield* freshPool;
      expect(actors.peekEventTypeHost(eventTypeId)).toBeUndefined();
      expect(yield* actors.hostIdOfEventType(eventTypeId)).toBe(hostId);
      expect(actors.peekEventTypeHost(eventTypeId)).toBe(hostId);
      expect(yield* actors.hostIdOfSlug(hostSlug)).toBe(hostId);
      expect(actors.peek(hostId), "finding it started nothing").toBeUndefined();

      expect(yield* Effect.flip(actors.hostIdOfEventType(randomUUID() as EventTypeId))).toMatchObject({ _tag: "NotFound", what: "event type" });
      expect(yield* Effect.flip(actors.hostIdOfSlug("nobody-here"))).toMatchObject({ _tag: "NotFound", what: "host" });
      expect(actors.peekSlug("nobody-here")).toBeUndefined();
    }),
  );

  it.scoped("does not keep a host as missing: one created after a request for it is found", () =>
    Effect.gen(function* () {
      const actors = yield* freshPool;
      const hostId = randomUUID() as HostId;
      expect((yield* Effect.flip(actors.snapshot(hostId)))._tag).toBe("NotFound");
      const sql = yield* SqlClient;
      yield* sql`INSERT INTO hosts (id, slug, name, email, time_zone) VALUES (${hostId}, ${`late-${hostId.slice(0, 8)}`}, 'Late', 'late@example.com', 'UTC')`;
      expect((yield* actors.snapshot(hostId)).host.id).toBe(hostId);
    }),
  );

  it.scoped("tryAsk answers once, from the snapshot or the running actor, and leaves a host whose actor is not running alone", () =>
    Effect.gen(function* () {
      const { hostId, eventTypeId } = yield* createHost();
      const actors = yield* freshPool;
      const cold = replies<Answer<Book>>();
      const runningBefore = actors.gauges().running;
      expect(actors.tryAsk(hostId, book(eventTypeId, Date.now() + 86_400_000, "Ada"), Date.now(), cold.reply)).toBe(false);
      expect(actors.gauges().running, "it started nothing").toBe(runningBefore);
      expect(actors.peek(hostId)).toBeUndefined();

      const [a, b] = yield* slotsIn(actors, hostId, eventTypeId);
      const first = replies<Answer<Book>>();
      const told = yield* Effect.async<boolean>((resume) => {
        const sent = actors.tryAsk(hostId, book(eventTypeId, a!, "Ada"), Date.now(), (exit) => {
          first.reply(exit);
          resume(Effect.succeed(sent));
        });
      });
      expect(told).toBe(true);
      expect(first.got.map(Exit.isSuccess)).toEqual([true]);

      // Refused from the snapshot, at once; the ask after it passes through the mailbox, so a
      // second answer from the actor would have come by the time it returns.
      const again = replies<Answer<Book>>();
      expect(actors.tryAsk(hostId, book(eventTypeId, a!, "Bob"), Date.now(), again.reply)).toBe(true);
      expect(again.got).toHaveLength(1);
      yield* actors.ask(hostId, hold(eventTypeId, b!, "v1"));
      expect(again.got).toHaveLength(1);
      expect(cold.got, "the message it did not take was never answered").toEqual([]);
      expect(Exit.isFailure(again.got[0]!) && again.got[0].cause).toMatchObject({ error: { _tag: "SlotTaken" } });
    }),
  );

  it.scoped("answers a command in flight when its actor is killed as unavailable, on the running and on the starting path", () =>
    Effect.gen(function* () {
      const { hostId, eventTypeId } = yield* createHost();
      const actors = yield* freshPool;
      const [a, b] = yield* slotsIn(actors, hostId, eventTypeId);

      const running = yield* lockBookings;
      const told = yield* Deferred.make<Answer<Book>>();
      expect(actors.tryAsk(hostId, book(eventTypeId, a!, "Ada"), Date.now(), (exit) => Deferred.unsafeDone(told, Exit.succeed(exit)))).toBe(true);
      yield* running.waiting;
      const killed = yield* killWhileWaiting(actors.kill(hostId));
      // The interrupted transaction ends once its statement does: after the lock.
      yield* running.release;
      yield* Fiber.join(killed);
      expect(yield* Deferred.await(told)).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "StorageUnavailable" } } });

      // Cold in another pool: the command goes to the actor as it starts, then waits for the lock.
      const pool = yield* freshPool;
      const starting = yield* lockBookings;
      const asked = yield* Effect.fork(Effect.flip(pool.ask(hostId, book(eventTypeId, b!, "Bob"))));
      yield* starting.waiting;
      const stopped = yield* killWhileWaiting(pool.kill(hostId));
      yield* starting.release;
      yield* Fiber.join(stopped);
      expect((yield* Fiber.join(asked))._tag).toBe("StorageUnavailable");
    }),
  );

  it.scoped("numbers a host's states on from where its last actor stopped, so one version never names two states", () =>
    Effect.gen(function* () {
      const { hostId, eventTypeId } = yield* createHost();
      const pool = yield* makeHostActorPool();
      const [a] = yield* slotsIn(pool, hostId, eventTypeId);
      expect(pool.peek(hostId)!.version).toBe(1);
      yield* pool.ask(hostId, hold(eventTypeId, a!, "v1"));
      const last = pool.peek(hostId)!.version;
      expect(last).toBe(2);
      yield* pool.stop(hostId);
      expect(pool.peek(hostId)).toBeUndefined();
      yield* slotsIn(pool, hostId, eventTypeId);
      expect(pool.peek(hostId)!.version, "the next actor's first state").toBe(last + 1);
    }),
  );

  it.scoped("renews a hold for the configured lease (HOLD_LEASE_SECONDS)", () =>
    Effect.gen(function* () {
      const { hostId, eventTypeId } = yield* createHost();
      const pool = yield* freshPool;
      const [a] = yield* slotsIn(pool, hostId, eventTypeId);
      const grant = yield* pool.ask(hostId, hold(eventTypeId, a!, "v1"));
      const before = Date.now();
      expect(yield* pool.ask(hostId, new Renew({ token: grant.token }))).toBe(true);
      const expiresAt = pool.peek(hostId)!.holds.get(grant.token)!.expiresAt;
      // testCore: a 60 s lease, a 5 minute hold.
      expect(expiresAt).toBeGreaterThanOrEqual(before + 60_000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
    }),
  );

  it.scoped("kill leaves a host whose actor is not running alone", () =>
    Effect.gen(function* () {
      const { hostId } = yield* createHost();
      const pool = yield* freshPool;
      yield* pool.kill(hostId);
      expect(pool.gauges().running).toBe(0);
      expect(pool.peek(hostId)).toBeUndefined();
    }),
  );

  it.scoped("answers unavailable while the database refuses connections, and starts the actor once it is back", () =>
    Effect.gen(function* () {
      const { hostId } = yield* createHost();
      const sql = yield* SqlClient;
      const [{ name }] = (yield* sql<{ name: string }>`SELECT current_database() AS name`) as [{ name: string }];
      const pool = yield* freshPool;
      const closed = (allow: boolean) =>
        onAdmin(
          Effect.gen(function* () {
            const admin = yield* SqlClient;
            yield* admin.unsafe(`ALTER DATABASE ${name} ALLOW_CONNECTIONS ${allow}`);
            if (!allow) yield* admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${name}`;
          }),
        );
      yield* Effect.acquireRelease(closed(false), () => closed(true));
      expect((yield* Effect.flip(pool.snapshot(hostId)))._tag).toBe("StorageUnavailable");
      expect((yield* Effect.flip(pool.hostIdOfSlug("anyone")))._tag).toBe("StorageUnavailable");
      expect((yield* Effect.flip(pool.hostIdOfEventType(randomUUID() as EventTypeId)))._tag).toBe("StorageUnavailable");
      yield* closed(true);
      expect((yield* pool.snapshot(hostId)).host.id).toBe(hostId);
    }),
  );

  it.scoped("in a cluster, starts an actor only when told, names versions as told, tells of each change, and stops at once", () =>
    Effect.gen(function* () {
      const { hostId, eventTypeId, hostSlug } = yield* createHost();
      const told: [HostChanged, HostSnapshot][] = [];
      const pool = yield* makeHostActorPool({
        startsOnAsk: false,
        firstVersion: (lastSeen) => lastSeen + 1_000,
        published: (event, snapshot) => Effect.sync(() => void told.push([event, snapshot])),
      });
      const start = Date.now() + 2 * 86_400_000;
      expect((yield* Effect.flip(pool.ask(hostId, hold(eventTypeId, start, "v1"))))._tag, "not started by an ask").toBe("StorageUnavailable");
      expect(pool.isRunning(hostId)).toBe(false);

      yield* pool.start(hostId);
      expect(pool.isRunning(hostId)).toBe(true);
      expect(pool.peek(hostId)!.version).toBe(1_000);
      const [a] = yield* slotsIn(pool, hostId, eventTypeId);
      const grant = yield* pool.ask(hostId, hold(eventTypeId, a!, "v1"));
      expect(told.map(([event]) => event)).toMatchObject([{ hostId, version: 1_001, changes: [{ eventTypeId }] }]);
      expect(told[0]![1].holds.get(grant.token)).toMatchObject({ start: a });

      yield* pool.stop(hostId);
      expect(pool.isRunning(hostId)).toBe(false);
      expect(pool.peek(hostId)).toBeUndefined();
      expect((yield* Effect.flip(pool.ask(hostId, hold(eventTypeId, a!, "v2"))))._tag).toBe("StorageUnavailable");
      yield* pool.start(hostId);
      expect(pool.peek(hostId)!.version, "above every version the host had").toBe(2_001);
      expect(pool.peek(hostId)!.holds.size, "a stopped actor's holds went with it").toBe(0);

      // Told that the host may have moved elsewhere: what it knew of its address is asked again.
      expect(pool.peekSlug(hostSlug)).toBe(hostId);
      pool.forgetAddresses(hostId);
      expect(pool.peekSlug(hostSlug)).toBeUndefined();
      expect(yield* pool.hostIdOfSlug(hostSlug)).toBe(hostId);
    }),
  );
});

// The test clock: an idle actor passivates after the idle time, each message pushes that back.
// An idle time shorter than a hold: the pool keeps an actor a minute longer than any hold.
layer(testCore({ actorIdleMinutes: 1, holdMinutes: 5 }), { excludeTestServices: false })("an idle host actor", (it) => {
  it.scoped("stays while messages come, through ask and tryAsk, and passivates once they stop", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.now());
      const { hostId, eventTypeId } = yield* createHost();
      const pool = yield* freshPool;
      const idle = 6 * MINUTE_MS; // a minute longer than the hold
      const [a] = yield* slotsIn(pool, hostId, eventTypeId);
      yield* pool.snapshot(hostId);
      const gone = Effect.sync(() => pool.peek(hostId) === undefined && pool.gauges().running === 0);
      /** The pool's idle timer runs on a fiber of its own: until it has done what the clock woke it for. */
      const eventually = (check: Effect.Effect<boolean>) =>
        Effect.zipRight(Effect.yieldNow(), check).pipe(Effect.repeat({ until: (ok) => ok, times: 1_000 }));
      /** Until the idle timer sleeps until `at`: it woke, found the actor used since, and waits again. */
      const idleUntil = (at: number) => eventually(Effect.map(TestClock.sleeps(), Chunk.contains(at)));
      const t0 = yield* TestClock.currentTimeMillis;

      yield* TestClock.adjust(idle - MINUTE_MS);
      const held = yield* pool.ask(hostId, hold(eventTypeId, a!, "v1"));
      expect(held.expiresAt, "a hold lasts HOLD_MINUTES").toBe((yield* TestClock.currentTimeMillis) + 5 * MINUTE_MS);
      yield* TestClock.adjust(idle - MINUTE_MS);
      expect(yield* idleUntil(t0 + 2 * idle - MINUTE_MS), "an ask pushed the idle time back").toBe(true);
      expect(yield* gone).toBe(false);

      const told = yield* Deferred.make<Answer<Hold>>();
      expect(pool.tryAsk(hostId, hold(eventTypeId, a!, "v2"), yield* TestClock.currentTimeMillis, (exit) => Deferred.unsafeDone(told, Exit.succeed(exit)))).toBe(true);
      yield* Deferred.await(told);
      yield* TestClock.adjust(idle - MINUTE_MS);
      expect(yield* idleUntil(t0 + 3 * idle - 2 * MINUTE_MS), "a tryAsk pushed the idle time back").toBe(true);
      expect(yield* gone).toBe(false);

      yield* TestClock.adjust(2 * MINUTE_MS);
      expect(yield* eventually(gone), "nothing came for the idle time").toBe(true);
    }),
  );
});
