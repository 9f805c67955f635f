import { layer } from "@effect/vitest";
import { SqlClient } from "@effect/sql/SqlClient";
import { Clock, Effect, Metric, TestClock } from "effect";
import { randomBytes, randomUUID } from "node:crypto";
import { expect } from "vitest";
import { requestDigest } from "../../src/actors/decisions.ts";
import { HostActors } from "../../src/actors/HostActors.ts";
import { Accept, Book, Cancel, Decline, Reschedule, SaveEventType, SaveProfile } from "../../src/actors/protocol.ts";
import type { BookingId, EventTypeId, HostId } from "../../src/domain/model.ts";
import { DAY_MS, formatInstant, type EpochMs } from "../../src/domain/time.ts";
import { exclusionConflicts } from "../../src/ops/metrics.ts";
import { slotsFromTomorrow } from "../support/actors.ts";
import { testCore } from "../support/core.ts";
import { createHost } from "../support/fixtures.ts";

/**
 * What a host actor does when the database disagrees with its memory: another writer (an
 * operator, another process) changed rows behind its back. It must answer truthfully, never
 * acknowledge what was not written, and leave memory equal to the database.
 */

const invitee = (name: string) => ({ name, email: `${name.toLowerCase()}@example.com`, timeZone: "Europe/Berlin" });
const book = (eventTypeId: EventTypeId, start: number, name: string, idempotencyKey: string | null = null) =>
  new Book({ eventTypeId, start, invitee: invitee(name), answers: {}, idempotencyKey, holdToken: null, visitor: null });

/** A booking written straight to the table, as another writer would. */
const behindItsBack = (
  hostId: HostId,
  eventTypeId: EventTypeId,
  start: number,
  end: number,
  changes: { status?: string; idempotencyKey?: string; requestDigest?: string } = {},
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient;
    const id = randomUUID() as BookingId;
    yield* sql`
      INSERT INTO bookings (id, host_id, event_type_id, invitee_name, invitee_email, invitee_time_zone, start_at, end_at, manage_token, status, idempotency_key, request_digest, cancelled_by)
      VALUES (${id}, ${hostId}, ${eventTypeId}, 'Eve', 'eve@example.com', 'UTC',
              ${formatInstant(start as EpochMs)}::timestamptz, ${formatInstant(end as EpochMs)}::timestamptz,
              ${randomBytes(24).toString("base64url")}, ${changes.status ?? "confirmed"}, ${changes.idempotencyKey ?? null}, ${changes.requestDigest ?? null},
              ${changes.status === "cancelled" ? "host" : null})`;
    return id;
  });

/** Memory holds exactly the host's confirmed and pending bookings that the database holds (those that matter still). */
const memoryMatchesDatabase = (hostId: HostId) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient;
    // Memory keeps two days of the past (by the actor's clock).
    const since = new Date((yield* Clock.currentTimeMillis) - 2 * DAY_MS);
    const rows = yield* sql<{ id: string }>`
      SELECT id FROM bookings WHERE host_id = ${hostId} AND status IN ('confirmed', 'pending') AND end_at >= ${since} ORDER BY start_at, id`;
    const held = (yield* HostActors).peek(hostId)!.bookings;
    expect([...held].sort((a, b) => a.start - b.start || a.id.localeCompare(b.id)).map((b) => b.id)).toEqual(rows.map((r) => r.id));
  });

const statusOf = (id: string) =>
  Effect.flatMap(SqlClient, (sql) => sql<{ status: string }>`SELECT status FROM bookings WHERE id = ${id}`).pipe(Effect.map(([r]) => r?.status));

layer(testCore())("a host actor whose memory drifted from the database", (it) => {
  it.effect("refuses a booking the exclusion constraint refused, counts it, and holds what the database holds", () =>
    Effect.gen(function* () {
      const { hostId, eventTypeId } = yield* createHost();
      const actors = yield* HostActors;
      const [start] = yield* slotsFromTomorrow(hostId, eventTypeId);
      yield* behindItsBack(hostId, eventTypeId, start!, start! + 30 * 60_000);
      const before = (yield* Metric.value(exclusionConflicts)).count;
      const refused = yield* Effect.flip(actors.ask(hostId, book(eventTypeId, start!, "Ada")));
      expect(refused._tag).toBe("SlotTaken");
      expect((yield* Metric.value(exclusionConflicts)).count - before).toBe(1);
      yield* memoryMatchesDatabase(hostId);
    }),
  );

  it.effect("moves a booking only to a time the database has free, and says the time is taken when it is not", () =>
    Effect.gen(function* () {
      const { hostId, eventTypeId } = yield* createHost();
      const actors = yield* HostActors;
      const [a, , c] = yield* slotsFromTomorrow(hostId, eventTypeId);
      const booked = yield* actors.ask(hostId, book(eventTypeId, a!, "Ada"));
      yield* behindItsBack(hostId, eventTypeId, c!, c! + 30 * 60_000);
      const refused = yield* Effect.flip(actors.ask(hostId, new Reschedule({ bookingId: booked.id, start: c!, by: "invitee" })));
      expect(refused._tag).toBe("SlotTaken");
      expect(yield* statusOf(booked.id)).toBe("confirmed");
      const row = yield* Effect.flatMap(SqlClient, (sql) => sql<{ start: Date }>`SELECT start_at AS start FROM bookings WHERE id = ${booked.id}`);
      expect(row[0]!.start.getTime(), "it stays where it was").toBe(a);
      yield* memoryMatchesDatabase(hostId);
    }),
  );

  it.effect("answers a cancel of a booking cancelled elsewhere with its real status, and forgets it", () =>
    Effect.gen(function* () {
      const { hostId, eventTypeId } = yield* createHost();
      const actors = yield* HostActors;
      const [start] = yield* slotsFromTomorrow(hostId, eventTypeId);
      const booked = yield* actors.ask(hostId, book(eventTypeId, start!, "Ada"));
      const sql = yield* SqlClient;
      yield* sql`UPDATE bookings SET status = 'cancelled', cancelled_by = 'host' WHERE id = ${booked.id}`;
      const refused = yield* Effect.flip(actors.ask(hostId, new Cancel({ bookingId: booked.id, by: "invitee", reason: null })));
      expect(refused).toMatchObject({ _tag: "BookingNotActive", status: "cancelled" });
      yield* memoryMatchesDatabase(hostId);
      // Its time is free again in memory too.
      expect(yield* slotsFromTomorrow(hostId, eventTypeId)).toContain(start);
    }),
  );

  it.effect("answers accept and decline of a request settled elsewhere: declined is not active, accepted is not waiting", () =>
    Effect.gen(function* () {
      const { hostId, eventTypeId } = yield* createHost({ eventType: { requiresConfirmation: true } });
      const actors = yield* HostActors;
      const [a, b] = yield* slotsFromTomorrow(hostId, eventTypeId);
      const first = yield* actors.ask(hostId, book(eventTypeId, a!, "Ada"));
      const second = yield* actors.ask(hostId, book(eventTypeId, b!, "Bob"));
      expect([first.status, second.status]).toEqual(["pending", "pending"]);
      const sql = yield* SqlClient;
      yield* sql`UPDATE bookings SET status = 'declined', cancelled_by = 'host' WHERE id = ${first.id}`;
      yield* sql`UPDATE bookings SET status = 'confirmed' WHERE id = ${second.id}`;
      expect(yield* Effect.flip(actors.ask(hostId, new Accept({ bookingId: first.id })))).toMatchObject({ _tag: "BookingNotActive", status: "declined" });
      expect(yield* Effect.flip(actors.ask(hostId, new Decline({ bookingId: second.id, reason: null })))).toMatchObject({
        _tag: "InvalidInput",
        message: "is not waiting for your confirmation",
      });
      yield* memoryMatchesDatabase(hostId);
    }),
  );

  it.effect("explains a booking memory does not hold from the database: another host's, cancelled, past, or made elsewhere", () =>
    Effect.gen(function* () {
      // The actor's clock is the test's: set it to the real time, so last week is the past.
      yield* TestClock.setTime(Date.now());
      const { hostId, eventTypeId } = yield* createHost();
      const other = yield* createHost();
      const actors = yield* HostActors;
      const [start, later] = yield* slotsFromTomorrow(hostId, eventTypeId);
      const cancel = (id: BookingId) => Effect.flip(actors.ask(hostId, new Cancel({ bookingId: id, by: "host", reason: null })));

      const theirs = yield* behindItsBack(other.hostId, other.eventTypeId, start!, start! + 30 * 60_000);
      expect(yield* cancel(theirs)).toMatchObject({ _tag: "NotFound" });
      expect(yield* statusOf(theirs)).toBe("confirmed");
      expect(yield* cancel(randomUUID() as BookingId)).toMatchObject({ _tag: "NotFound" });

      const cancelled = yield* behindItsBack(hostId, eventTypeId, later!, later! + 30 * 60_000, { status: "cancelled" });
      expect(yield* cancel(cancelled)).toMatchObject({ _tag: "BookingNotActive", status: "cancelled" });
      const lastWeek = Date.now() - 7 * DAY_MS;
      const past = yield* behindItsBack(hostId, eventTypeId, lastWeek, lastWeek + 30 * 60_000);
      expect(yield* cancel(past)).toMatchObject({ _tag: "BookingNotActive", status: "past" });

      // Made elsewhere, still to come: memory catches up and the cancel goes through.
      const elsewhere = yield* behindItsBack(hostId, eventTypeId, start!, start! + 30 * 60_000);
      const done = yield* actors.ask(hostId, new Cancel({ bookingId: elsewhere, by: "host", reason: "Double-booked" }));
      expect(done).toMatchObject({ id: elsewhere, status: "cancelled" });
      expect(yield* statusOf(elsewhere)).toBe("cancelled");
      yield* memoryMatchesDatabase(hostId);
    }),
  );

  it.effect("answers an idempotency key that only the database knows: the same request gets that booking, another is refused", () =>
    Effect.gen(function* () {
      const { hostId, eventTypeId } = yield* createHost();
      const actors = yield* HostActors;
      const [a, b, c] = yield* slotsFromTomorrow(hostId, eventTypeId);
      const replay = book(eventTypeId, b!, "Ada", "made-elsewhere-1");
      const existing = yield* behindItsBack(hostId, eventTypeId, a!, a! + 30 * 60_000, { idempotencyKey: "made-elsewhere-1", requestDigest: requestDigest(replay) });
      const same = yield* actors.ask(hostId, replay);
      expect(same.id).toBe(existing);
      const other = yield* Effect.flip(actors.ask(hostId, book(eventTypeId, c!, "Bob", "made-elsewhere-1")));
      expect(other._tag).toBe("IdempotencyKeyReused");
      const sql = yield* SqlClient;
      expect(yield* sql`SELECT 1 FROM bookings WHERE host_id = ${hostId}`).toHaveLength(1);
    }),
  );

  it.effect("never acknowledges a schedule change the database refused: StorageUnavailable, and memory keeps what it had", () =>
    Effect.gen(function* () {
      const { hostId, eventTypeId } = yield* createHost();
      const taker = yield* createHost();
      const actors = yield* HostActors;
      const sql = yield* SqlClient;
      // Another host took this address after the actor loaded (the actor knows only its own host).
      const [{ slug }] = (yield* sql<{ slug: string }>`SELECT slug FROM hosts WHERE id = ${taker.hostId}`) as [{ slug: string }];
      const profile = new SaveProfile({ name: "Ada", slug, timeZone: "Europe/Vienna", bio: "", locale: "en" });
      expect(yield* Effect.flip(actors.ask(hostId, profile))).toMatchObject({ _tag: "StorageUnavailable" });
      expect(actors.peek(hostId)!.host.slug).not.toBe(slug);

      // An event type made elsewhere with the address this one asks for.
      const current = actors.peek(hostId)!.eventTypes.get(eventTypeId)!;
      yield* sql`INSERT INTO event_types (host_id, slug, title, duration_minutes) VALUES (${hostId}, 'elsewhere', 'Made elsewhere', 30)`;
      const { id: _id, hostId: _host, ...fields } = current;
      const renamed = yield* Effect.flip(actors.ask(hostId, new SaveEventType({ id: eventTypeId, fields: { ...fields, slug: "elsewhere" } })));
      expect(renamed).toMatchObject({ _tag: "StorageUnavailable" });
      expect(actors.peek(hostId)!.eventTypes.get(eventTypeId)!.slug).toBe(current.slug);
      const [row] = yield* sql<{ slug: string }>`SELECT slug FROM event_types WHERE id = ${eventTypeId}`;
      expect(row!.slug).toBe(current.slug);

    }),
  );
});
