import { createHash, randomBytes, randomUUID } from "node:crypto";
import { Schema, type Request } from "effect";
import {
  refusalOf,
  BookingNotActive,
  DailyLimitReached,
  WeeklyLimitReached,
  DuplicateBooking,
  HoldInvalid,
  IdempotencyKeyReused,
  InvalidInput,
  NotFound,
  PreconditionFailed,
  SlotNotOffered,
  SlotTaken,
  TooFarAhead,
  TooManyBookings,
  TooManyHolds,
  TooSoon,
  type SlotRefusal,
} from "../domain/errors.ts";
import { asBooked, durationChoicesOf, MAX_SCHEDULES, withDuration, type Availability, type Booking, type NamedSchedule, type ScheduleId, type BookingId, type EventType, type EventTypeId } from "../domain/model.ts";
import type { Window, WeeklyRule } from "../domain/schedule.ts";
import { answerProblems, eventTypeProblem, RESERVED_HOST_SLUGS, SLUG, windowProblem } from "../domain/validation.ts";
import type { Refusal } from "../domain/slots.ts";
import { epochMs, localDate, MINUTE_MS, wallMinutes, type LocalDate } from "../domain/time.ts";
import { canonicalTimeZone } from "../domain/zone.ts";
import { availabilityTag, eventTypeTag, matches } from "../domain/etag.ts";
import { isLocale } from "../i18n/i18n.ts";
import type { Cancellation, Rescheduling } from "../persistence/BookingRepository.ts";
import { holdIsFor, openTimesOf, type HostSnapshot, type Hold as HeldSlot } from "./HostSnapshot.ts";
import type {
  Book,
  Cancel,
  Hold,
  HoldGrant,
  Release,
  Renew,
  ReplaceWeeklyRules,
  Reschedule,
  SaveEventType,
  SaveProfile,
  SetDateOverride,
  SetHostActive,
  Accept,
  Decline,
  DeleteEventType,
  DeleteSchedule,
  SaveSchedule,
} from "./protocol.ts";
import { MAX_OVERRIDE_DAYS } from "./protocol.ts";

/**
 * What a host actor does with one command, decided against its current (in-memory) state.
 * Pure apart from fresh ids and tokens: the actor persists `Write`s, then adopts `next`.
 * `A` and `E` are what the command's sender may be told: its protocol Schema's success and failure.
 */
export type Decision<A, E> =
  /** Answered from memory; nothing changes. */
  | Answered<A>
  | Refused<E>
  /** Changes memory only (holds live in memory). */
  | { readonly _tag: "Apply"; readonly next: HostSnapshot; readonly result: A; readonly hold?: HeldSlot }
  /** Changes the database first, then memory. */
  | { readonly _tag: "Write"; readonly write: Write; readonly next: HostSnapshot; readonly result: A };

export interface Answered<A> {
  readonly _tag: "Answer";
  readonly result: A;
}
export interface Refused<E> {
  readonly _tag: "Refuse";
  readonly error: E;
}

/** The decision on one message, typed by what its Schema says it answers. */
export type DecisionFor<M extends Request.Request<unknown, unknown>> = Decision<Request.Request.Success<M>, Request.Request.Error<M>>;

export type Write =
  | { readonly _tag: "Insert"; readonly booking: Booking }
  | { readonly _tag: "Cancel"; readonly cancellation: Cancellation }
  | { readonly _tag: "Reschedule"; readonly move: Rescheduling }
  | { readonly _tag: "Rules"; readonly rules: ReadonlyArray<WeeklyRule> }
  | { readonly _tag: "Schedule"; readonly schedule: NamedSchedule }
  | { readonly _tag: "DeleteSchedule"; readonly id: ScheduleId }
  | { readonly _tag: "Override"; readonly dates: ReadonlyArray<LocalDate>; readonly windows: ReadonlyArray<Window> | null }
  | { readonly _tag: "EventType"; readonly eventType: EventType; readonly isNew: boolean }
  | { readonly _tag: "Profile"; readonly name: string; readonly slug: string; readonly timeZone: string; readonly bio: string; readonly locale: string }
  | { readonly _tag: "Active"; readonly active: boolean }
  | { readonly _tag: "DeleteEventType"; readonly id: EventTypeId }
  | { readonly _tag: "Accept"; readonly id: BookingId }
  | { readonly _tag: "Decline"; readonly id: BookingId; readonly reason: string | null };

/** Schedule writes change what every slot list offers: pages re-fetch rather than diff. */
export const isScheduleWrite = (w: Write) => w._tag === "Rules" || w._tag === "Schedule" || w._tag === "DeleteSchedule" || w._tag === "Override" || w._tag === "EventType" || w._tag === "Profile" || w._tag === "Active" || w._tag === "DeleteEventType";

/** Internal: a hold's timer ran out. */
export class Expire extends Schema.TaggedRequest<Expire>()("Expire", {
  failure: Schema.Never,
  success: Schema.Void,
  payload: { token: Schema.String },
}) {}

export interface Limits {
  readonly holdMs: number;
  /** How long a renewed hold lasts past its last renewal. */
  readonly holdLeaseMs: number;
  readonly maxHoldsPerHost: number;
  readonly maxHoldsPerAddress: number;
  readonly maxBookingsPerEmail: number;
}

const answer = <A>(result: A): Answered<A> => ({ _tag: "Answer", result });
const refuse = <E>(make: () => E): Refused<E> => ({ _tag: "Refuse", error: refusalOf(make) });

const refusal = (snapshot: HostSnapshot, et: EventType, reason: Refusal, start: number, now: number): SlotRefusal => {
  switch (reason) {
    case "TooSoon":
      return new TooSoon({ start, minimumNoticeMinutes: et.minimumNoticeMinutes });
    case "TooFarAhead":
      return new TooFarAhead({ start, maxDaysAhead: et.maxDaysAhead ?? 0 });
    case "DailyLimitReached":
      return new DailyLimitReached({ start, maxPerDay: et.maxPerDay ?? 0 });
    case "WeeklyLimitReached":
      return new WeeklyLimitReached({ start, maxPerWeek: et.maxPerWeek ?? 0 });
    case "SlotNotOffered":
      return new SlotNotOffered({ start }, true);
    case "SlotTaken":
      return new SlotTaken({ start, alternatives: snapshot.alternatives(et, start, now) }, true);
  }
};

export const slotTaken = (snapshot: HostSnapshot, et: EventType | undefined, start: number, now: number) =>
  refusalOf(() => new SlotTaken({ start, alternatives: et === undefined ? [] : snapshot.alternatives(et, start, now) }, true));

/** An event type invitees may book: it is on, and so is its host. */
const activeEventType = (snapshot: HostSnapshot, id: string) => {
  const et = snapshot.eventTypes.get(id as EventType["id"]);
  return et !== undefined && et.active && snapshot.host.active ? et : undefined;
};

/** The bookable event type at the asked length, or why not. */
const offeredAt = (snapshot: HostSnapshot, id: string, minutes: number | undefined): EventType | Refused<NotFound | InvalidInput> => {
  const et = activeEventType(snapshot, id);
  if (et === undefined) return refuse(() => new NotFound({ what: "event type" }));
  const sized = minutes === undefined ? et : withDuration(et, minutes);
  return sized ?? refuse(() => new InvalidInput({ field: "duration", message: `must be one of ${et.durationChoices.join(", ")} minutes` }));
};

const isRefused = <E>(x: EventType | Refused<E>): x is Refused<E> => "_tag" in x;

const TOKEN_BYTES = 16;
let tokenPool = Buffer.alloc(0);
let tokenOffset = 0;

/**
 * 128 random bits, URL-safe: unguessable manage links and hold tokens. The bytes come from the
 * system's generator 256 tokens at a time (one call per booking showed up in storm profiles).
 */
export const newToken = () => {
  if (tokenOffset + TOKEN_BYTES > tokenPool.length) {
    tokenPool = randomBytes(TOKEN_BYTES * 256);
    tokenOffset = 0;
  }
  tokenOffset += TOKEN_BYTES;
  return tokenPool.toString("base64url", tokenOffset - TOKEN_BYTES, tokenOffset);
};

/** What an idempotent booking request asked for; the same key must always ask for the same. */
export const requestDigest = (p: Book): string =>
  createHash("sha256")
    .update(
      JSON.stringify([p.eventTypeId, p.start, p.invitee.name, p.invitee.email, p.invitee.timeZone, p.answers, ...(p.durationMinutes === undefined ? [] : [p.durationMinutes])]),
    )
    .digest("base64url");

const replay = (existing: Booking, p: Book): DecisionFor<Book> =>
  existing.requestDigest === requestDigest(p) ? answer(existing) : refuse(() => new IdempotencyKeyReused({}, true));


const insertSorted = (bookings: ReadonlyArray<Booking>, booking: Booking): Booking[] => {
  const next = bookings.slice();
  let i = next.length;
  while (i > 0 && next[i - 1]!.start > booking.start) i--;
  next.splice(i, 0, booking);
  return next;
};

const withoutHold = (holds: ReadonlyMap<string, HeldSlot>, token: string | undefined) => {
  if (token === undefined || !holds.has(token)) return holds;
  const next = new Map(holds);
  next.delete(token);
  return next;
};

const holdOfVisitor = (snapshot: HostSnapshot, visitor: string | null) => {
  if (visitor === null) return undefined;
  for (const h of snapshot.holds.values()) if (h.visitor === visitor) return h;
  return undefined;
};


/** Whether a booking request can be accepted, without building anything: cheap enough for every request. */
/**
 * One invitee email may not book the same meeting twice, nor hold more than a few upcoming
 * meetings with one host: a script with one address book cannot empty a calendar.
 */
const emailProblem = (s: HostSnapshot, et: EventType, p: Book, now: number, maxPerEmail: number) => {
  let upcoming = 0;
  for (const b of s.bookingsOfEmail(p.invitee.email)) {
    if (b.end <= now) continue;
    if (b.start === p.start && b.eventTypeId === et.id) return new DuplicateBooking({ start: p.start }, true);
    upcoming++;
  }
  return upcoming >= maxPerEmail ? new TooManyBookings({ limit: maxPerEmail }, true) : undefined;
};

/** Whether a hold is for this meeting: the event type, the start and the length. */
const holdsTime = (hold: HeldSlot, et: EventType, start: number) => holdIsFor(hold, et) && hold.start === start;

export const judgeBook = (
  s: HostSnapshot,
  p: Book,
  now: number,
  limits: Pick<Limits, "maxBookingsPerEmail">,
): DecisionFor<Book> | { readonly _tag: "Accept"; readonly eventType: EventType; readonly ownHold: HeldSlot | undefined } => {
  if (activeEventType(s, p.eventTypeId) === undefined) return refuse(() => new NotFound({ what: "event type" }));
  if (p.idempotencyKey !== null) {
    const existing = s.byIdempotencyKey.get(p.idempotencyKey);
    if (existing !== undefined) return replay(existing, p);
  }
  const et = offeredAt(s, p.eventTypeId, p.durationMinutes);
  if (isRefused(et)) return et;
  const invalid = answerProblems(et, p.answers)[0];
  if (invalid !== undefined) return refuse(() => invalid);
  const tooMany = emailProblem(s, et, p, now, limits.maxBookingsPerEmail);
  if (tooMany !== undefined) return { _tag: "Refuse", error: tooMany };

  // A live hold lets its holder book the time; a hold that ran out (or was lost with a restart)
  // is no reason to refuse: the time itself is checked, for the form and the API alike.
  let ownHold: HeldSlot | undefined;
  const named = p.holdToken === null ? undefined : s.holds.get(p.holdToken);
  if (named !== undefined && named.expiresAt > now) {
    ownHold = named;
    if (!holdsTime(ownHold, et, p.start)) return refuse(() => new HoldInvalid({ reason: "other-slot" }));
  } else {
    const held = holdOfVisitor(s, p.visitor);
    if (held !== undefined && holdsTime(held, et, p.start)) ownHold = held;
  }

  const verdict = s.check(et, p.start, now, ownHold?.token);
  if (!verdict.offered) return refuse(() => refusal(s, et, verdict.reason, p.start, now));
  return { _tag: "Accept", eventType: et, ownHold };
};

export const decideBook = (s: HostSnapshot, p: Book, now: number, limits: Pick<Limits, "maxBookingsPerEmail">): DecisionFor<Book> => {
  const judged = judgeBook(s, p, now, limits);
  if (judged._tag !== "Accept") return judged;
  const { eventType: et, ownHold } = judged;
  const booking: Booking = {
    id: randomUUID() as BookingId,
    hostId: s.host.id,
    eventTypeId: et.id,
    // The database's default too, so memory and a reload agree.
    invitee: { ...p.invitee, locale: p.invitee.locale ?? "en" },
    answers: p.answers,
    start: epochMs(p.start),
    end: epochMs(p.start + et.durationMinutes * MINUTE_MS),
    bufferBeforeMinutes: et.bufferBeforeMinutes,
    bufferAfterMinutes: et.bufferAfterMinutes,
    status: et.requiresConfirmation ? "pending" : "confirmed",
    manageToken: newToken(),
    idempotencyKey: p.idempotencyKey,
    requestDigest: p.idempotencyKey === null ? null : requestDigest(p),
    version: 1,
    cancelledBy: null,
    cancelReason: null,
    createdAt: epochMs(now),
  };
  const byIdempotencyKey = new Map(s.byIdempotencyKey);
  if (booking.idempotencyKey !== null) byIdempotencyKey.set(booking.idempotencyKey, booking);
  return {
    _tag: "Write",
    write: { _tag: "Insert", booking },
    next: s.with({
      bookings: insertSorted(s.bookings, booking),
      byIdempotencyKey,
      holds: withoutHold(s.holds, ownHold?.token),
    }),
    result: booking,
  };
};

/** Live holds from one client address, but for the one its visitor is about to replace. */
const holdsOfAddress = (s: HostSnapshot, address: string, replaced: HeldSlot | undefined) => {
  let n = 0;
  for (const h of s.holds.values()) if (h.address === address && h !== replaced) n++;
  return n;
};

export const decideHold = (s: HostSnapshot, p: Hold, now: number, limits: Limits): DecisionFor<Hold> => {
  const et = offeredAt(s, p.eventTypeId, p.durationMinutes);
  if (isRefused(et)) return et;
  const previous = holdOfVisitor(s, p.visitor);
  const verdict = s.check(et, p.start, now, previous?.token);
  if (!verdict.offered) return refuse(() => refusal(s, et, verdict.reason, p.start, now));
  const others = s.holds.size - (previous === undefined ? 0 : 1);
  if (others >= limits.maxHoldsPerHost) return refuse(() => new TooManyHolds({ by: "host" }));
  if (p.address !== null && holdsOfAddress(s, p.address, previous) >= limits.maxHoldsPerAddress) {
    return refuse(() => new TooManyHolds({ by: "address" }));
  }
  const hold: HeldSlot = {
    token: newToken(),
    eventTypeId: et.id,
    visitor: p.visitor,
    address: p.address,
    start: epochMs(p.start),
    end: epochMs(p.start + et.durationMinutes * MINUTE_MS),
    bufferBeforeMs: et.bufferBeforeMinutes * MINUTE_MS,
    bufferAfterMs: et.bufferAfterMinutes * MINUTE_MS,
    expiresAt: epochMs(now + limits.holdMs),
    deadline: epochMs(now + limits.holdMs),
  };
  const holds = new Map(withoutHold(s.holds, previous?.token));
  holds.set(hold.token, hold);
  const grant: HoldGrant = { token: hold.token, eventTypeId: et.id, start: hold.start, end: hold.end, expiresAt: hold.expiresAt };
  return { _tag: "Apply", next: s.with({ holds }), result: grant, hold };
};

export const decideExpire = (s: HostSnapshot, e: Expire, now: number): DecisionFor<Expire> => {
  const hold = s.holds.get(e.token);
  if (hold === undefined || hold.expiresAt > now) return answer(undefined);
  return { _tag: "Apply", next: s.with({ holds: withoutHold(s.holds, e.token) }), result: undefined };
};

export const decideRenew = (s: HostSnapshot, p: Renew, now: number, limits: Pick<Limits, "holdLeaseMs">): DecisionFor<Renew> => {
  const hold = s.holds.get(p.token);
  if (hold === undefined || hold.expiresAt <= now) return answer(false);
  const renewed: HeldSlot = { ...hold, expiresAt: epochMs(Math.min(hold.deadline, now + limits.holdLeaseMs)) };
  const holds = new Map(s.holds);
  holds.set(renewed.token, renewed);
  return { _tag: "Apply", next: s.with({ holds }), result: true, hold: renewed };
};

export const decideRelease = (s: HostSnapshot, p: Release): DecisionFor<Release> =>
  s.holds.has(p.token)
    ? { _tag: "Apply", next: s.with({ holds: withoutHold(s.holds, p.token) }), result: undefined }
    : answer(undefined);

/**
 * Cancel and reschedule act on bookings in memory: confirmed and not yet over. Anything else
 * is looked up by the actor (`BookingLookup`) to say why not.
 */
export type BookingLookup = { readonly _tag: "Lookup"; readonly bookingId: BookingId };

export const decideCancel = (s: HostSnapshot, p: Cancel, now: number): DecisionFor<Cancel> | BookingLookup => {
  const booking = s.bookingById(p.bookingId);
  if (booking === undefined) return { _tag: "Lookup", bookingId: p.bookingId };
  if (booking.end <= now) return refuse(() => new BookingNotActive({ status: "past" }));
  const cancelled: Booking = { ...booking, status: "cancelled", cancelledBy: p.by, cancelReason: p.reason, version: booking.version + 1 };
  const byIdempotencyKey = new Map(s.byIdempotencyKey);
  if (booking.idempotencyKey !== null) byIdempotencyKey.set(booking.idempotencyKey, cancelled);
  return {
    _tag: "Write",
    write: { _tag: "Cancel", cancellation: { id: booking.id, by: p.by, reason: p.reason } },
    next: s.with({ bookings: s.bookings.filter((b) => b.id !== booking.id), byIdempotencyKey }),
    result: cancelled,
  };
};

/** A pending booking in memory, for the host's answer to it. */
const pendingBooking = (s: HostSnapshot, id: BookingId, now: number): Booking | BookingLookup | Refused<BookingNotActive | InvalidInput> => {
  const booking = s.bookingById(id);
  if (booking === undefined) return { _tag: "Lookup", bookingId: id };
  if (booking.end <= now) return refuse(() => new BookingNotActive({ status: "past" }));
  if (booking.status !== "pending") return refuse(() => new InvalidInput({ field: "booking", message: "is not waiting for your confirmation" }));
  return booking;
};

const replaced = (s: HostSnapshot, booking: Booking) => {
  const byIdempotencyKey = new Map(s.byIdempotencyKey);
  if (booking.idempotencyKey !== null) byIdempotencyKey.set(booking.idempotencyKey, booking);
  return byIdempotencyKey;
};

export const decideAccept = (s: HostSnapshot, p: Accept, now: number): DecisionFor<Accept> | BookingLookup => {
  const found = pendingBooking(s, p.bookingId, now);
  if ("_tag" in found) return found;
  const accepted: Booking = { ...found, status: "confirmed", version: found.version + 1 };
  return {
    _tag: "Write",
    write: { _tag: "Accept", id: found.id },
    next: s.with({ bookings: s.bookings.map((b) => (b.id === found.id ? accepted : b)), byIdempotencyKey: replaced(s, accepted) }),
    result: accepted,
  };
};

export const decideDecline = (s: HostSnapshot, p: Decline, now: number): DecisionFor<Decline> | BookingLookup => {
  const found = pendingBooking(s, p.bookingId, now);
  if ("_tag" in found) return found;
  const declined: Booking = { ...found, status: "declined", cancelledBy: "host", cancelReason: p.reason, version: found.version + 1 };
  return {
    _tag: "Write",
    write: { _tag: "Decline", id: found.id, reason: p.reason },
    next: s.with({ bookings: s.bookings.filter((b) => b.id !== found.id), byIdempotencyKey: replaced(s, declined) }),
    result: declined,
  };
};

export const decideReschedule = (s: HostSnapshot, p: Reschedule, now: number): DecisionFor<Reschedule> | BookingLookup => {
  const booking = s.bookingById(p.bookingId);
  if (booking === undefined) return { _tag: "Lookup", bookingId: p.bookingId };
  if (booking.end <= now) return refuse(() => new BookingNotActive({ status: "past" }));
  const bookedAs = s.eventTypes.get(booking.eventTypeId);
  if (bookedAs === undefined) return refuse(() => new NotFound({ what: "event type" }));
  const et = asBooked(bookedAs, booking);
  const verdict = s.check(et, p.start, now, booking.id);
  if (!verdict.offered) return refuse(() => refusal(s, et, verdict.reason, p.start, now));
  const moved: Booking = {
    ...booking,
    start: epochMs(p.start),
    end: epochMs(p.start + et.durationMinutes * MINUTE_MS),
    bufferBeforeMinutes: et.bufferBeforeMinutes,
    bufferAfterMinutes: et.bufferAfterMinutes,
    version: booking.version + 1,
  };
  const byIdempotencyKey = new Map(s.byIdempotencyKey);
  if (booking.idempotencyKey !== null) byIdempotencyKey.set(booking.idempotencyKey, moved);
  return {
    _tag: "Write",
    write: {
      _tag: "Reschedule",
      move: {
        id: booking.id,
        by: p.by,
        fromVersion: booking.version,
        start: moved.start,
        end: moved.end,
        bufferBeforeMinutes: moved.bufferBeforeMinutes,
        bufferAfterMinutes: moved.bufferAfterMinutes,
        previousStart: booking.start,
        reason: p.reason,
      },
    },
    next: s.with({ bookings: insertSorted(s.bookings.filter((b) => b.id !== booking.id), moved), byIdempotencyKey }),
    result: moved,
  };
};

const toWindows = (windows: ReadonlyArray<{ start: number; end: number }>): Window[] =>
  windows.map((w) => ({ start: wallMinutes(w.start), end: wallMinutes(w.end) }));

/** The hours changed: new open-time memos, everything else carried over. */
const withAvailability = (s: HostSnapshot, changes: Partial<Availability>) => {
  const availability = { ...s.availability, ...changes };
  return s.with({ availability, ...openTimesOf(s.host.timeZone, availability) });
};

/** Weekly rules as posted, or the first wrong one. */
const rulesOf = (posted: ReplaceWeeklyRules["rules"]): WeeklyRule[] | InvalidInput => {
  for (const [i, r] of posted.entries()) {
    if (!Number.isInteger(r.weekday) || r.weekday < 0 || r.weekday > 6) {
      return new InvalidInput({ field: `rules[${i}].weekday`, message: "must be 0 (Sunday) to 6 (Saturday)" });
    }
    const problem = windowProblem(r, `rules[${i}]`);
    if (problem !== undefined) return problem;
  }
  return posted.map((r) => ({ weekday: r.weekday, start: wallMinutes(r.start), end: wallMinutes(r.end) }));
};

export const decideRules = (s: HostSnapshot, p: ReplaceWeeklyRules): DecisionFor<ReplaceWeeklyRules> => {
  if (!matches(p.ifMatch, availabilityTag(s.host.timeZone, s.availability))) return refuse(() => new PreconditionFailed({ what: "availability" }));
  const rules = rulesOf(p.rules);
  if (!Array.isArray(rules)) return refuse(() => rules);
  return { _tag: "Write", write: { _tag: "Rules", rules }, next: withAvailability(s, { rules }), result: undefined };
};

export const decideSaveSchedule = (s: HostSnapshot, p: SaveSchedule): DecisionFor<SaveSchedule> => {
  const name = p.name.trim();
  if (name.length < 1 || name.length > 80) return refuse(() => new InvalidInput({ field: "name", message: "must be 1 to 80 characters" }));
  const existing = p.id === null ? undefined : s.availability.schedules.find((n) => n.id === p.id);
  if (p.id !== null && existing === undefined) return refuse(() => new NotFound({ what: "schedule" }));
  if (s.availability.schedules.some((n) => n.id !== p.id && n.name.toLowerCase() === name.toLowerCase())) {
    return refuse(() => new InvalidInput({ field: "name", message: "is the name of another of your schedules" }));
  }
  if (existing === undefined && s.availability.schedules.length >= MAX_SCHEDULES) {
    return refuse(() => new InvalidInput({ field: "name", message: `cannot be added: you have ${MAX_SCHEDULES} schedules already` }));
  }
  const rules = rulesOf(p.rules);
  if (!Array.isArray(rules)) return refuse(() => rules);
  const schedule: NamedSchedule = { id: p.id ?? (randomUUID() as ScheduleId), name, rules };
  const schedules = [...s.availability.schedules.filter((n) => n.id !== schedule.id), schedule].sort((a, b) => a.name.localeCompare(b.name));
  return { _tag: "Write", write: { _tag: "Schedule", schedule }, next: withAvailability(s, { schedules }), result: schedule.id };
};

export const decideDeleteSchedule = (s: HostSnapshot, p: DeleteSchedule): DecisionFor<DeleteSchedule> => {
  if (!s.availability.schedules.some((n) => n.id === p.id)) return refuse(() => new NotFound({ what: "schedule" }));
  const user = [...s.eventTypes.values()].find((e) => e.scheduleId === p.id && e.deleted !== true);
  if (user !== undefined) {
    return refuse(() => new InvalidInput({ field: "schedule", message: `is used by ${user.title}: choose other hours for it first` }));
  }
  const eventTypes = new Map([...s.eventTypes].map(([id, e]) => [id, e.scheduleId === p.id ? { ...e, scheduleId: null } : e]));
  const next = withAvailability(s, { schedules: s.availability.schedules.filter((n) => n.id !== p.id) }).with({ eventTypes });
  return { _tag: "Write", write: { _tag: "DeleteSchedule", id: p.id }, next, result: undefined };
};

export const decideOverride = (s: HostSnapshot, p: SetDateOverride): DecisionFor<SetDateOverride> => {
  if (!matches(p.ifMatch, availabilityTag(s.host.timeZone, s.availability))) return refuse(() => new PreconditionFailed({ what: "availability" }));
  if (!Number.isInteger(p.date) || p.date < 0 || p.date > 100_000) return refuse(() => new InvalidInput({ field: "date", message: "must be a date" }));
  const days = p.days ?? 1;
  if (!Number.isInteger(days) || days < 1 || days > MAX_OVERRIDE_DAYS) return refuse(() => new InvalidInput({ field: "until", message: `must be within ${MAX_OVERRIDE_DAYS} days of the first date` }));
  for (const [i, w] of (p.windows ?? []).entries()) {
    const problem = windowProblem(w, `windows[${i}]`);
    if (problem !== undefined) return refuse(() => problem);
  }
  const dates = Array.from({ length: days }, (_, k) => localDate(p.date + k));
  const windows = p.windows === null ? null : toWindows(p.windows);
  const overrides = s.availability.overrides.filter((o) => !dates.includes(o.date));
  if (windows !== null) overrides.push(...dates.map((date) => ({ date, windows })));
  return { _tag: "Write", write: { _tag: "Override", dates, windows }, next: withAvailability(s, { overrides }), result: undefined };
};

export const decideEventType = (s: HostSnapshot, p: SaveEventType): DecisionFor<SaveEventType> => {
  const problem = eventTypeProblem(p.fields);
  if (problem !== undefined) return refuse(() => problem);
  const existing = p.id === null ? undefined : s.eventTypes.get(p.id);
  if (p.id !== null && (existing === undefined || existing.deleted === true)) return refuse(() => new NotFound({ what: "event type" }));
  if (existing !== undefined && !matches(p.ifMatch, eventTypeTag(existing))) return refuse(() => new PreconditionFailed({ what: "event type" }));
  if (p.fields.scheduleId !== null && !s.availability.schedules.some((n) => n.id === p.fields.scheduleId)) {
    return refuse(() => new InvalidInput({ field: "scheduleId", message: "must be one of your schedules" }));
  }
  for (const other of s.eventTypes.values()) {
    if (other.slug === p.fields.slug && other.id !== p.id) return refuse(() => new InvalidInput({ field: "slug", message: "is already used by another event type" }));
  }
  const eventType: EventType = {
    ...p.fields,
    durationChoices: durationChoicesOf(p.fields.durationMinutes, p.fields.durationChoices),
    id: p.id ?? (randomUUID() as EventTypeId),
    hostId: s.host.id,
  };
  const eventTypes = new Map(s.eventTypes);
  eventTypes.set(eventType.id, eventType);
  return {
    _tag: "Write",
    write: { _tag: "EventType", eventType, isNew: existing === undefined },
    next: s.with({ eventTypes }),
    result: eventType.id,
  };
};

/**
 * The host's name, bio and zone. A new zone moves the weekly hours with it (they are wall
 * times in the host's zone); bookings keep their instants.
 */
export const decideProfile = (s: HostSnapshot, p: SaveProfile): DecisionFor<SaveProfile> => {
  const zone = canonicalTimeZone(p.timeZone);
  if (p.name.trim().length < 1 || p.name.length > 200) return refuse(() => new InvalidInput({ field: "name", message: "must be 1 to 200 characters" }));
  if (p.bio.length > 1000) return refuse(() => new InvalidInput({ field: "bio", message: "must be at most 1000 characters" }));
  if (zone === undefined) return refuse(() => new InvalidInput({ field: "timeZone", message: "must be an IANA time zone such as Europe/Vienna" }));
  if (!SLUG.test(p.slug) || RESERVED_HOST_SLUGS.has(p.slug)) return refuse(() => new InvalidInput({ field: "slug", message: "must be lowercase letters, digits and dashes, and not one of the server's own paths" }));
  if (!isLocale(p.locale)) return refuse(() => new InvalidInput({ field: "locale", message: "must be one of en, de, fr, es" }));
  const host = { ...s.host, name: p.name.trim(), slug: p.slug, bio: p.bio.trim(), timeZone: zone, locale: p.locale };
  const next = s.with({ host, ...openTimesOf(zone, s.availability) });
  return { _tag: "Write", write: { _tag: "Profile", name: host.name, slug: host.slug, timeZone: zone, bio: host.bio, locale: host.locale }, next, result: undefined };
};

/** The address a deleted event type gives up (the database writes the same). */
export const deletedSlug = (et: Pick<EventType, "slug" | "id">) => `${et.slug.slice(0, 40)}-deleted-${et.id.slice(0, 8)}`;

/** Only an event type without upcoming meetings is deleted; with some, the host turns it off. */
export const decideDeleteEventType = (s: HostSnapshot, p: DeleteEventType, now: number): DecisionFor<DeleteEventType> => {
  const et = s.eventTypes.get(p.id);
  if (et === undefined || et.deleted === true) return refuse(() => new NotFound({ what: "event type" }));
  if (!matches(p.ifMatch, eventTypeTag(et))) return refuse(() => new PreconditionFailed({ what: "event type" }));
  if (s.bookings.some((b) => b.eventTypeId === et.id && b.end > now)) {
    return refuse(() => new InvalidInput({ field: "eventType", message: "It has upcoming meetings: turn it off instead (they stay booked), or cancel them first." }));
  }
  const eventTypes = new Map(s.eventTypes);
  eventTypes.set(et.id, { ...et, active: false, deleted: true, slug: deletedSlug(et) });
  return { _tag: "Write", write: { _tag: "DeleteEventType", id: et.id }, next: s.with({ eventTypes }), result: undefined };
};

/** Existing bookings stay when a host is deactivated; nothing new can be booked. */
export const decideHostActive = (s: HostSnapshot, p: SetHostActive): DecisionFor<SetHostActive> => ({
  _tag: "Write",
  write: { _tag: "Active", active: p.active },
  next: s.with({ host: { ...s.host, active: p.active } }),
  result: undefined,
});

/** The instants a booking write touches, buffers included, to bound which slot lists it can change. */
export const spanOfWrite = (write: Write, before: HostSnapshot): ReadonlyArray<number> => {
  const span = (b: { start: number; end: number; bufferBeforeMinutes: number; bufferAfterMinutes: number }) => [
    b.start - b.bufferBeforeMinutes * MINUTE_MS,
    b.end + b.bufferAfterMinutes * MINUTE_MS,
  ];
  switch (write._tag) {
    case "Insert":
      return span(write.booking);
    case "Cancel": {
      const b = before.bookingById(write.cancellation.id);
      return b === undefined ? [] : span(b);
    }
    case "Decline": {
      const b = before.bookingById(write.id);
      return b === undefined ? [] : span(b);
    }
    case "Reschedule": {
      const b = before.bookingById(write.move.id);
      return [...(b === undefined ? [] : span(b)), ...span({ ...write.move })];
    }
    default:
      return [];
  }
};
