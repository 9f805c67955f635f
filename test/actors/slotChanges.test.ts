import { describe, expect, it } from "@effect/vitest";
import { FastCheck as fc } from "effect";
import { slotChanges } from "../../src/actors/HostActor.ts";
import { HostSnapshot, openTimesOf, type Hold } from "../../src/actors/HostSnapshot.ts";
import { offerKeyOf, type Availability, type Booking, type EventType, type EventTypeId, type HostId } from "../../src/domain/model.ts";
import { DAY_MS, epochMs, MINUTE_MS, wallMinutes } from "../../src/domain/time.ts";
import { bookingOf, eventTypeOf } from "../support/fixtures.ts";
import { propertyOptions } from "../properties/reference.ts";

/**
 * The live pages are told only the slots a change took or gave back, computed over a stretch
 * around what it touched. Judged against the unrestricted answer: both listings over the whole
 * bookable range, compared slot by slot.
 */

const HOST = "00000000-0000-4000-8000-000000000001" as HostId;
const ETS = ["00000000-0000-4000-8000-0000000000e1", "00000000-0000-4000-8000-0000000000e2"] as EventTypeId[];
/** Monday 2030-03-25 00:00 UTC: the week Europe's clocks go forward (Sunday 31 March). */
const NOW = Date.UTC(2030, 2, 25);
const RANGE_DAYS = 21;
const GRID = 15 * MINUTE_MS;

const availability: Availability = {
  rules: Array.from({ length: 7 }, (_, weekday) => ({ weekday, start: wallMinutes(weekday === 0 ? 0 : 8 * 60), end: wallMinutes(weekday === 6 ? 24 * 60 : 18 * 60) })),
  overrides: [],
  schedules: [],
};

const rarely = (arb: fc.Arbitrary<number>) => fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: arb, weight: 1 });

const eventTypeArb = (id: EventTypeId) =>
  fc.record({
    durationChoices: fc.subarray([15, 30, 60, 90], { minLength: 1 }),
    bufferBeforeMinutes: fc.constantFrom(0, 15, 30),
    bufferAfterMinutes: fc.constantFrom(0, 15, 45),
    // Mostly without limits: a limit widens the stretch to whole days or weeks, hiding a too-narrow reach.
    maxPerDay: rarely(fc.integer({ min: 1, max: 3 })),
    maxPerWeek: rarely(fc.integer({ min: 1, max: 6 })),
    active: fc.boolean(),
  }).map((f): EventType =>
    eventTypeOf({ id, hostId: HOST, slug: id.slice(-2), ...f, minimumNoticeMinutes: 0, maxDaysAhead: RANGE_DAYS }),
  );

const snapshotOf = (zone: string, eventTypes: ReadonlyArray<EventType>, bookings: ReadonlyArray<Booking>, holds: ReadonlyArray<Hold>) =>
  new HostSnapshot({
    host: { id: HOST, slug: "ada", name: "Ada", email: "ada@example.com", timeZone: zone, locale: "en", bio: "", active: true },
    eventTypes: new Map(eventTypes.map((e) => [e.id, e])),
    availability,
    ...openTimesOf(zone, availability),
    bookings: [...bookings].sort((a, b) => a.start - b.start),
    byIdempotencyKey: new Map(),
    holds: new Map(holds.map((h) => [h.token, h])),
    version: 1,
  });

/** A meeting of an event type at one of its lengths, somewhere in the bookable range (overlaps allowed: memory may hold them, the slot lists must cope). */
const meetingArb = (eventTypes: ReadonlyArray<EventType>) =>
  fc.record({
    et: fc.constantFrom(...eventTypes),
    step: fc.integer({ min: 0, max: (RANGE_DAYS * DAY_MS) / GRID - 1 }),
    pick: fc.nat(),
  }).map(({ et, step, pick }) => {
    const start = NOW + step * GRID;
    return { et, start, end: start + et.durationChoices[pick % et.durationChoices.length]! * MINUTE_MS };
  });

let ids = 0;
const meetingOf = ({ et, start, end }: { et: EventType; start: number; end: number }): Booking =>
  bookingOf({ hostId: HOST, eventTypeId: et.id, start, end, bufferBeforeMinutes: et.bufferBeforeMinutes, bufferAfterMinutes: et.bufferAfterMinutes, createdAt: epochMs(NOW - DAY_MS) });

const holdOf = ({ et, start, end }: { et: EventType; start: number; end: number }): Hold => ({
  token: `hold-${++ids}`,
  eventTypeId: et.id,
  visitor: "v",
  address: null,
  start: epochMs(start),
  end: epochMs(end),
  bufferBeforeMs: et.bufferBeforeMinutes * MINUTE_MS,
  bufferAfterMs: et.bufferAfterMinutes * MINUTE_MS,
  expiresAt: epochMs(NOW + 5 * MINUTE_MS),
  deadline: epochMs(NOW + 5 * MINUTE_MS),
});

const scenarioArb = fc
  .record({
    zone: fc.constantFrom("UTC", "Europe/Vienna", "America/New_York", "Asia/Kolkata"),
    eventTypes: fc.tuple(eventTypeArb(ETS[0]!), eventTypeArb(ETS[1]!)).chain(([a, b]) => fc.constantFrom([a], [a, b])),
  })
  .chain(({ zone, eventTypes }) =>
    fc.record({
      zone: fc.constant(zone),
      eventTypes: fc.constant(eventTypes),
      bookings: fc.array(meetingArb(eventTypes), { maxLength: 12 }),
      holds: fc.array(meetingArb(eventTypes), { maxLength: 3 }),
      change: fc.oneof(
        fc.record({ kind: fc.constant("book" as const), meeting: meetingArb(eventTypes) }),
        fc.record({ kind: fc.constant("hold" as const), meeting: meetingArb(eventTypes) }),
        fc.record({ kind: fc.constant("cancel" as const), index: fc.nat() }),
        fc.record({ kind: fc.constant("release" as const), index: fc.nat() }),
      ),
    }),
  );

/** What the actor passes as touched: a booking's span with its buffers (spanOfWrite), a hold's own times (touchedBy). */
const touchedOf = (m: Booking | Hold) =>
  "bufferBeforeMinutes" in m ? [m.start - m.bufferBeforeMinutes * MINUTE_MS, m.end + m.bufferAfterMinutes * MINUTE_MS] : [m.start, m.end];

/** Every offered slot of every event type and length, over the whole bookable range. */
const everySlot = (s: HostSnapshot, eventTypes: ReadonlyArray<EventType>) => {
  const all = new Map<string, Set<number>>();
  for (const et of eventTypes) {
    for (const minutes of et.durationChoices) {
      const sized = { ...et, durationMinutes: minutes };
      all.set(`${et.id} ${minutes}`, new Set(et.active ? s.slots(sized, NOW - DAY_MS, NOW + (RANGE_DAYS + 2) * DAY_MS, NOW) : []));
    }
  }
  return all;
};

describe("the slot changes a host actor publishes", () => {
  it.prop(
    "are exactly the slots the change took and gave back, over the whole range, for every event type and length",
    [scenarioArb],
    ([s]) => {
      const bookings = s.bookings.map(meetingOf);
      const holds = s.holds.map(holdOf);
      const before = snapshotOf(s.zone, s.eventTypes, bookings, holds);
      let after: HostSnapshot;
      let touched: number[];
      const change = s.change;
      if (change.kind === "book" || change.kind === "hold") {
        const made = change.kind === "book" ? meetingOf(change.meeting) : holdOf(change.meeting);
        after = change.kind === "book" ? snapshotOf(s.zone, s.eventTypes, [...bookings, made as Booking], holds) : snapshotOf(s.zone, s.eventTypes, bookings, [...holds, made as Hold]);
        touched = touchedOf(made);
      } else {
        const list: ReadonlyArray<Booking | Hold> = change.kind === "cancel" ? bookings : holds;
        if (list.length === 0) return;
        const gone = list[change.index % list.length]!;
        after =
          change.kind === "cancel"
            ? snapshotOf(s.zone, s.eventTypes, bookings.filter((b) => b !== gone), holds)
            : snapshotOf(s.zone, s.eventTypes, bookings, holds.filter((h) => h !== gone));
        touched = touchedOf(gone);
      }

      const listedBefore = everySlot(before, s.eventTypes);
      const listedAfter = everySlot(after, s.eventTypes);
      const expected = new Map<string, { taken: number[]; freed: number[] }>();
      for (const [key, was] of listedBefore) {
        const is = listedAfter.get(key)!;
        const taken = [...was].filter((t) => !is.has(t));
        const freed = [...is].filter((t) => !was.has(t));
        if (taken.length > 0 || freed.length > 0) expected.set(key, { taken, freed });
      }

      const published = slotChanges(before, after, touched, NOW);
      const got = new Map(published.map((c) => [`${c.eventTypeId} ${c.durationMinutes}`, { taken: [...c.taken], freed: [...c.freed] }]));
      expect(got).toEqual(expected);
      // Pages name an offer by event type and length (by the event type alone when it has one length).
      for (const c of published) expect(c.offer).toBe(offerKeyOf({ ...s.eventTypes.find((e) => e.id === c.eventTypeId)!, durationMinutes: c.durationMinutes }));
    },
    propertyOptions,
  );

  it("lists nothing for a change that touched nothing", () => {
    const et = eventTypeOf({ id: ETS[0]!, hostId: HOST, minimumNoticeMinutes: 0, maxDaysAhead: RANGE_DAYS });
    const s = snapshotOf("UTC", [et], [], []);
    expect(slotChanges(s, snapshotOf("UTC", [et], [meetingOf({ et, start: NOW + DAY_MS + 9 * 60 * MINUTE_MS, end: NOW + DAY_MS + 10 * 60 * MINUTE_MS })], []), [], NOW)).toEqual([]);
  });
});
