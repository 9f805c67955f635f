import { Data } from "effect";
import { isBookingError, type BookingError } from "../booking/errors.ts";

/** A body in a media type the route does not take (only the exact type, parameters aside). */
export class UnsupportedMediaType extends Data.TaggedError("UnsupportedMediaType")<{ readonly expected: string }> {}
/** A body larger than any request of ours needs. */
export class PayloadTooLarge extends Data.TaggedError("PayloadTooLarge")<{ readonly maxBytes: number }> {}

/** What a request can be refused with: the booking context's refusals and the edge's own. */
export type AppError = BookingError | UnsupportedMediaType | PayloadTooLarge;

/** One HTTP status, one stable problem type and one human sentence per error. */
export interface Problem {
  readonly status: number;
  /** The last segment of the RFC 9457 `type` URI. */
  readonly type: string;
  readonly title: string;
  readonly detail: string;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export const problemOf = (e: AppError): Problem => {
  switch (e._tag) {
    case "SlotTaken":
      return { status: 409, type: "slot-taken", title: "Time taken", detail: "Someone else just took that time. Please pick another one." };
    case "SlotNotOffered":
      return { status: 422, type: "slot-not-offered", title: "Time not offered", detail: "That time is not offered for this meeting." };
    case "TooSoon":
      return {
        status: 422,
        type: "too-soon",
        title: "Too soon",
        detail:
          e.minimumNoticeMinutes > 0
            ? `That time is too soon: this meeting needs ${plural(e.minimumNoticeMinutes, "minute", "minutes")} notice.`
            : "That time has already passed.",
      };
    case "TooFarAhead":
      return {
        status: 422,
        type: "too-far-ahead",
        title: "Too far ahead",
        detail: `That time is too far ahead: this meeting can be booked up to ${plural(e.maxDaysAhead, "day", "days")} in advance.`,
      };
    case "DailyLimitReached":
      return { status: 422, type: "daily-limit-reached", title: "Day fully booked", detail: "That day is fully booked. Please pick another day." };
    case "WeeklyLimitReached":
      return { status: 422, type: "weekly-limit-reached", title: "Week fully booked", detail: "That week is fully booked. Please pick another week." };
    case "NotFound":
      return { status: 404, type: "not-found", title: "Not found", detail: `We could not find that ${e.what}.` };
    case "InvalidInput":
      return { status: 400, type: "invalid-input", title: "Invalid input", detail: `${e.field}: ${e.message}` };
    case "Unauthorized":
      return { status: 403, type: "unauthorized", title: "Not allowed", detail: e.message };
    case "RateLimited":
      return { status: 429, type: "rate-limited", title: "Too many requests", detail: `Too many requests; try again in ${plural(e.retryAfterSeconds, "second", "seconds")}.` };
    case "HoldInvalid":
      return { status: 422, type: "hold-other-slot", title: "Hold is for another time", detail: "That hold is for a different time or meeting." };
    case "TooManyHolds":
      return e.by === "host"
        ? { status: 429, type: "too-many-holds", title: "Busy", detail: "Too many people are choosing a time with this host right now. Please try again in a minute." }
        : {
            status: 429,
            type: "too-many-holds-from-address",
            title: "Too many held times",
            detail: "Your network is already holding several times with this host. Finish or leave one of those forms, or try again in a few minutes.",
          };
    case "DuplicateBooking":
      return { status: 409, type: "duplicate-booking", title: "Already booked", detail: "You have already booked this meeting at this time. Check your confirmation." };
    case "TooManyBookings":
      return {
        status: 422,
        type: "too-many-bookings",
        title: "Too many bookings",
        detail: `You already have ${plural(e.limit, "upcoming meeting", "upcoming meetings")} with this host, the most one email address may book. Cancel one to book another.`,
      };
    case "UnsupportedMediaType":
      return { status: 415, type: "unsupported-media-type", title: "Unsupported media type", detail: `The body must be sent as ${e.expected}.` };
    case "PayloadTooLarge":
      return { status: 413, type: "payload-too-large", title: "Too large", detail: `The request body is larger than ${e.maxBytes} bytes.` };
    case "IdempotencyKeyReused":
      return { status: 422, type: "idempotency-key-reused", title: "Idempotency key reused", detail: "This idempotency key was already used for a different booking." };
    case "BookingNotActive":
      return e.status === "cancelled"
        ? { status: 409, type: "booking-cancelled", title: "Booking cancelled", detail: "This booking is cancelled." }
        : e.status === "declined"
          ? { status: 409, type: "booking-declined", title: "Request declined", detail: "The host declined this request." }
          : { status: 409, type: "booking-past", title: "Meeting over", detail: "This meeting is already over." };
    case "RequestInProgress":
      return { status: 409, type: "request-in-progress", title: "Still working", detail: "A request with this Idempotency-Key is still being answered; retry in a moment for its answer." };
    case "PreconditionFailed":
      return { status: 412, type: "precondition-failed", title: "Changed meanwhile", detail: `The ${e.what} changed since you read it: read it again (a new ETag) and decide again.` };
    case "StorageUnavailable":
      return { status: 503, type: "storage-unavailable", title: "Try again", detail: "We could not save that just now, and nothing was changed. Please try again." };
  }
};

/** How long to wait before trying again, for the refusals that pass. */
export const retryAfterOf = (e: AppError): ReadonlyArray<readonly [string, string]> => {
  switch (e._tag) {
    case "RateLimited":
      return [["Retry-After", String(e.retryAfterSeconds)]];
    case "TooManyHolds":
      return [["Retry-After", "60"]];
    case "RequestInProgress":
      return [["Retry-After", "1"]];
    case "StorageUnavailable":
      return [["Retry-After", "5"]];
    default:
      return [];
  }
};

const EDGE_TAGS: ReadonlySet<string> = new Set<AppError["_tag"]>(["UnsupportedMediaType", "PayloadTooLarge"]);

export const isAppError = (u: unknown): u is AppError =>
  isBookingError(u) || (typeof u === "object" && u !== null && "_tag" in u && EDGE_TAGS.has((u as { _tag: unknown })._tag as string));
