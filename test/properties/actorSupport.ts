import { SqlClient } from "@effect/sql/SqlClient";
import { Effect, FastCheck as fc } from "effect";
import { expect } from "vitest";
import { HostActors } from "../../src/actors/HostActors.ts";
import { Book } from "../../src/actors/protocol.ts";
import type { EventTypeId, HostId } from "../../src/domain/model.ts";
import { DAY_MS } from "../../src/domain/time.ts";
import { createHost, weekdays } from "../support/fixtures.ts";

/** Where the simulated clock starts: a Monday in 2030, so every slot is in the future. */
export const T0 = Date.UTC(2030, 0, 7, 6);

export const actorPropertyOptions = (numRuns: number) => ({
  fastCheck: { numRuns: Math.max(numRuns, Number(process.env["FC_ACTOR_RUNS"] ?? 0)), seed: Number(process.env["FC_SEED"] ?? 20_261_122) },
});

export const hostArb = fc.record({
  timeZone: fc.constantFrom("Europe/Vienna", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"),
  duration: fc.constantFrom(15, 30, 45, 60),
  interval: fc.option(fc.constantFrom(15, 30), { nil: null }),
  bufferBefore: fc.constantFrom(0, 0, 5, 15),
  bufferAfter: fc.constantFrom(0, 0, 10),
  notice: fc.constantFrom(0, 60, 240),
  maxPerDay: fc.option(fc.integer({ min: 3, max: 8 }), { nil: null }),
});

export type HostShape = typeof hostArb extends fc.Arbitrary<infer T> ? T : never;

export const createTestHost = (shape: HostShape) =>
  createHost({
    timeZone: shape.timeZone,
    rules: [...weekdays("08:00", "12:00", [0, 1, 2, 3, 4, 5, 6]), ...weekdays("13:00", "18:00", [1, 2, 3, 4, 5])],
    eventType: {
      durationMinutes: shape.duration,
      slotIntervalMinutes: shape.interval,
      bufferBeforeMinutes: shape.bufferBefore,
      bufferAfterMinutes: shape.bufferAfter,
      minimumNoticeMinutes: shape.notice,
      maxPerDay: shape.maxPerDay,
      maxPerWeek: null,
      maxDaysAhead: 30,
    },
  });

/** The offered starts of the next week, as the read path sees them. */
export const listed = (hostId: HostId, eventTypeId: EventTypeId, now: number) =>
  Effect.map(Effect.flatMap(HostActors, (a) => a.snapshot(hostId)), (s) =>
    s.slots(s.eventTypes.get(eventTypeId)!, now, now + 7 * DAY_MS, now),
  );

export const bookMessage = (eventTypeId: EventTypeId, start: number, name: string, key: string | null, holdToken: string | null = null) =>
  new Book({
    eventTypeId,
    start,
    invitee: { name, email: `${name.toLowerCase()}@example.com`, timeZone: "UTC" },
    answers: {},
    idempotencyKey: key,
    holdToken,
    visitor: null,
  });

/** The database's confirmed bookings of a host, and whether any two overlap. */
export const databaseState = (hostId: HostId) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient;
    const confirmed = yield* sql<{ id: string; start: Date; end: Date }>`
      SELECT id, start_at AS start, end_at AS end FROM bookings WHERE host_id = ${hostId} AND status = 'confirmed' ORDER BY start_at`;
    const overlaps = yield* sql<{ a: string }>`
      SELECT a.id AS a FROM bookings a JOIN bookings b
        ON a.host_id = b.host_id AND a.id < b.id
       AND tstzrange(a.start_at, a.end_at, '[)') && tstzrange(b.start_at, b.end_at, '[)')
      WHERE a.host_id = ${hostId} AND a.status = 'confirmed' AND b.status = 'confirmed'`;
    return {
      confirmed: new Map(confirmed.map((r) => [r.id, r.start.getTime()])),
      overlapping: overlaps.length,
    };
  });

/** Whatever the interleaving: no overlaps, and what the actor holds in memory is what Postgres holds. */
export const expectConsistent = (hostId: HostId) =>
  Effect.gen(function* () {
    const db = yield* databaseState(hostId);
    expect(db.overlapping).toBe(0);
    const snapshot = yield* Effect.flatMap(HostActors, (a) => a.snapshot(hostId));
    const memory = new Map(snapshot.bookings.map((b) => [b.id as string, b.start as number]));
    expect(memory).toEqual(db.confirmed);
    return db;
  });
