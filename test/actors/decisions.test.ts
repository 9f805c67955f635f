import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  decideAccept,
  decideBook,
  decideCancel,
  decideDecline,
  decideDeleteEventType,
  decideDeleteSchedule,
  decideEventType,
  decideExpire,
  decideHold,
  decideHostActive,
  decideOverride,
  decideProfile,
  decideRelease,
  decideRenew,
  decideReschedule,
  decideRules,
  decideSaveSchedule,
  deletedSlug,
  Expire,
  isScheduleWrite,
  newToken,
  requestDigest,
  slotTaken,
  spanOfWrite,
  type Decision,
  type Limits,
} from "../../src/actors/decisions.ts";
import { HostSnapshot, openTimesOf, type Hold as HeldSlot, type HostState } from "../../src/actors/HostSnapshot.ts";
import {
  Accept,
  Book,
  Cancel,
  Decline,
  DeleteEventType,
  DeleteSchedule,
  Hold,
  MAX_OVERRIDE_DAYS,
  Release,
  Renew,
  ReplaceWeeklyRules,
  Reschedule,
  SaveEventType,
  SaveProfile,
  SaveSchedule,
  SetDateOverride,
  SetHostActive,
} from "../../src/actors/protocol.ts";
import { MAX_SCHEDULES, type Question, type Availability, type Booking, type EventType, type EventTypeId, type HostId, type ScheduleId } from "../../src/domain/model.ts";
import { DAY_MS, epochMs, HOUR_MS, localDate, MINUTE_MS, wallMinutes } from "../../src/domain/time.ts";
import { bookingOf, eventTypeOf } from "../support/fixtures.ts";
import { availabilityTag, eventTypeTag, matches } from "../../src/domain/etag.ts";

/**
 * The actor's decisions as pure functions of a snapshot built in memory: every rule, refusal
 * and boundary, without Postgres or a mailbox (those are judged in booking.test.ts and the
 * actor properties).
 */

const HOST = "00000000-0000-4000-8000-000000000001" as HostId;
const ET = "00000000-0000-4000-8000-0000000000e1" as EventTypeId;
const OTHER_ET = "00000000-0000-4000-8000-0000000000e2" as EventTypeId;
/** Monday 2030-01-07, 00:00 UTC. */
const MONDAY = Date.UTC(2030, 0, 7);
const NOW = MONDAY;
/** Monday 10:00 UTC: open (9 to 17 every day), past the hour of notice. */
const TEN = MONDAY + 10 * HOUR_MS;

const limits: Limits = { holdMs: 10 * MINUTE_MS, holdLeaseMs: MINUTE_MS, maxHoldsPerHost: 3, maxHoldsPerAddress: 2, maxBookingsPerEmail: 3 };

const eventType = (changes: Partial<EventType> = {}): EventType =>
  eventTypeOf({ id: ET, hostId: HOST, durationChoices: [30, 60], minimumNoticeMinutes: 60, maxDaysAhead: 30, ...changes });

const nineToFive = Array.from({ length: 7 }, (_, weekday) => ({ weekday, start: wallMinutes(9 * 60), end: wallMinutes(17 * 60) }));

const snapshotOf = (changes: Partial<HostState> = {}, availability: Availability = { rules: nineToFive, overrides: [], schedules: [] }) =>
  new HostSnapshot({
    host: { id: HOST, slug: "ada", name: "Ada", email: "ada@example.com", timeZone: "UTC", locale: "en", bio: "", active: true },
    eventTypes: new Map([[ET, eventType()]]),
    availability,
    ...openTimesOf("UTC", availability),
    bookings: [],
    byIdempotencyKey: new Map(),
    holds: new Map(),
    version: 1,
    ...changes,
  });

const booking = (start: number, changes: Partial<Booking> = {}): Booking =>
  bookingOf({ hostId: HOST, eventTypeId: ET, start, end: start + 30 * MINUTE_MS, createdAt: epochMs(NOW - DAY_MS), ...changes });

const held = (start: number, changes: Partial<HeldSlot> = {}): HeldSlot => ({
  token: "hold-1",
  eventTypeId: ET,
  visitor: "v1",
  address: null,
  start: epochMs(start),
  end: epochMs(start + 30 * MINUTE_MS),
  bufferBeforeMs: 0,
  bufferAfterMs: 0,
  expiresAt: epochMs(NOW + 5 * MINUTE_MS),
  deadline: epochMs(NOW + 10 * MINUTE_MS),
  ...changes,
});

const withBookings = (...bookings: Booking[]) =>
  snapshotOf({ bookings, byIdempotencyKey: new Map(bookings.flatMap((b) => (b.idempotencyKey === null ? [] : [[b.idempotencyKey, b] as const]))) });
const withHolds = (...holds: HeldSlot[]) => snapshotOf({ holds: new Map(holds.map((h) => [h.token, h])) });

const book = (start: number, changes: Partial<Book> = {}) =>
  new Book({
    eventTypeId: ET,
    start,
    invitee: { name: "Ada", email: "ada@example.org", timeZone: "Europe/Vienna" },
    answers: {},
    idempotencyKey: null,
    holdToken: null,
    visitor: null,
    ...changes,
  });

/** The error of a refusal, or a failed test naming what was decided instead. */
const refusalOf = (d: Decision<unknown, unknown> | { readonly _tag: "Lookup" }) => {
  expect(d._tag).toBe("Refuse");
  return (d as { error: { _tag: string } & Record<string, unknown> }).error;
};
const writeOf = <A>(d: Decision<A, unknown> | { readonly _tag: "Lookup" }) => {
  expect(d._tag).toBe("Write");
  return d as Extract<Decision<A, unknown>, { _tag: "Write" }>;
};
const applied = <A>(d: Decision<A, unknown>) => {
  expect(d._tag).toBe("Apply");
  return d as Extract<Decision<A, unknown>, { _tag: "Apply" }>;
};

describe("booking", () => {
  it("writes a confirmed booking of the event type's length, with the invitee's language defaulted", () => {
    const d = writeOf(decideBook(snapshotOf(), book(TEN), NOW, limits));
    expect(d.write).toEqual({ _tag: "Insert", booking: d.result });
    expect(d.result).toMatchObject({
      hostId: HOST,
      eventTypeId: ET,
      start: TEN,
      end: TEN + 30 * MINUTE_MS,
      status: "confirmed",
      version: 1,
      idempotencyKey: null,
      requestDigest: null,
      createdAt: NOW,
      cancelledBy: null,
      invitee: { locale: "en", email: "ada@example.org" },
    });
    expect(d.result.manageToken).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(d.next.bookings).toEqual([d.result]);
    expect(d.next.version).toBe(2);
  });

  it("keeps the bookings sorted by start and remembers the idempotency key with a digest", () => {
    const later = booking(TEN + 2 * HOUR_MS);
    const d = writeOf(decideBook(withBookings(later), book(TEN, { idempotencyKey: "key-1" }), NOW, limits));
    expect(d.next.bookings.map((b) => b.start)).toEqual([TEN, TEN + 2 * HOUR_MS]);
    expect(d.next.byIdempotencyKey.get("key-1")).toBe(d.result);
    expect(d.result.requestDigest).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("starts a booking pending when the host confirms each one", () => {
    const s = snapshotOf({ eventTypes: new Map([[ET, eventType({ requiresConfirmation: true })]]) });
    expect(writeOf(decideBook(s, book(TEN), NOW, limits)).result.status).toBe("pending");
  });

  it("books a longer choice at its own length, and refuses a length not offered", () => {
    expect(writeOf(decideBook(snapshotOf(), book(TEN, { durationMinutes: 60 }), NOW, limits)).result.end).toBe(TEN + HOUR_MS);
    expect(refusalOf(decideBook(snapshotOf(), book(TEN, { durationMinutes: 45 }), NOW, limits))).toMatchObject({
      _tag: "InvalidInput",
      field: "duration",
      message: "must be one of 30, 60 minutes",
    });
  });

  it("refuses an unknown or inactive event type, and any of a deactivated host", () => {
    expect(refusalOf(decideBook(snapshotOf(), book(TEN, { eventTypeId: OTHER_ET }), NOW, limits))).toMatchObject({ _tag: "NotFound", what: "event type" });
    const off = snapshotOf({ eventTypes: new Map([[ET, eventType({ active: false })]]) });
    expect(refusalOf(decideBook(off, book(TEN), NOW, limits))._tag).toBe("NotFound");
    const gone = snapshotOf();
    const inactiveHost = gone.with({ host: { ...gone.host, active: false } });
    expect(refusalOf(decideBook(inactiveHost, book(TEN), NOW, limits))._tag).toBe("NotFound");
    expect(refusalOf(decideHold(inactiveHost, new Hold({ eventTypeId: ET, start: TEN, visitor: "v", address: null }), NOW, limits))._tag).toBe("NotFound");
  });

  it("answers a replay with the booking it made, and refuses the key for another request", () => {
    const first = writeOf(decideBook(snapshotOf(), book(TEN, { idempotencyKey: "key-1" }), NOW, limits));
    const replayed = decideBook(first.next, book(TEN, { idempotencyKey: "key-1" }), NOW + MINUTE_MS, limits);
    expect(replayed).toEqual({ _tag: "Answer", result: first.result });
    expect(refusalOf(decideBook(first.next, book(TEN + HOUR_MS, { idempotencyKey: "key-1" }), NOW, limits))._tag).toBe("IdempotencyKeyReused");
    expect(refusalOf(decideBook(first.next, book(TEN, { idempotencyKey: "key-1", durationMinutes: 60 }), NOW, limits))._tag).toBe("IdempotencyKeyReused");
  });

  it("refuses answers the event type's questions do not accept", () => {
    const s = snapshotOf({ eventTypes: new Map([[ET, eventType({ questions: [{ id: "topic", label: "Topic", kind: "short_text", required: true }] })]]) });
    expect(refusalOf(decideBook(s, book(TEN), NOW, limits))).toMatchObject({ _tag: "InvalidInput", field: "answers.topic" });
    expect(writeOf(decideBook(s, book(TEN, { answers: { topic: "Plans" } }), NOW, limits)).result.answers).toEqual({ topic: "Plans" });
  });

  it("refuses the same meeting twice for one email in any case, but not once it has ended", () => {
    const mine = booking(TEN, { invitee: { name: "Ada", email: "Ada@Example.org", timeZone: "UTC" } });
    expect(refusalOf(decideBook(withBookings(mine), book(TEN), NOW, limits))).toMatchObject({ _tag: "DuplicateBooking", start: TEN });
    const ended = booking(NOW - 30 * MINUTE_MS, { invitee: mine.invitee });
    expect(decideBook(withBookings(ended), book(NOW - 30 * MINUTE_MS), NOW - 2 * HOUR_MS, limits)._tag).toBe("Refuse");
    // Ended exactly now: no longer upcoming, so not a duplicate (the time itself is past, so TooSoon).
    expect(refusalOf(decideBook(withBookings(ended), book(NOW - 30 * MINUTE_MS), NOW, limits))._tag).toBe("TooSoon");
  });

  it("caps upcoming meetings per email at the limit, counting only those not yet ended", () => {
    const ada = { name: "Ada", email: "ada@example.org", timeZone: "UTC" };
    const two = [booking(TEN + HOUR_MS, { invitee: ada }), booking(TEN + 2 * HOUR_MS, { invitee: ada })];
    expect(decideBook(withBookings(...two), book(TEN), NOW, { maxBookingsPerEmail: 3 })._tag).toBe("Write");
    expect(refusalOf(decideBook(withBookings(...two), book(TEN), NOW, { maxBookingsPerEmail: 2 }))).toMatchObject({ _tag: "TooManyBookings", limit: 2 });
    const endedNow = booking(NOW - 30 * MINUTE_MS, { invitee: ada });
    expect(decideBook(withBookings(endedNow, two[0]!), book(TEN), NOW, { maxBookingsPerEmail: 2 })._tag).toBe("Write");
  });

  it("lets a live hold's holder book its time, by token or by visitor, and frees the hold", () => {
    const s = withHolds(held(TEN));
    const byToken = writeOf(decideBook(s, book(TEN, { holdToken: "hold-1" }), NOW, limits));
    expect(byToken.next.holds.size).toBe(0);
    const byVisitor = writeOf(decideBook(s, book(TEN, { visitor: "v1" }), NOW, limits));
    expect(byVisitor.next.holds.size).toBe(0);
    expect(refusalOf(decideBook(s, book(TEN, { visitor: "v2" }), NOW, limits))).toMatchObject({ _tag: "SlotTaken", start: TEN });
  });

  it("refuses a live hold named for another time, and treats a run-out hold as no hold", () => {
    const s = withHolds(held(TEN));
    expect(refusalOf(decideBook(s, book(TEN + HOUR_MS, { holdToken: "hold-1" }), NOW, limits))).toMatchObject({ _tag: "HoldInvalid", reason: "other-slot" });
    expect(refusalOf(decideBook(s, book(TEN, { holdToken: "hold-1", durationMinutes: 60 }), NOW, limits))._tag).toBe("HoldInvalid");
    const ranOut = withHolds(held(TEN, { expiresAt: epochMs(NOW) }));
    // Its own time is taken by the hold still in memory; another time books as if no hold were named.
    expect(decideBook(ranOut, book(TEN + HOUR_MS, { holdToken: "hold-1" }), NOW, limits)._tag).toBe("Write");
  });

  it("says why a time is not offered", () => {
    const s = snapshotOf();
    expect(refusalOf(decideBook(s, book(NOW + 30 * MINUTE_MS), NOW, limits))).toMatchObject({ _tag: "TooSoon", minimumNoticeMinutes: 60 });
    expect(refusalOf(decideBook(s, book(MONDAY + 31 * DAY_MS + 10 * HOUR_MS), NOW, limits))).toMatchObject({ _tag: "TooFarAhead", maxDaysAhead: 30 });
    expect(refusalOf(decideBook(s, book(TEN + 7 * MINUTE_MS), NOW, limits))._tag).toBe("SlotNotOffered");
    expect(refusalOf(decideBook(s, book(MONDAY + 20 * HOUR_MS), NOW, limits))._tag).toBe("SlotNotOffered");
    const taken = refusalOf(decideBook(withBookings(booking(TEN)), book(TEN), NOW, limits));
    expect(taken).toMatchObject({ _tag: "SlotTaken", start: TEN });
    expect(taken["alternatives"]).toEqual([TEN - 30 * MINUTE_MS, TEN + 30 * MINUTE_MS, TEN - HOUR_MS, TEN + HOUR_MS, TEN + 90 * MINUTE_MS]);
  });

  it("names the daily and weekly limits it reached", () => {
    const daily = snapshotOf({ eventTypes: new Map([[ET, eventType({ maxPerDay: 1 })]]), bookings: [booking(TEN)] });
    expect(refusalOf(decideBook(daily, book(TEN + HOUR_MS), NOW, limits))).toMatchObject({ _tag: "DailyLimitReached", maxPerDay: 1 });
    const weekly = snapshotOf({ eventTypes: new Map([[ET, eventType({ maxPerWeek: 1 })]]), bookings: [booking(TEN)] });
    expect(refusalOf(decideBook(weekly, book(TEN + DAY_MS), NOW, limits))).toMatchObject({ _tag: "WeeklyLimitReached", maxPerWeek: 1 });
  });
});

describe("holds", () => {
  const hold = (changes: Partial<Hold> = {}) => new Hold({ eventTypeId: ET, start: TEN, visitor: "v1", address: "10.0.0.1", ...changes });

  it("grants a hold until now plus the hold time, its deadline the same", () => {
    const d = applied(decideHold(snapshotOf(), hold(), NOW, limits));
    expect(d.result).toEqual({ token: d.hold!.token, eventTypeId: ET, start: TEN, end: TEN + 30 * MINUTE_MS, expiresAt: NOW + 10 * MINUTE_MS });
    expect(d.hold).toMatchObject({ visitor: "v1", address: "10.0.0.1", deadline: NOW + 10 * MINUTE_MS, expiresAt: NOW + 10 * MINUTE_MS });
    expect([...d.next.holds.keys()]).toEqual([d.hold!.token]);
    const long = applied(decideHold(snapshotOf(), hold({ durationMinutes: 60 }), NOW, limits));
    expect(long.result.end).toBe(TEN + HOUR_MS);
  });

  it("replaces the visitor's earlier hold, which does not count against the caps", () => {
    const s = withHolds(held(TEN + HOUR_MS, { token: "a", visitor: "v1", address: "10.0.0.1" }), held(TEN + 2 * HOUR_MS, { token: "b", visitor: "v2", address: "10.0.0.1" }), held(TEN + 3 * HOUR_MS, { token: "c", visitor: "v3" }));
    const d = applied(decideHold(s, hold(), NOW, limits));
    expect([...d.next.holds.keys()].sort()).toEqual(["b", "c", d.hold!.token].sort());
    // The visitor's earlier hold does not block their new one at the same time either.
    expect(decideHold(withHolds(held(TEN)), hold(), NOW, limits)._tag).toBe("Apply");
  });

  it("caps live holds per host and per address", () => {
    const three = withHolds(held(TEN + HOUR_MS, { token: "a", visitor: "a" }), held(TEN + 2 * HOUR_MS, { token: "b", visitor: "b" }), held(TEN + 3 * HOUR_MS, { token: "c", visitor: "c" }));
    expect(refusalOf(decideHold(three, hold(), NOW, limits))).toMatchObject({ _tag: "TooManyHolds", by: "host" });
    const two = withHolds(held(TEN + HOUR_MS, { token: "a", visitor: "a", address: "10.0.0.1" }), held(TEN + 2 * HOUR_MS, { token: "b", visitor: "b", address: "10.0.0.1" }));
    expect(refusalOf(decideHold(two, hold(), NOW, limits))).toMatchObject({ _tag: "TooManyHolds", by: "address" });
    expect(decideHold(two, hold({ address: "10.0.0.2" }), NOW, limits)._tag).toBe("Apply");
    expect(decideHold(two, hold({ address: null }), NOW, limits)._tag).toBe("Apply");
  });

  it("refuses a time that is not offered or not of the event type's lengths", () => {
    expect(refusalOf(decideHold(withBookings(booking(TEN)), hold(), NOW, limits))._tag).toBe("SlotTaken");
    expect(refusalOf(decideHold(snapshotOf(), hold({ durationMinutes: 45 }), NOW, limits))._tag).toBe("InvalidInput");
  });

  it("lets a hold go when its time is up, not a moment before", () => {
    const s = withHolds(held(TEN, { expiresAt: epochMs(NOW + MINUTE_MS) }));
    expect(decideExpire(s, new Expire({ token: "hold-1" }), NOW + MINUTE_MS - 1)).toEqual({ _tag: "Answer", result: undefined });
    expect(applied(decideExpire(s, new Expire({ token: "hold-1" }), NOW + MINUTE_MS)).next.holds.size).toBe(0);
    expect(decideExpire(s, new Expire({ token: "other" }), NOW + MINUTE_MS)._tag).toBe("Answer");
  });

  it("renews a live hold by a lease, never past its deadline, and says when it is gone", () => {
    const s = withHolds(held(TEN, { expiresAt: epochMs(NOW + MINUTE_MS), deadline: epochMs(NOW + 10 * MINUTE_MS) }));
    const renewed = applied(decideRenew(s, new Renew({ token: "hold-1" }), NOW + 30_000, limits));
    expect(renewed.result).toBe(true);
    expect(renewed.hold!.expiresAt).toBe(NOW + 90_000);
    expect(renewed.next.holds.get("hold-1")!.expiresAt).toBe(NOW + 90_000);
    const nearDeadline = applied(decideRenew(s.with({ holds: new Map([["hold-1", held(TEN, { expiresAt: epochMs(NOW + 9.5 * MINUTE_MS) })]]) }), new Renew({ token: "hold-1" }), NOW + 9.5 * MINUTE_MS - 1, limits));
    expect(nearDeadline.hold!.expiresAt).toBe(NOW + 10 * MINUTE_MS);
    expect(decideRenew(s, new Renew({ token: "hold-1" }), NOW + MINUTE_MS, limits)).toEqual({ _tag: "Answer", result: false });
    expect(decideRenew(s, new Renew({ token: "nope" }), NOW, limits)).toEqual({ _tag: "Answer", result: false });
  });

  it("releases a hold, and answers a release of none without a change", () => {
    const s = withHolds(held(TEN));
    expect(applied(decideRelease(s, new Release({ token: "hold-1" }))).next.holds.size).toBe(0);
    expect(decideRelease(s, new Release({ token: "nope" }))).toEqual({ _tag: "Answer", result: undefined });
  });
});

describe("acting on a booking", () => {
  it("cancels an upcoming booking, and looks up any it does not hold", () => {
    const b = booking(TEN, { idempotencyKey: "k" });
    const s = withBookings(b);
    const d = writeOf(decideCancel(s, new Cancel({ bookingId: b.id, by: "host", reason: "ill" }), NOW));
    expect(d.result).toEqual({ ...b, status: "cancelled", cancelledBy: "host", cancelReason: "ill", version: 2 });
    expect(d.write).toEqual({ _tag: "Cancel", cancellation: { id: b.id, by: "host", reason: "ill" } });
    expect(d.next.bookings).toEqual([]);
    expect(d.next.byIdempotencyKey.get("k")).toEqual(d.result);
    expect(decideCancel(s, new Cancel({ bookingId: booking(TEN).id, by: "host", reason: null }), NOW)).toMatchObject({ _tag: "Lookup" });
    expect(refusalOf(decideCancel(s, new Cancel({ bookingId: b.id, by: "invitee", reason: null }), b.end))).toMatchObject({ _tag: "BookingNotActive", status: "past" });
    expect(decideCancel(s, new Cancel({ bookingId: b.id, by: "invitee", reason: null }), b.end - 1)._tag).toBe("Write");
  });

  it("accepts or declines only a pending booking that has not ended", () => {
    const pending = booking(TEN, { status: "pending" });
    const s = withBookings(pending);
    const accepted = writeOf(decideAccept(s, new Accept({ bookingId: pending.id }), NOW));
    expect(accepted.result).toEqual({ ...pending, status: "confirmed", version: 2 });
    expect(accepted.next.bookings).toEqual([accepted.result]);
    const declined = writeOf(decideDecline(s, new Decline({ bookingId: pending.id, reason: "busy" }), NOW));
    expect(declined.result).toEqual({ ...pending, status: "declined", cancelledBy: "host", cancelReason: "busy", version: 2 });
    expect(declined.write).toEqual({ _tag: "Decline", id: pending.id, reason: "busy" });
    expect(declined.next.bookings).toEqual([]);
    const confirmed = withBookings(booking(TEN));
    expect(refusalOf(decideAccept(confirmed, new Accept({ bookingId: confirmed.bookings[0]!.id }), NOW))).toMatchObject({ _tag: "InvalidInput", field: "booking" });
    expect(refusalOf(decideDecline(s, new Decline({ bookingId: pending.id, reason: null }), pending.end))).toMatchObject({ _tag: "BookingNotActive", status: "past" });
    expect(decideAccept(s, new Accept({ bookingId: booking(TEN).id }), NOW)).toMatchObject({ _tag: "Lookup" });
  });

  it("moves a booking at the length it was booked, its old time not in its own way", () => {
    const b = booking(TEN, { idempotencyKey: "k", end: epochMs(TEN + HOUR_MS) });
    const s = snapshotOf({ eventTypes: new Map([[ET, eventType({ slotIntervalMinutes: 30 })]]), bookings: [b], byIdempotencyKey: new Map([["k", b]]) });
    const d = writeOf(decideReschedule(s, new Reschedule({ bookingId: b.id, start: TEN + 30 * MINUTE_MS, by: "invitee", reason: "later" }), NOW));
    expect(d.result).toMatchObject({ start: TEN + 30 * MINUTE_MS, end: TEN + 90 * MINUTE_MS, version: 2 });
    expect(d.write).toEqual({
      _tag: "Reschedule",
      move: { id: b.id, by: "invitee", fromVersion: 1, start: TEN + 30 * MINUTE_MS, end: TEN + 90 * MINUTE_MS, bufferBeforeMinutes: 0, bufferAfterMinutes: 0, previousStart: TEN, reason: "later" },
    });
    expect(d.next.bookings).toEqual([d.result]);
    expect(d.next.byIdempotencyKey.get("k")).toEqual(d.result);
    const other = booking(TEN + 2 * HOUR_MS);
    expect(refusalOf(decideReschedule(s.with({ bookings: [b, other] }), new Reschedule({ bookingId: b.id, start: TEN + 2 * HOUR_MS, by: "host" }), NOW))._tag).toBe("SlotTaken");
    expect(refusalOf(decideReschedule(s, new Reschedule({ bookingId: b.id, start: TEN, by: "host" }), b.end))).toMatchObject({ status: "past" });
    const orphan = snapshotOf({ bookings: [booking(TEN, { eventTypeId: OTHER_ET })] });
    expect(refusalOf(decideReschedule(orphan, new Reschedule({ bookingId: orphan.bookings[0]!.id, start: TEN, by: "host" }), NOW))._tag).toBe("NotFound");
  });
});

describe("the host's hours and event types", () => {
  it("replaces the weekly rules, naming the first wrong one", () => {
    const d = writeOf(decideRules(snapshotOf(), new ReplaceWeeklyRules({ rules: [{ weekday: 0, start: 0, end: 1440 }, { weekday: 6, start: 60, end: 120 }] })));
    expect(d.write).toEqual({ _tag: "Rules", rules: [{ weekday: 0, start: 0, end: 1440 }, { weekday: 6, start: 60, end: 120 }] });
    expect(d.next.availability.rules).toHaveLength(2);
    for (const weekday of [-1, 7, 1.5]) {
      // Unchecked construction: the actor's own checks, behind the Schema's.
      expect(refusalOf(decideRules(snapshotOf(), new ReplaceWeeklyRules({ rules: [{ weekday: 1, start: 0, end: 60 }, { weekday, start: 0, end: 60 }] }, true)))).toMatchObject({
        field: "rules[1].weekday",
      });
    }
    expect(refusalOf(decideRules(snapshotOf(), new ReplaceWeeklyRules({ rules: [{ weekday: 1, start: 60, end: 60 }] })))).toMatchObject({ field: "rules[0]" });
  });

  const schedule = (name: string, id: string | null = null) => new SaveSchedule({ id: id as ScheduleId | null, name, rules: [{ weekday: 1, start: 540, end: 600 }] });

  it("saves named schedules: names of 1 to 80 characters, unique in any case, at most a fixed number", () => {
    const d = writeOf(decideSaveSchedule(snapshotOf(), schedule("  Mornings  ")));
    expect(d.next.availability.schedules).toEqual([{ id: d.result, name: "Mornings", rules: [{ weekday: 1, start: 540, end: 600 }] }]);
    expect(d.write).toEqual({ _tag: "Schedule", schedule: d.next.availability.schedules[0] });
    expect(decideSaveSchedule(snapshotOf(), schedule("x".repeat(80)))._tag).toBe("Write");
    expect(refusalOf(decideSaveSchedule(snapshotOf(), schedule("x".repeat(81))))).toMatchObject({ field: "name", message: "must be 1 to 80 characters" });
    expect(refusalOf(decideSaveSchedule(snapshotOf(), schedule("   ")))).toMatchObject({ field: "name" });
    expect(refusalOf(decideSaveSchedule(d.next, schedule("MORNINGS")))).toMatchObject({ message: "is the name of another of your schedules" });
    expect(refusalOf(decideSaveSchedule(d.next, schedule("Evenings", "00000000-0000-4000-8000-00000000dead")))._tag).toBe("NotFound");
    const renamed = writeOf(decideSaveSchedule(d.next, schedule("Mornings!", d.result)));
    expect(renamed.next.availability.schedules.map((n) => n.name)).toEqual(["Mornings!"]);
    expect(refusalOf(decideSaveSchedule(d.next, new SaveSchedule({ id: null, name: "Bad", rules: [{ weekday: 9, start: 0, end: 60 }] })))).toMatchObject({ field: "rules[0].weekday" });
  });

  it("keeps named schedules sorted by name and refuses one more than the most", () => {
    let s = snapshotOf();
    for (const name of ["b", "a", "c"]) s = writeOf(decideSaveSchedule(s, schedule(name))).next;
    expect(s.availability.schedules.map((n) => n.name)).toEqual(["a", "b", "c"]);
    for (let i = 3; i < MAX_SCHEDULES; i++) s = writeOf(decideSaveSchedule(s, schedule(`s${i}`))).next;
    expect(refusalOf(decideSaveSchedule(s, schedule("one more")))).toMatchObject({ message: `cannot be added: you have ${MAX_SCHEDULES} schedules already` });
    // Renaming one at the most is no addition.
    expect(decideSaveSchedule(s, schedule("renamed", s.availability.schedules[0]!.id))._tag).toBe("Write");
  });

  it("deletes a schedule no live event type uses, and lets a deleted one's choice go", () => {
    const saved = writeOf(decideSaveSchedule(snapshotOf(), schedule("Mornings")));
    const id = saved.result;
    const used = saved.next.with({ eventTypes: new Map([[ET, eventType({ scheduleId: id })]]) });
    expect(refusalOf(decideDeleteSchedule(used, new DeleteSchedule({ id })))).toMatchObject({ field: "schedule", message: "is used by Intro: choose other hours for it first" });
    const deletedUser = saved.next.with({ eventTypes: new Map([[ET, eventType({ scheduleId: id, deleted: true, active: false })]]) });
    const d = writeOf(decideDeleteSchedule(deletedUser, new DeleteSchedule({ id })));
    expect(d.next.availability.schedules).toEqual([]);
    expect(d.next.eventTypes.get(ET)!.scheduleId).toBeNull();
    expect(refusalOf(decideDeleteSchedule(snapshotOf(), new DeleteSchedule({ id })))._tag).toBe("NotFound");
  });

  it("sets a date override for a range of days, or removes it, within bounds", () => {
    const date = 21_921; // 2030-01-07
    const d = writeOf(decideOverride(snapshotOf(), new SetDateOverride({ date, windows: [{ start: 600, end: 660 }], days: 3 })));
    expect(d.write).toEqual({ _tag: "Override", dates: [date, date + 1, date + 2], windows: [{ start: 600, end: 660 }] });
    expect(d.next.availability.overrides.map((o) => o.date)).toEqual([date, date + 1, date + 2]);
    const removed = writeOf(decideOverride(d.next, new SetDateOverride({ date: date + 1, windows: null })));
    expect(removed.next.availability.overrides.map((o) => o.date)).toEqual([date, date + 2]);
    expect(removed.write).toEqual({ _tag: "Override", dates: [date + 1], windows: null });
    for (const bad of [-1, 100_001, 1.5]) expect(refusalOf(decideOverride(snapshotOf(), new SetDateOverride({ date: bad, windows: [] }, true)))).toMatchObject({ field: "date" });
    expect(decideOverride(snapshotOf(), new SetDateOverride({ date: 100_000, windows: [] }))._tag).toBe("Write");
    expect(decideOverride(snapshotOf(), new SetDateOverride({ date: 0, windows: [] }))._tag).toBe("Write");
    for (const days of [0, MAX_OVERRIDE_DAYS + 1, 2.5]) expect(refusalOf(decideOverride(snapshotOf(), new SetDateOverride({ date, windows: [], days }, true)))).toMatchObject({ field: "until" });
    expect(decideOverride(snapshotOf(), new SetDateOverride({ date, windows: [], days: MAX_OVERRIDE_DAYS }))._tag).toBe("Write");
    expect(refusalOf(decideOverride(snapshotOf(), new SetDateOverride({ date, windows: [{ start: 0, end: 60 }, { start: 700, end: 600 }] })))).toMatchObject({ field: "windows[1]" });
  });

  const fields = (changes: Partial<SaveEventType["fields"]> = {}): SaveEventType["fields"] => {
    const { id: _id, hostId: _host, deleted: _deleted, ...rest } = eventType();
    return { ...rest, slug: "new-one", ...changes };
  };

  it("creates and updates event types, their lengths merged and sorted", () => {
    const created = writeOf(decideEventType(snapshotOf(), new SaveEventType({ id: null, fields: fields({ durationMinutes: 45, durationChoices: [90, 15, 45] }) })));
    expect(created.write).toMatchObject({ _tag: "EventType", isNew: true });
    expect(created.next.eventTypes.get(created.result)).toMatchObject({ hostId: HOST, durationChoices: [15, 45, 90], slug: "new-one" });
    const updated = writeOf(decideEventType(snapshotOf(), new SaveEventType({ id: ET, fields: fields({ slug: "intro", title: "Hello" }) })));
    expect(updated.write).toMatchObject({ _tag: "EventType", isNew: false });
    expect(updated.result).toBe(ET);
    expect(updated.next.eventTypes.get(ET)!.title).toBe("Hello");
  });

  it("refuses an event type that is invalid, unknown, deleted, on another's schedule, or on a used address", () => {
    expect(refusalOf(decideEventType(snapshotOf(), new SaveEventType({ id: null, fields: fields({ title: "" }) })))).toMatchObject({ field: "title" });
    expect(refusalOf(decideEventType(snapshotOf(), new SaveEventType({ id: OTHER_ET, fields: fields() })))._tag).toBe("NotFound");
    const deleted = snapshotOf({ eventTypes: new Map([[ET, eventType({ deleted: true })]]) });
    expect(refusalOf(decideEventType(deleted, new SaveEventType({ id: ET, fields: fields() })))._tag).toBe("NotFound");
    const foreign = "00000000-0000-4000-8000-00000000beef" as ScheduleId;
    expect(refusalOf(decideEventType(snapshotOf(), new SaveEventType({ id: null, fields: fields({ scheduleId: foreign }) })))).toMatchObject({ field: "scheduleId" });
    expect(refusalOf(decideEventType(snapshotOf(), new SaveEventType({ id: null, fields: fields({ slug: "intro" }) })))).toMatchObject({ field: "slug", message: "is already used by another event type" });
  });

  it("deletes an event type without upcoming meetings, giving up its address", () => {
    const d = writeOf(decideDeleteEventType(withBookings(booking(NOW - HOUR_MS)), new DeleteEventType({ id: ET }), NOW - 30 * MINUTE_MS));
    expect(d.next.eventTypes.get(ET)).toMatchObject({ active: false, deleted: true, slug: deletedSlug(eventType()) });
    expect(deletedSlug({ slug: "a".repeat(64), id: ET })).toBe(`${"a".repeat(40)}-deleted-00000000`);
    expect(refusalOf(decideDeleteEventType(withBookings(booking(NOW - HOUR_MS)), new DeleteEventType({ id: ET }), NOW - 30 * MINUTE_MS - 1))).toMatchObject({ field: "eventType" });
    expect(refusalOf(decideDeleteEventType(snapshotOf(), new DeleteEventType({ id: OTHER_ET }), NOW))._tag).toBe("NotFound");
    expect(refusalOf(decideDeleteEventType(d.next, new DeleteEventType({ id: ET }), NOW))._tag).toBe("NotFound");
  });

  const profile = (changes: Partial<SaveProfile> = {}) => new SaveProfile({ name: " Ada L. ", slug: "ada-l", timeZone: "europe/vienna", bio: " Hi ", locale: "de", ...changes });

  it("saves the profile trimmed, in the zone's own spelling, with the hours moved to it", () => {
    const d = writeOf(decideProfile(snapshotOf(), profile()));
    expect(d.write).toEqual({ _tag: "Profile", name: "Ada L.", slug: "ada-l", timeZone: "Europe/Vienna", bio: "Hi", locale: "de" });
    expect(d.next.host).toMatchObject({ name: "Ada L.", timeZone: "Europe/Vienna" });
    // Nine o'clock is now Vienna's: 08:00 UTC in winter.
    expect(d.next.check(eventType({ minimumNoticeMinutes: 0 }), MONDAY + 8 * HOUR_MS, NOW).offered).toBe(true);
    expect(decideProfile(snapshotOf(), profile({ name: "x".repeat(200), bio: "y".repeat(1000) }))._tag).toBe("Write");
  });

  it("refuses each wrong profile field by name", () => {
    const cases: [Partial<SaveProfile>, string][] = [
      [{ name: "  " }, "name"],
      [{ name: "x".repeat(201) }, "name"],
      [{ bio: "y".repeat(1001) }, "bio"],
      [{ timeZone: "Mars/Base" }, "timeZone"],
      [{ slug: "Ada" }, "slug"],
      [{ slug: "api" }, "slug"],
      [{ locale: "xx" }, "locale"],
    ];
    for (const [changes, field] of cases) expect(refusalOf(decideProfile(snapshotOf(), profile(changes)))).toMatchObject({ _tag: "InvalidInput", field });
  });

  it("deactivates and reactivates a host", () => {
    const d = writeOf(decideHostActive(snapshotOf(), new SetHostActive({ active: false })));
    expect(d.write).toEqual({ _tag: "Active", active: false });
    expect(d.next.host.active).toBe(false);
  });
});

describe("the instants a write touches", () => {
  it("spans bookings with their buffers, old and new time for a move, nothing for schedule writes", () => {
    const b = booking(TEN, { bufferBeforeMinutes: 5, bufferAfterMinutes: 10 });
    const s = withBookings(b);
    expect(spanOfWrite({ _tag: "Insert", booking: b }, s)).toEqual([TEN - 5 * MINUTE_MS, TEN + 40 * MINUTE_MS]);
    expect(spanOfWrite({ _tag: "Cancel", cancellation: { id: b.id, by: "host", reason: null } }, s)).toEqual([TEN - 5 * MINUTE_MS, TEN + 40 * MINUTE_MS]);
    expect(spanOfWrite({ _tag: "Decline", id: b.id, reason: null }, s)).toEqual([TEN - 5 * MINUTE_MS, TEN + 40 * MINUTE_MS]);
    expect(spanOfWrite({ _tag: "Cancel", cancellation: { id: booking(TEN).id, by: "host", reason: null } }, s)).toEqual([]);
    const move = { id: b.id, by: "host" as const, fromVersion: 1, start: epochMs(TEN + HOUR_MS), end: epochMs(TEN + 90 * MINUTE_MS), bufferBeforeMinutes: 0, bufferAfterMinutes: 0, previousStart: epochMs(TEN), reason: null };
    expect(spanOfWrite({ _tag: "Reschedule", move }, s)).toEqual([TEN - 5 * MINUTE_MS, TEN + 40 * MINUTE_MS, TEN + HOUR_MS, TEN + 90 * MINUTE_MS]);
    expect(spanOfWrite({ _tag: "Active", active: true }, s)).toEqual([]);
  });
});

describe("what mutation testing found unpinned", () => {
  const ada = { name: "Ada", email: "ada@example.org", timeZone: "UTC" };

  it("stores a request's digest in one fixed format: replays across restarts compare with stored digests", () => {
    const digest = (parts: unknown[]) => createHash("sha256").update(JSON.stringify(parts)).digest("base64url");
    expect(requestDigest(book(TEN))).toBe(digest([ET, TEN, "Ada", "ada@example.org", "Europe/Vienna", {}]));
    expect(requestDigest(book(TEN, { durationMinutes: 60, answers: { a: "b" } }))).toBe(digest([ET, TEN, "Ada", "ada@example.org", "Europe/Vienna", { a: "b" }, 60]));
  });

  it("mints distinct URL-safe tokens, past the pool it draws them from", () => {
    const tokens = Array.from({ length: 600 }, newToken);
    expect(new Set(tokens).size).toBe(600);
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it("names the time in every slot refusal, and suggests nothing without an event type", () => {
    expect(refusalOf(decideBook(snapshotOf(), book(TEN + 7 * MINUTE_MS), NOW, limits))).toMatchObject({ _tag: "SlotNotOffered", start: TEN + 7 * MINUTE_MS });
    const s = withBookings(booking(TEN));
    expect(slotTaken(s, undefined, TEN, NOW)).toMatchObject({ _tag: "SlotTaken", start: TEN, alternatives: [] });
    expect(slotTaken(s, eventType(), TEN, NOW).alternatives).toHaveLength(5);
  });

  it("a booking without a key leaves the keys alone; one later than the rest goes last", () => {
    const early = booking(TEN);
    const d = writeOf(decideBook(withBookings(early), book(TEN + HOUR_MS), NOW, limits));
    expect(d.next.bookings.map((b) => b.start)).toEqual([TEN, TEN + HOUR_MS]);
    expect(d.next.byIdempotencyKey.size).toBe(0);
  });

  it("the same start of another event type is taken, not a duplicate; a replay of a turned-off event type is not found", () => {
    const other = booking(TEN, { eventTypeId: OTHER_ET, invitee: ada });
    const s = snapshotOf({ eventTypes: new Map([[ET, eventType()], [OTHER_ET, eventType({ id: OTHER_ET, slug: "other" })]]), bookings: [other] });
    expect(refusalOf(decideBook(s, book(TEN), NOW, limits))._tag).toBe("SlotTaken");
    const first = writeOf(decideBook(snapshotOf(), book(TEN, { idempotencyKey: "k" }), NOW, limits));
    const off = first.next.with({ eventTypes: new Map([[ET, eventType({ active: false })]]) });
    expect(refusalOf(decideBook(off, book(TEN, { idempotencyKey: "k" }), NOW, limits))._tag).toBe("NotFound");
  });

  it("a visitor's hold on another time stays when they book this one", () => {
    const s = withHolds(held(TEN + HOUR_MS, { visitor: "v1" }));
    const d = writeOf(decideBook(s, book(TEN, { visitor: "v1" }), NOW, limits));
    expect([...d.next.holds.keys()]).toEqual(["hold-1"]);
  });

  it("holds without an address are not capped per address, and carry the event type's buffers", () => {
    const s = withHolds(held(TEN + HOUR_MS, { token: "a", visitor: "a" }), held(TEN + 2 * HOUR_MS, { token: "b", visitor: "b" }));
    expect(decideHold(s, new Hold({ eventTypeId: ET, start: TEN, visitor: "v", address: null }), NOW, limits)._tag).toBe("Apply");
    const buffered = snapshotOf({ eventTypes: new Map([[ET, eventType({ bufferBeforeMinutes: 5, bufferAfterMinutes: 10 })]]) });
    const d = applied(decideHold(buffered, new Hold({ eventTypeId: ET, start: TEN, visitor: "v", address: null }), NOW, limits));
    expect(d.hold).toMatchObject({ bufferBeforeMs: 5 * MINUTE_MS, bufferAfterMs: 10 * MINUTE_MS });
  });

  it("cancel, accept, decline and reschedule touch only their own booking", () => {
    const mine = booking(TEN, { status: "pending", idempotencyKey: "k" });
    const other = booking(TEN + 2 * HOUR_MS);
    const s = withBookings(mine, other);
    expect(writeOf(decideCancel(s, new Cancel({ bookingId: mine.id, by: "host", reason: null }), NOW)).next.bookings).toEqual([other]);
    const accepted = writeOf(decideAccept(s, new Accept({ bookingId: mine.id }), NOW));
    expect(accepted.write).toEqual({ _tag: "Accept", id: mine.id });
    expect(accepted.next.bookings).toEqual([accepted.result, other]);
    expect(accepted.next.byIdempotencyKey.get("k")).toEqual(accepted.result);
    const declined = writeOf(decideDecline(s, new Decline({ bookingId: mine.id, reason: null }), NOW));
    expect(declined.next.bookings).toEqual([other]);
    expect(declined.next.byIdempotencyKey.get("k")).toEqual(declined.result);
    const moved = writeOf(decideReschedule(s, new Reschedule({ bookingId: mine.id, start: TEN + 4 * HOUR_MS, by: "host" }), NOW));
    expect(moved.next.bookings.map((b) => b.id)).toEqual([other.id, mine.id]);
    expect(decideReschedule(s, new Reschedule({ bookingId: booking(TEN).id, start: TEN, by: "host" }), NOW)).toMatchObject({ _tag: "Lookup" });
    const keyless = withBookings(booking(TEN));
    expect(writeOf(decideCancel(keyless, new Cancel({ bookingId: keyless.bookings[0]!.id, by: "host", reason: null }), NOW)).next.byIdempotencyKey.size).toBe(0);
    expect(refusalOf(decideAccept(withBookings(other), new Accept({ bookingId: other.id }), NOW))).toMatchObject({ message: "is not waiting for your confirmation" });
  });

  it("a schedule keeps its own name in another case; deleting one leaves the others and their event types", () => {
    const schedule = (name: string, id: ScheduleId | null = null) => new SaveSchedule({ id, name, rules: [] });
    const a = writeOf(decideSaveSchedule(snapshotOf(), schedule("Mornings")));
    expect(decideSaveSchedule(a.next, schedule("MORNINGS", a.result))._tag).toBe("Write");
    const b = writeOf(decideSaveSchedule(a.next, schedule("Evenings")));
    const s = b.next.with({ eventTypes: new Map([[ET, eventType({ scheduleId: a.result })]]) });
    const d = writeOf(decideDeleteSchedule(s, new DeleteSchedule({ id: b.result })));
    expect(d.write).toEqual({ _tag: "DeleteSchedule", id: b.result });
    expect(d.next.availability.schedules.map((n) => n.name)).toEqual(["Mornings"]);
    expect(d.next.eventTypes.get(ET)!.scheduleId).toBe(a.result);
    expect(refusalOf(decideDeleteSchedule(s, new DeleteSchedule({ id: "00000000-0000-4000-8000-00000000dead" as ScheduleId })))._tag).toBe("NotFound");
    // An event type may use a schedule of the host's own.
    expect(decideEventType(s, new SaveEventType({ id: ET, fields: { ...s.eventTypes.get(ET)!, slug: "intro" } }))._tag).toBe("Write");
  });

  it("an event type is deleted though another event type has meetings to come", () => {
    const s = snapshotOf({ eventTypes: new Map([[ET, eventType()], [OTHER_ET, eventType({ id: OTHER_ET, slug: "other" })]]), bookings: [booking(TEN, { eventTypeId: OTHER_ET })] });
    const d = writeOf(decideDeleteEventType(s, new DeleteEventType({ id: ET }), NOW));
    expect(d.write).toEqual({ _tag: "DeleteEventType", id: ET });
    expect(refusalOf(decideDeleteEventType(s, new DeleteEventType({ id: OTHER_ET }), NOW))).toMatchObject({
      message: "It has upcoming meetings: turn it off instead (they stay booked), or cancel them first.",
    });
  });

  it("says each refusal in words", () => {
    const s = snapshotOf();
    const message = (d: Decision<unknown, unknown>) => refusalOf(d)["message"];
    expect(message(decideRules(s, new ReplaceWeeklyRules({ rules: [{ weekday: 7, start: 0, end: 60 }] }, true)))).toBe("must be 0 (Sunday) to 6 (Saturday)");
    expect(message(decideOverride(s, new SetDateOverride({ date: -1, windows: [] }, true)))).toBe("must be a date");
    expect(message(decideOverride(s, new SetDateOverride({ date: 1, windows: [], days: 0 }, true)))).toBe(`must be within ${MAX_OVERRIDE_DAYS} days of the first date`);
    const foreign = "00000000-0000-4000-8000-00000000beef" as ScheduleId;
    const { id: _id, hostId: _host, ...fields } = eventType({ slug: "x", scheduleId: foreign });
    expect(message(decideEventType(s, new SaveEventType({ id: null, fields })))).toBe("must be one of your schedules");
    const profile = (changes: Partial<SaveProfile>) => new SaveProfile({ name: "A", slug: "ada", timeZone: "UTC", bio: "", locale: "en", ...changes });
    expect(decideProfile(s, profile({}))._tag).toBe("Write");
    expect(message(decideProfile(s, profile({ name: "" })))).toBe("must be 1 to 200 characters");
    expect(message(decideProfile(s, profile({ bio: "b".repeat(1001) })))).toBe("must be at most 1000 characters");
    expect(message(decideProfile(s, profile({ timeZone: "Nowhere" })))).toBe("must be an IANA time zone such as Europe/Vienna");
    expect(message(decideProfile(s, profile({ slug: "api" })))).toBe("must be lowercase letters, digits and dashes, and not one of the server's own paths");
    expect(message(decideProfile(s, profile({ locale: "it" })))).toBe("must be one of en, de, fr, es");
    const full = snapshotOf({}, { rules: [], overrides: [], schedules: [{ id: foreign, name: "Mornings", rules: [] }] });
    expect(message(decideSaveSchedule(full, new SaveSchedule({ id: null, name: "mornings", rules: [] })))).toBe("is the name of another of your schedules");
  });

  it("tells schedule writes (every slot list changes) from booking writes", () => {
    const b = booking(TEN);
    const scheduleWrites = [
      { _tag: "Rules", rules: [] },
      { _tag: "Schedule", schedule: { id: "s", name: "n", rules: [] } },
      { _tag: "DeleteSchedule", id: "s" },
      { _tag: "Override", dates: [], windows: null },
      { _tag: "EventType", eventType: eventType(), isNew: true },
      { _tag: "Profile", name: "", slug: "", timeZone: "UTC", bio: "", locale: "en" },
      { _tag: "Active", active: true },
      { _tag: "DeleteEventType", id: ET },
    ] as const;
    for (const w of scheduleWrites) expect(isScheduleWrite(w as never), w._tag).toBe(true);
    const bookingWrites = [
      { _tag: "Insert", booking: b },
      { _tag: "Cancel", cancellation: { id: b.id, by: "host", reason: null } },
      { _tag: "Accept", id: b.id },
      { _tag: "Decline", id: b.id, reason: null },
    ] as const;
    for (const w of bookingWrites) expect(isScheduleWrite(w as never), w._tag).toBe(false);
  });

  it("a write on a booking memory does not hold touches nothing", () => {
    const s = snapshotOf();
    const id = booking(TEN).id;
    expect(spanOfWrite({ _tag: "Decline", id, reason: null }, s)).toEqual([]);
    const move = { id, by: "host" as const, fromVersion: 1, start: epochMs(TEN), end: epochMs(TEN + HOUR_MS), bufferBeforeMinutes: 0, bufferAfterMinutes: 0, previousStart: epochMs(TEN), reason: null };
    expect(spanOfWrite({ _tag: "Reschedule", move }, s)).toEqual([TEN, TEN + HOUR_MS]);
  });
});

describe("the snapshot's reads", () => {
  /** Mondays only, 09:00–10:30: three half-hour slots a week. */
  const mondays = { rules: [{ weekday: 1, start: wallMinutes(9 * 60), end: wallMinutes(10 * 60 + 30) }], overrides: [], schedules: [] };
  const NINE = MONDAY + 9 * HOUR_MS;
  const WEEK = 7 * DAY_MS;

  it("suggests the nearest other times, nearer first and earlier on a tie, skipping the one asked", () => {
    const s = snapshotOf({ bookings: [booking(NINE + 30 * MINUTE_MS)] }, mondays);
    expect(s.alternatives(eventType(), NINE + 30 * MINUTE_MS, NOW)).toEqual([NINE, NINE + HOUR_MS, NINE + WEEK, NINE + WEEK + 30 * MINUTE_MS, NINE + WEEK + HOUR_MS]);
    expect(s.alternatives(eventType(), NINE, NOW, 2)).toEqual([NINE + HOUR_MS, NINE + WEEK]);
    // After every offered time: walks back from the last.
    const near = snapshotOf({ eventTypes: new Map([[ET, eventType({ maxDaysAhead: 8 })]]) }, mondays);
    expect(near.alternatives(near.eventTypes.get(ET)!, NINE + WEEK + 3 * HOUR_MS, NOW, 4)).toEqual([NINE + WEEK + HOUR_MS, NINE + WEEK + 30 * MINUTE_MS, NINE + WEEK, NINE + HOUR_MS]);
    // Fewer offered than asked for: all of them.
    expect(near.alternatives(near.eventTypes.get(ET)!, NINE, NOW, 10)).toHaveLength(5);
  });

  it("blocks a booking's buffers, counts only its own event type's meetings toward a daily limit, and never a hold", () => {
    const buffered = withBookings(booking(TEN, { bufferAfterMinutes: 30, bufferBeforeMinutes: 30 }));
    expect(buffered.check(eventType(), TEN + 30 * MINUTE_MS, NOW)).toEqual({ offered: false, reason: "SlotTaken" });
    expect(buffered.check(eventType(), TEN - 30 * MINUTE_MS, NOW)).toEqual({ offered: false, reason: "SlotTaken" });
    expect(buffered.check(eventType(), TEN + HOUR_MS, NOW)).toEqual({ offered: true });
    const daily = eventType({ maxPerDay: 1 });
    const otherKind = snapshotOf({ eventTypes: new Map([[ET, daily]]), bookings: [booking(TEN, { eventTypeId: OTHER_ET })] });
    expect(otherKind.check(daily, TEN + HOUR_MS, NOW)).toEqual({ offered: true });
    const heldDay = snapshotOf({ eventTypes: new Map([[ET, daily]]), holds: new Map([["h", held(TEN)]]) });
    expect(heldDay.check(daily, TEN + HOUR_MS, NOW)).toEqual({ offered: true });
  });

  it("offers an event type its named schedule's hours, and finds event types by address", () => {
    const evenings = "00000000-0000-4000-8000-0000000000ee" as ScheduleId;
    const availability = { ...mondays, schedules: [{ id: evenings, name: "Evenings", rules: [{ weekday: 1, start: wallMinutes(18 * 60), end: wallMinutes(19 * 60) }] }] };
    const late = eventType({ scheduleId: evenings });
    const s = snapshotOf({ eventTypes: new Map([[ET, late]]) }, availability);
    expect(s.slots(late, MONDAY, MONDAY + DAY_MS, NOW)).toEqual([MONDAY + 18 * HOUR_MS, MONDAY + 18.5 * HOUR_MS]);
    // Slot inputs are kept per event type id and length: the host's own hours need a snapshot of their own.
    expect(snapshotOf({}, availability).slots(eventType(), MONDAY, MONDAY + DAY_MS, NOW)).toEqual([NINE, NINE + 30 * MINUTE_MS, NINE + HOUR_MS]);
    expect(s.eventTypeBySlug("intro")).toBe(late);
    expect(s.eventTypeBySlug("nope")).toBeUndefined();
  });

  it("a hold of another event type at the same time and length is no hold of this one; one email without bookings may book", () => {
    const s = snapshotOf({ eventTypes: new Map([[ET, eventType()], [OTHER_ET, eventType({ id: OTHER_ET, slug: "other" })]]), holds: new Map([["hold-1", held(TEN, { eventTypeId: OTHER_ET })]]) });
    expect(refusalOf(decideBook(s, book(TEN, { holdToken: "hold-1" }), NOW, limits))).toMatchObject({ _tag: "HoldInvalid" });
    expect(decideBook(snapshotOf(), book(TEN), NOW, { maxBookingsPerEmail: 1 })._tag).toBe("Write");
  });
});

describe("changes made only to the version a client read (If-Match)", () => {
  const withEventType = snapshotOf({ eventTypes: new Map([[ET, eventType()]]) });
  const { id: _, hostId: __, ...current } = eventType();
  const tag = eventTypeTag(eventType());
  const availability = availabilityTag("UTC", withEventType.availability);

  it("tags an event type by every field a client sets, and nothing else", () => {
    expect(eventTypeTag(eventType())).toBe(tag);
    expect(tag).toMatch(/^[A-Za-z0-9_-]{22}$/);
    for (const change of [{ title: "Other" }, { durationChoices: [30, 90] }, { active: false }, { maxPerWeek: 3 }, { questions: [{ id: "q", label: "Q", kind: "short_text" as const, required: false }] }]) {
      expect(eventTypeTag(eventType(change))).not.toBe(tag);
    }
    expect(availabilityTag("UTC", withEventType.availability)).not.toBe(availabilityTag("Europe/Vienna", withEventType.availability));
    expect(availabilityTag("UTC", { ...withEventType.availability, overrides: [{ date: localDate(20000), windows: [] }] })).not.toBe(availabilityTag("UTC", withEventType.availability));
    expect(matches(undefined, tag)).toBe(true);
    expect(matches(["*"], tag)).toBe(true);
    expect(matches(["old", tag], tag)).toBe(true);
    expect(matches([], tag)).toBe(false);
    expect(matches(["old"], tag)).toBe(false);
  });

  it("saves or deletes an event type only when the client's tag is current", () => {
    const save = (ifMatch: ReadonlyArray<string> | undefined) => decideEventType(withEventType, new SaveEventType({ id: ET, fields: { ...current, title: "New" }, ifMatch }));
    expect(save([tag])._tag).toBe("Write");
    expect(save(undefined)._tag).toBe("Write");
    expect(refusalOf(save(["stale"]))).toMatchObject({ _tag: "PreconditionFailed", what: "event type" });
    expect(refusalOf(decideDeleteEventType(withEventType, new DeleteEventType({ id: ET, ifMatch: ["stale"] }), NOW))).toMatchObject({ _tag: "PreconditionFailed" });
    expect(decideDeleteEventType(withEventType, new DeleteEventType({ id: ET, ifMatch: [tag] }), NOW)._tag).toBe("Write");
    // A new event type has no version to be stale against.
    expect(decideEventType(withEventType, new SaveEventType({ id: null, fields: { ...current, slug: "new" }, ifMatch: ["stale"] }))._tag).toBe("Write");
  });

  it("replaces the weekly hours or a date's hours only when the client's availability tag is current", () => {
    const rules = (ifMatch: ReadonlyArray<string>) => decideRules(withEventType, new ReplaceWeeklyRules({ rules: [], ifMatch }));
    expect(rules([availability])._tag).toBe("Write");
    expect(refusalOf(rules(["stale"]))).toMatchObject({ _tag: "PreconditionFailed", what: "availability" });
    const date = (ifMatch: ReadonlyArray<string>) => decideOverride(withEventType, new SetDateOverride({ date: 20000, windows: [], ifMatch }));
    expect(date([availability])._tag).toBe("Write");
    expect(refusalOf(date(["stale"]))).toMatchObject({ _tag: "PreconditionFailed", what: "availability" });
  });
});

describe("what a snapshot's slot input holds", () => {
  it("keeps a booking's buffers around it, in minutes", () => {
    const et = eventType({ durationChoices: [30], minimumNoticeMinutes: 0 });
    const s = snapshotOf({ eventTypes: new Map([[ET, et]]), bookings: [booking(TEN, { bufferBeforeMinutes: 30, bufferAfterMinutes: 30 })] });
    const listed = s.slots(et, TEN - 2 * HOUR_MS, TEN + 2 * HOUR_MS, NOW);
    // Open from 09:00; the booking at 10:00 holds 09:30 to 11:00 with its buffers.
    expect(listed).toEqual([TEN - HOUR_MS, TEN + HOUR_MS, TEN + 90 * MINUTE_MS]);
  });

  it("offers a time at exactly the minimum notice, and not a minute sooner", () => {
    const et = eventType({ minimumNoticeMinutes: 60 });
    const s = snapshotOf({ eventTypes: new Map([[ET, et]]) });
    expect(s.check(et, TEN, TEN - 60 * MINUTE_MS).offered).toBe(true);
    expect(s.check(et, TEN, TEN - 59 * MINUTE_MS)).toMatchObject({ offered: false, reason: "TooSoon" });
  });
});

describe("tags that see every part of what they tag", () => {
  it("changes an event type's tag with any part of a question, and the availability's with any window", () => {
    const question: Question = { id: "q", label: "Q", kind: "single_choice", required: false, options: ["a", "b"] };
    const tagWith = (q: Question) => eventTypeTag(eventType({ questions: [q] }));
    const base = tagWith(question);
    for (const changed of [{ ...question, id: "r" }, { ...question, label: "R" }, { ...question, required: true }, { ...question, options: ["a"] }]) expect(tagWith(changed)).not.toBe(base);
    const { options: _, ...withoutOptions } = question;
    expect(tagWith(withoutOptions)).not.toBe(tagWith({ ...question, options: [] }));
    const availability = { rules: [{ weekday: 1, start: wallMinutes(540), end: wallMinutes(600) }], overrides: [{ date: localDate(20000), windows: [{ start: wallMinutes(60), end: wallMinutes(120) }] }], schedules: [] };
    const tag = availabilityTag("UTC", availability);
    expect(availabilityTag("UTC", { ...availability, rules: [{ weekday: 1, start: wallMinutes(540), end: wallMinutes(660) }] })).not.toBe(tag);
    expect(availabilityTag("UTC", { ...availability, overrides: [{ date: localDate(20000), windows: [{ start: wallMinutes(60), end: wallMinutes(180) }] }] })).not.toBe(tag);
  });
});
