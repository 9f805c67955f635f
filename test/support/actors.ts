import { SqlClient } from "@effect/sql/SqlClient";
import { Deferred, Effect, Fiber, Schedule } from "effect";
import { HostActors } from "../../src/actors/HostActors.ts";
import { Book } from "../../src/actors/protocol.ts";
import type { EventTypeId, HostId } from "../../src/domain/model.ts";
import { DAY_MS } from "../../src/domain/time.ts";

/** The starts a host's event type offers from tomorrow on, for a week, as its actor's snapshot lists them. */
export const slotsFromTomorrow = (hostId: HostId, eventTypeId: EventTypeId) =>
  Effect.gen(function* () {
    const snapshot = yield* (yield* HostActors).snapshot(hostId);
    const now = Date.now();
    return snapshot.slots(snapshot.eventTypes.get(eventTypeId)!, now + DAY_MS, now + 8 * DAY_MS, now);
  });

/** A booking of `start` by an invitee named `name` (in UTC, no key, no hold). */
export const bookingOfName = (eventTypeId: EventTypeId, start: number, name: string) =>
  new Book({ eventTypeId, start, invitee: { name, email: `${name.toLowerCase()}@example.com`, timeZone: "UTC" }, answers: {}, idempotencyKey: null, holdToken: null, visitor: null });

/** Polls a condition on the real clock (the database works in real time), for at most ten seconds. */
export const until = <E, R>(check: Effect.Effect<boolean, E, R>) =>
  check.pipe(Effect.repeat({ until: (done) => done, schedule: Schedule.spaced("10 millis") }), Effect.timeout("10 seconds"));

/**
 * Holds `LOCK TABLE bookings` until `release`, so a booking's commit waits; `waiting` returns
 * once a statement waits for the lock.
 */
export const lockBookings = Effect.gen(function* () {
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
