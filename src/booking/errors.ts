import type { StorageUnavailable } from "../actors/protocol.ts";
import type {
  BookingNotActive,
  DailyLimitReached,
  DuplicateBooking,
  HoldInvalid,
  IdempotencyKeyReused,
  InvalidInput,
  NotFound,
  PreconditionFailed,
  RateLimited,
  RequestInProgress,
  SlotNotOffered,
  SlotTaken,
  TooFarAhead,
  TooManyBookings,
  TooManyHolds,
  TooSoon,
  Unauthorized,
  WeeklyLimitReached,
} from "../domain/errors.ts";

/** Every refusal the booking context answers with; `src/http/problems.ts` says each one to people. */
export type BookingError =
  | SlotTaken
  | SlotNotOffered
  | TooSoon
  | TooFarAhead
  | DailyLimitReached
  | WeeklyLimitReached
  | NotFound
  | InvalidInput
  | PreconditionFailed
  | Unauthorized
  | RateLimited
  | RequestInProgress
  | HoldInvalid
  | TooManyHolds
  | IdempotencyKeyReused
  | BookingNotActive
  | DuplicateBooking
  | TooManyBookings
  | StorageUnavailable;

const TAGS: ReadonlySet<string> = new Set<BookingError["_tag"]>([
  "SlotTaken",
  "SlotNotOffered",
  "TooSoon",
  "TooFarAhead",
  "DailyLimitReached",
  "WeeklyLimitReached",
  "NotFound",
  "InvalidInput",
  "PreconditionFailed",
  "Unauthorized",
  "RateLimited",
  "RequestInProgress",
  "HoldInvalid",
  "TooManyHolds",
  "IdempotencyKeyReused",
  "BookingNotActive",
  "DuplicateBooking",
  "TooManyBookings",
  "StorageUnavailable",
]);

export const isBookingError = (u: unknown): u is BookingError =>
  typeof u === "object" && u !== null && "_tag" in u && TAGS.has((u as { _tag: unknown })._tag as string);
