import { layer } from "@effect/vitest";
import { SqlClient } from "@effect/sql/SqlClient";
import { Effect, Either, TestClock } from "effect";
import { expect } from "vitest";
import { HostActors } from "../../src/actors/HostActors.ts";
import { Book, Cancel, Hold, Release, Renew } from "../../src/actors/protocol.ts";
import { DAY_MS, formatInstant } from "../../src/domain/time.ts";
import { testCore } from "../support/core.ts";
import { createHost } from "../support/fixtures.ts";

const invitee = (name: string) => ({ name, email: `${name.toLowerCase()}@example.com`, timeZone: "Europe/Berlin" });

const book = (eventTypeId: Book["eventTypeId"], start: number, name: string, idempotencyKey: string | null = null) =>
  new Book({ eventTypeId, start, invitee: invitee(name), answers: {}, idempotencyKey, holdToken: null, visitor: null });

/** The first offered slot from tomorrow on. */
const firstSlot = (hostId: Parameters<HostActors["Type"]["snapshot"]>[0], eventTypeId: Book["eventTypeId"]) =>
  Effect.gen(function* () {
    const snapshot = yield* (yield* HostActors).snapshot(hostId);
    const now = Date.now();
    return snapshot.slots(snapshot.eventTypes.get(eventTypeId)!, now + DAY_MS, now + 8 * DAY_MS, now)[0]!;
  });

layer(testCore())("a host actor", (it) => {
  it.effect("books a slot exactly once when two invitees ask for it at the same moment", () =>
    Effect.gen(function* () {
      const { hostId, eventTypeId } = yield* createHost();
      const actors = yield* HostActors;
      const start = yield* firstSlot(hostId, eventTypeId);
      const [a, b] = yield* Effect.all(
        [actors.ask(hostId, book(eventTypeId, start, "Ada")), actors.ask(hostId, book(eventTypeId, start, "Bob"))].map(Effect.either),
        { concurrency: "unbounded" },
      );
      const outcomes = [a!, b!];
      expect(outcomes.filter(Either.isRight)).toHaveLength(1);
      const refused = outcomes.filter(Either.isLeft).map((e) => e.left);
      expect(refused.map((e) => e._tag)).toEqual(["SlotTaken"]);
      const sql = yield* SqlClient;
      const rows = yield* sql<{ start: string }>`
        SELECT start_at AS start FROM bookings WHERE host_id = ${hostId} AND status = 'confirmed'`;
      expect(rows).toHaveLength(1);
      const [events, outbox] = yield* Effect.all([
        sql`SELECT 1 FROM booking_events WHERE host_id = ${hostId} AND type = 'created'`,
        sql<{ kind: string; recipient: string }>`
          SELECT kind, recipient FROM notification_outbox o JOIN bookings b ON b.id = o.booking_id
          WHERE b.host_id = ${hostId} AND kind = 'booking_confirmed' ORDER BY recipient`,
      ]);
      expect(events).toHaveLength(1);
      expect(outbox.map((o) => o.recipient)).toEqual(["host", "invitee"]);
    }),
  );

  it.effect("answers SlotTaken with alternatives when the database already holds an overlapping booking", () =>
    Effect.gen(function* () {
      const { hostId, eventTypeId } = yield* createHost();
      const actors = yield* HostActors;
      const start = yield* firstSlot(hostId, eventTypeId);
      // Another writer (not this actor) takes the slot behind its back: memory has drifted.
      const sql = yield* SqlClient;
      yield* sql`
        INSERT INTO bookings (id, host_id, event_type_id, invitee_name, invitee_email, invitee_time_zone, start_at, end_at, manage_token)
        VALUES (gen_random_uuid(), ${hostId}, ${eventTypeId}, 'Eve', 'eve@example.com', 'UTC',
                ${formatInstant(start as never)}::timestamptz, ${formatInstant((start + 30 * 60_000) as never)}::timestamptz,
                'drifted-token-000000000000')`;
      const refused = yield* Effect.flip(actors.ask(hostId, book(eventTypeId, start, "Ada")));
      expect(refused._tag).toBe("SlotTaken");
      expect(refused._tag === "SlotTaken" && refused.alternatives.length).toBeGreaterThan(0);
      // The actor reloaded: the slot is no longer listed, and memory holds what the database holds.
      const snapshot = yield* actors.snapshot(hostId);
      const now = Date.now();
      expect(snapshot.slots(snapshot.eventTypes.get(eventTypeId)!, start, start + 1, now)).toEqual([]);
      const confirmed = yield* sql<{ id: string }>`SELECT id FROM bookings WHERE host_id = ${hostId} AND status = 'confirmed' ORDER BY start_at`;
      expect(snapshot.bookings.map((b) => b.id)).toEqual(confirmed.map((r) => r.id));
    }),
  );

  it.effect("returns the same booking for a replayed idempotency key, and refuses the key for other details", () =>
    Effect.gen(function* () {
      const { hostId, eventTypeId } = yield* createHost();
      const actors = yield* HostActors;
      const start = yield* firstSlot(hostId, eventTypeId);
      const first = yield* actors.ask(hostId, book(eventTypeId, start, "Ada", "key-123456"));
      const again = yield* actors.ask(hostId, book(eventTypeId, start, "Ada", "key-123456"));
      expect(again.id).toBe(first.id);
      const other = yield* Effect.flip(actors.ask(hostId, book(eventTypeId, start, "Bob", "key-123456")));
      expect(other._tag).toBe("IdempotencyKeyReused");
      const sql = yield* SqlClient;
      expect(yield* sql`SELECT 1 FROM bookings WHERE idempotency_key = 'key-123456'`).toHaveLength(1);
    }),
  );

  it.effect("keeps each host's idempotency keys apart: the same key books with both, and never answers with the other's booking", () =>
    Effect.gen(function* () {
      const one = yield* createHost();
      const two = yield* createHost();
      const actors = yield* HostActors;
      const first = yield* actors.ask(one.hostId, book(one.eventTypeId, yield* firstSlot(one.hostId, one.eventTypeId), "Ada", "shared-key-1"));
      const second = yield* actors.ask(two.hostId, book(two.eventTypeId, yield* firstSlot(two.hostId, two.eventTypeId), "Ada", "shared-key-1"));
      expect(second.id).not.toBe(first.id);
      expect(second.hostId).toBe(two.hostId);
      const sql = yield* SqlClient;
      const rows = yield* sql<{ hostId: string }>`SELECT host_id FROM bookings WHERE idempotency_key = 'shared-key-1' ORDER BY host_id`;
      expect(rows.map((r) => r.hostId).sort()).toEqual([one.hostId, two.hostId].sort());
    }),
  );

  it.effect("lets a cancelled booking's time be booked again: the database keeps the cancelled row beside the new one", () =>
    Effect.gen(function* () {
      const { hostId, eventTypeId } = yield* createHost();
      const actors = yield* HostActors;
      const start = yield* firstSlot(hostId, eventTypeId);
      const first = yield* actors.ask(hostId, book(eventTypeId, start, "Ada"));
      yield* actors.ask(hostId, new Cancel({ bookingId: first.id, by: "invitee", reason: null }));
      const second = yield* actors.ask(hostId, book(eventTypeId, start, "Bob"));
      expect(second.start).toBe(start);
      const sql = yield* SqlClient;
      const rows = yield* sql<{ status: string }>`SELECT status FROM bookings WHERE host_id = ${hostId} ORDER BY created_at`;
      expect(rows.map((r) => r.status)).toEqual(["cancelled", "confirmed"]);
    }),
  );

  it.effect("lets a hold run out: its slot is free for everyone again, and its token books the time if it is still free", () =>
    Effect.gen(function* () {
      const { hostId, eventTypeId } = yield* createHost();
      const actors = yield* HostActors;
      const start = yield* firstSlot(hostId, eventTypeId);
      const grant = yield* actors.ask(hostId, new Hold({ eventTypeId, start, visitor: "v1", address: null }));
      const held = yield* Effect.flip(actors.ask(hostId, new Hold({ eventTypeId, start, visitor: "v2", address: null })));
      expect(held._tag).toBe("SlotTaken");

      // The hold's time (5 minutes here) passes: its expiry is a message to the mailbox.
      yield* TestClock.adjust("6 minutes");
      for (let turn = 0; turn < 100 && actors.peek(hostId)!.holds.size > 0; turn++) yield* Effect.yieldNow();
      expect(actors.peek(hostId)!.holds.has(grant.token)).toBe(false);

      const booked = yield* actors.ask(hostId, new Book({ eventTypeId, start, invitee: invitee("Ada"), answers: {}, idempotencyKey: null, holdToken: grant.token, visitor: "v1" }));
      expect(booked.start).toBe(start);
    }),
  );

  it.effect("a renewed hold lasts a lease (60 s here) past each renewal, never past its deadline; a released one is gone", () =>
    Effect.gen(function* () {
      const { hostId, eventTypeId } = yield* createHost();
      const actors = yield* HostActors;
      const start = yield* firstSlot(hostId, eventTypeId);
      const settle = (done: () => boolean) =>
        Effect.gen(function* () {
          for (let turn = 0; turn < 100 && !done(); turn++) yield* Effect.yieldNow();
        });
      const grant = yield* actors.ask(hostId, new Hold({ eventTypeId, start, visitor: "v1", address: null }));
      // Renewed every 30 s, it outlives a lease many times over…
      for (let i = 0; i < 6; i++) {
        yield* TestClock.adjust("30 seconds");
        expect(yield* actors.ask(hostId, new Renew({ token: grant.token }))).toBe(true);
      }
      yield* settle(() => false);
      // At 3 minutes, renewed: held until 4 of its 5 minutes.
      expect(actors.peek(hostId)!.holds.get(grant.token)?.expiresAt).toBe(grant.expiresAt - 60_000);
      // …but not past its five minutes: renewed at 4.5 minutes, it lasts 30 s, not 60.
      yield* TestClock.adjust("45 seconds");
      expect(yield* actors.ask(hostId, new Renew({ token: grant.token }))).toBe(true);
      yield* TestClock.adjust("45 seconds");
      expect(yield* actors.ask(hostId, new Renew({ token: grant.token }))).toBe(true);
      expect(actors.peek(hostId)!.holds.get(grant.token)?.expiresAt).toBe(grant.expiresAt);
      yield* TestClock.adjust("31 seconds");
      yield* settle(() => !actors.peek(hostId)!.holds.has(grant.token));
      expect(actors.peek(hostId)!.holds.has(grant.token)).toBe(false);
      expect(yield* actors.ask(hostId, new Renew({ token: grant.token }))).toBe(false);

      // Not renewed since: gone one lease after the last renewal.
      const second = yield* actors.ask(hostId, new Hold({ eventTypeId, start, visitor: "v2", address: null }));
      yield* TestClock.adjust("10 seconds");
      expect(yield* actors.ask(hostId, new Renew({ token: second.token }))).toBe(true);
      yield* TestClock.adjust("59 seconds");
      yield* settle(() => false);
      expect(actors.peek(hostId)!.holds.has(second.token)).toBe(true);
      yield* TestClock.adjust("2 seconds");
      yield* settle(() => !actors.peek(hostId)!.holds.has(second.token));
      expect(actors.peek(hostId)!.holds.has(second.token)).toBe(false);

      const third = yield* actors.ask(hostId, new Hold({ eventTypeId, start, visitor: "v3", address: null }));
      yield* actors.ask(hostId, new Release({ token: third.token }));
      expect(actors.peek(hostId)!.holds.has(third.token)).toBe(false);
      const booked = yield* actors.ask(hostId, book(eventTypeId, start, "Ada"));
      expect(booked.start).toBe(start);
    }),
  );

  it.effect("keeps counting versions when a passivated host's actor starts again, so a version names one state", () =>
    Effect.gen(function* () {
      const { hostId, eventTypeId } = yield* createHost();
      const actors = yield* HostActors;
      const start = yield* firstSlot(hostId, eventTypeId);
      yield* actors.ask(hostId, book(eventTypeId, start, "Ada"));
      const before = actors.peek(hostId)!.version;

      // Idle past the time to live (10 minutes here): the actor is passivated.
      yield* TestClock.adjust("11 minutes");
      // The actor stops on its own fibers: let them run.
      for (let turn = 0; turn < 100 && actors.peek(hostId) !== undefined; turn++) yield* Effect.yieldNow();
      expect(actors.peek(hostId)).toBeUndefined();

      const after = yield* actors.snapshot(hostId);
      expect(after.version).toBeGreaterThan(before);
      expect(after.bookings.map((b) => b.start)).toEqual([start]);
    }),
  );
});
