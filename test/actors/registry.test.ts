import { layer } from "@effect/vitest";
import { SqlClient } from "@effect/sql/SqlClient";
import { Deferred, Effect, Fiber, Schedule } from "effect";
import { expect } from "vitest";
import { HostActors } from "../../src/actors/HostActors.ts";
import { Book, Hold } from "../../src/actors/protocol.ts";
import type { EventTypeId } from "../../src/domain/model.ts";
import { slotsFromTomorrow } from "../support/actors.ts";
import { testCore } from "../support/core.ts";
import { createHost } from "../support/fixtures.ts";

const book = (eventTypeId: EventTypeId, start: number, name: string) =>
  new Book({ eventTypeId, start, invitee: { name, email: `${name.toLowerCase()}@example.com`, timeZone: "UTC" }, answers: {}, idempotencyKey: null, holdToken: null, visitor: null });

/** Polls a condition on the real clock (the database works in real time), for at most ten seconds. */
const until = <E, R>(check: Effect.Effect<boolean, E, R>) =>
  check.pipe(Effect.repeat({ until: (done) => done, schedule: Schedule.spaced("10 millis") }), Effect.timeout("10 seconds"));

// The real clock: the database works in real time, and these tests wait on it.
layer(testCore(), { excludeTestServices: true })("the host actors of a process", (it) => {
  it.effect("report how many run, the commands waiting in their mailboxes and the holds they keep", () =>
    Effect.gen(function* () {
      const { hostId, eventTypeId } = yield* createHost();
      const actors = yield* HostActors;
      const [a, b, c, d] = yield* slotsFromTomorrow(hostId, eventTypeId);
      yield* actors.ask(hostId, new Hold({ eventTypeId, start: d!, visitor: "v1", address: null }));
      expect(actors.gauges()).toEqual({ running: 1, mailboxDepth: 0, holdsLive: 1 });

      // Another transaction keeps bookings from being written: the first booking's commit waits,
      // and the two after it wait in the mailbox.
      const sql = yield* SqlClient;
      const locked = yield* Deferred.make<void>();
      const release = yield* Deferred.make<void>();
      const lock = yield* Effect.fork(
        sql.withTransaction(sql`LOCK TABLE bookings IN EXCLUSIVE MODE`.pipe(Effect.zipRight(Deferred.succeed(locked, undefined)), Effect.zipRight(Deferred.await(release)))),
      );
      yield* Deferred.await(locked);
      const first = yield* Effect.fork(actors.ask(hostId, book(eventTypeId, a!, "Ada")));
      yield* until(Effect.map(sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'bookings'::regclass AND NOT granted`, ([r]) => r!.n > 0));
      const rest = yield* Effect.fork(Effect.all([actors.ask(hostId, book(eventTypeId, b!, "Bob")), actors.ask(hostId, book(eventTypeId, c!, "Cy"))], { concurrency: "unbounded" }));
      yield* until(Effect.sync(() => actors.gauges().mailboxDepth === 2));
      expect(actors.gauges()).toEqual({ running: 1, mailboxDepth: 2, holdsLive: 1 });
      yield* Deferred.succeed(release, undefined);
      yield* Fiber.join(lock);
      expect((yield* Fiber.join(first)).start).toBe(a);
      expect((yield* Fiber.join(rest)).map((x) => x.start)).toEqual([b, c]);
      expect(actors.gauges()).toEqual({ running: 1, mailboxDepth: 0, holdsLive: 1 });
    }),
  );

  it.effect("start a killed actor again from the database, keeping its holds and its bookings", () =>
    Effect.gen(function* () {
      const { hostId, eventTypeId } = yield* createHost();
      const actors = yield* HostActors;
      const [a, b] = yield* slotsFromTomorrow(hostId, eventTypeId);
      const booked = yield* actors.ask(hostId, book(eventTypeId, a!, "Ada"));
      const held = yield* actors.ask(hostId, new Hold({ eventTypeId, start: b!, visitor: "v1", address: null }));
      yield* actors.kill(hostId);
      const after = yield* actors.ask(hostId, new Book({ ...book(eventTypeId, b!, "Bob"), holdToken: held.token, visitor: "v1" }));
      expect(after.start).toBe(b);
      const refused = yield* Effect.flip(actors.ask(hostId, book(eventTypeId, a!, "Cy")));
      expect(refused._tag, `${booked.id} is still there`).toBe("SlotTaken");
    }),
  );
});
