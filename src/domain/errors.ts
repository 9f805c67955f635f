import { Schema } from "effect";

/**
 * Every refusal the booking engine can give, as values. Each carries what a caller needs to
 * explain it; `src/http/problems.ts` gives each one HTTP status and one human sentence.
 */

export class SlotTaken extends Schema.TaggedError<SlotTaken>()("SlotTaken", {
  start: Schema.Number,
  /** Nearby starts that are still offered, nearest first. */
  alternatives: Schema.Array(Schema.Number),
}) {}

export class SlotNotOffered extends Schema.TaggedError<SlotNotOffered>()("SlotNotOffered", {
  start: Schema.Number,
}) {}

export class TooSoon extends Schema.TaggedError<TooSoon>()("TooSoon", {
  start: Schema.Number,
  minimumNoticeMinutes: Schema.Number,
}) {}

export class TooFarAhead extends Schema.TaggedError<TooFarAhead>()("TooFarAhead", {
  start: Schema.Number,
  maxDaysAhead: Schema.Number,
}) {}

export class DailyLimitReached extends Schema.TaggedError<DailyLimitReached>()("DailyLimitReached", {
  start: Schema.Number,
  maxPerDay: Schema.Number,
}) {}

export class WeeklyLimitReached extends Schema.TaggedError<WeeklyLimitReached>()("WeeklyLimitReached", {
  start: Schema.Number,
  maxPerWeek: Schema.Number,
}) {}

export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  what: Schema.Literal("host", "event type", "booking", "page", "notice", "webhook", "schedule"),
}) {}

export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  field: Schema.String,
  message: Schema.String,
}) {}

/** An update sent with `If-Match` for a version that is no longer current. */
export class PreconditionFailed extends Schema.TaggedError<PreconditionFailed>()("PreconditionFailed", {
  what: Schema.Literal("event type", "availability"),
}) {}

export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  message: Schema.String,
}) {}

export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  retryAfterSeconds: Schema.Number,
}) {}

/** A live hold for another time or meeting than the one booked. (A hold that ran out, or is unknown, is no refusal: the time is checked instead.) */
export class HoldInvalid extends Schema.TaggedError<HoldInvalid>()("HoldInvalid", {
  reason: Schema.Literal("other-slot"),
}) {}

/** The host's holds are all taken, or this client address holds as many as it may. */
export class TooManyHolds extends Schema.TaggedError<TooManyHolds>()("TooManyHolds", {
  by: Schema.Literal("host", "address"),
}) {}

/** This invitee already has this very meeting booked. */
export class DuplicateBooking extends Schema.TaggedError<DuplicateBooking>()("DuplicateBooking", {
  start: Schema.Number,
}) {}

/** This invitee email already has as many upcoming meetings with the host as it may. */
export class TooManyBookings extends Schema.TaggedError<TooManyBookings>()("TooManyBookings", {
  limit: Schema.Number,
}) {}

export class IdempotencyKeyReused extends Schema.TaggedError<IdempotencyKeyReused>()("IdempotencyKeyReused", {}) {}

/** A request with the same Idempotency-Key is still being answered. */
export class RequestInProgress extends Schema.TaggedError<RequestInProgress>()("RequestInProgress", {}) {}

export class BookingNotActive extends Schema.TaggedError<BookingNotActive>()("BookingNotActive", {
  status: Schema.Literal("cancelled", "declined", "past"),
}) {}

/**
 * Refusals are expected answers, not faults: they are built without a stack trace (capturing
 * one dominated the cost of answering a conflict) and without re-validating their fields.
 */
export const refusalOf = <A>(make: () => A): A => {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
};

/** The policy refusals a slot can get, by the names `checkSlot` uses. */
export type SlotRefusal = SlotTaken | SlotNotOffered | TooSoon | TooFarAhead | DailyLimitReached | WeeklyLimitReached;

export const SlotRefusal = Schema.Union(SlotTaken, SlotNotOffered, TooSoon, TooFarAhead, DailyLimitReached, WeeklyLimitReached);
