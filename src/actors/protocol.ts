import { Schema } from "effect";
import {
  BookingNotActive,
  DuplicateBooking,
  HoldInvalid,
  IdempotencyKeyReused,
  InvalidInput,
  NotFound,
  PreconditionFailed,
  SlotRefusal,
  TooManyBookings,
  TooManyHolds,
} from "../domain/errors.ts";
import { Booking, BookingId, COLOURS, EpochMsSchema, EventTypeId, Invitee, LOCATION_KINDS, Party, ScheduleId } from "../domain/model.ts";

/**
 * The messages a host actor understands, as serialisable Schema requests (payload, success,
 * failure): the shape `@effect/cluster` entities use, so moving actors across machines later
 * changes only `src/actors`.
 */

/** The database refused or could not be reached: nothing was acknowledged, the caller may retry. */
/**
 * For messages built from input the edge already decoded with these same Schemas: the
 * constructor does not check it twice.
 */
export const DECODED = { disableValidation: true } as const;

export class StorageUnavailable extends Schema.TaggedError<StorageUnavailable>()("StorageUnavailable", {}) {}

export const HoldGrant = Schema.Struct({
  token: Schema.String,
  eventTypeId: EventTypeId,
  start: EpochMsSchema,
  end: EpochMsSchema,
  expiresAt: EpochMsSchema,
});
export type HoldGrant = typeof HoldGrant.Type;

export class Hold extends Schema.TaggedRequest<Hold>()("Hold", {
  failure: Schema.Union(SlotRefusal, NotFound, InvalidInput, TooManyHolds),
  success: HoldGrant,
  payload: {
    eventTypeId: EventTypeId,
    start: Schema.Number,
    /** Who is holding: one live hold per visitor per host. */
    visitor: Schema.String,
    /** Where from: a few live holds per client address per host (null: not capped). */
    address: Schema.NullOr(Schema.String),
    /** One of the event type's lengths; left out, its first. */
    durationMinutes: Schema.optional(Schema.Int),
  },
}) {}

export class Release extends Schema.TaggedRequest<Release>()("Release", {
  failure: Schema.Never,
  success: Schema.Void,
  payload: { token: Schema.String },
}) {}

/**
 * "The page holding this time is still open": the hold lasts a lease from now (never past what
 * was promised). A page that stops saying so (closed, crashed, offline) lets the time go after
 * one lease instead of the whole hold. Answers whether the hold is still there.
 */
export class Renew extends Schema.TaggedRequest<Renew>()("Renew", {
  failure: Schema.Never,
  success: Schema.Boolean,
  payload: { token: Schema.String },
}) {}

export class Book extends Schema.TaggedRequest<Book>()("Book", {
  failure: Schema.Union(
    SlotRefusal,
    NotFound,
    HoldInvalid,
    IdempotencyKeyReused,
    InvalidInput,
    DuplicateBooking,
    TooManyBookings,
    StorageUnavailable,
  ),
  success: Booking,
  payload: {
    eventTypeId: EventTypeId,
    start: Schema.Number,
    invitee: Invitee,
    answers: Schema.Record({ key: Schema.String, value: Schema.String }),
    idempotencyKey: Schema.NullOr(Schema.String),
    holdToken: Schema.NullOr(Schema.String),
    visitor: Schema.NullOr(Schema.String),
    /** One of the event type's lengths; left out, its first. */
    durationMinutes: Schema.optional(Schema.Int),
  },
}) {}

export class Cancel extends Schema.TaggedRequest<Cancel>()("Cancel", {
  failure: Schema.Union(NotFound, BookingNotActive, StorageUnavailable),
  success: Booking,
  payload: { bookingId: BookingId, by: Party, reason: Schema.NullOr(Schema.String) },
}) {}

export class Reschedule extends Schema.TaggedRequest<Reschedule>()("Reschedule", {
  failure: Schema.Union(SlotRefusal, NotFound, BookingNotActive, StorageUnavailable),
  success: Booking,
  payload: {
    bookingId: BookingId,
    start: Schema.Number,
    by: Party,
    /** Why it moves, told to the other side (none: null). */
    reason: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  },
}) {}

/** The host accepts a pending booking: it is confirmed, and the invitee is told. */
export class Accept extends Schema.TaggedRequest<Accept>()("Accept", {
  failure: Schema.Union(NotFound, BookingNotActive, InvalidInput, StorageUnavailable),
  success: Booking,
  payload: { bookingId: BookingId },
}) {}

/** The host declines a pending booking: its time is free again, and the invitee is told why. */
export class Decline extends Schema.TaggedRequest<Decline>()("Decline", {
  failure: Schema.Union(NotFound, BookingNotActive, InvalidInput, StorageUnavailable),
  success: Booking,
  payload: { bookingId: BookingId, reason: Schema.NullOr(Schema.String) },
}) {}

/** An API client's `If-Match` tags (left out: no condition): the change applies only to the version it read. */
const IfMatch = Schema.optional(Schema.Array(Schema.String));

/** Host-local wall times in minutes: start in 0..1439, end in 1..1440 ("24:00"), start < end. */
export const WindowPayload = Schema.Struct({ start: Schema.Int, end: Schema.Int });

export const QuestionPayload = Schema.Struct({
  id: Schema.String,
  label: Schema.String,
  kind: Schema.Literal("short_text", "long_text", "single_choice", "checkbox", "phone"),
  required: Schema.Boolean,
  options: Schema.optional(Schema.Array(Schema.String)),
});

/** Replaces the host's weekly rules. */
export class ReplaceWeeklyRules extends Schema.TaggedRequest<ReplaceWeeklyRules>()("ReplaceWeeklyRules", {
  failure: Schema.Union(InvalidInput, PreconditionFailed, StorageUnavailable),
  success: Schema.Void,
  payload: { rules: Schema.Array(Schema.Struct({ weekday: Schema.Int, ...WindowPayload.fields })), ifMatch: IfMatch },
}) {}

const WeeklyRulePayload = Schema.Struct({ weekday: Schema.Int, ...WindowPayload.fields });

/** Creates a named schedule (no `id`) or renames one and replaces its weekly rules. */
export class SaveSchedule extends Schema.TaggedRequest<SaveSchedule>()("SaveSchedule", {
  failure: Schema.Union(InvalidInput, NotFound, StorageUnavailable),
  success: ScheduleId,
  payload: { id: Schema.NullOr(ScheduleId), name: Schema.String, rules: Schema.Array(WeeklyRulePayload) },
}) {}

/** Deletes a named schedule no event type uses. */
export class DeleteSchedule extends Schema.TaggedRequest<DeleteSchedule>()("DeleteSchedule", {
  failure: Schema.Union(InvalidInput, NotFound, StorageUnavailable),
  success: Schema.Void,
  payload: { id: ScheduleId },
}) {}

/**
 * Sets the windows of one host-local date, or of `days` dates from it (empty closes them), or
 * with `null` removes the override; a range is one write.
 */
export class SetDateOverride extends Schema.TaggedRequest<SetDateOverride>()("SetDateOverride", {
  failure: Schema.Union(InvalidInput, PreconditionFailed, StorageUnavailable),
  success: Schema.Void,
  payload: { date: Schema.Int, windows: Schema.NullOr(Schema.Array(WindowPayload)), days: Schema.optional(Schema.Int), ifMatch: IfMatch },
}) {}

/** The most dates one override may cover. */
export const MAX_OVERRIDE_DAYS = 92;

export const EventTypeFields = Schema.Struct({
  slug: Schema.String,
  title: Schema.String,
  description: Schema.String,
  location: Schema.String,
  locationKind: Schema.Literal(...LOCATION_KINDS),
  durationMinutes: Schema.Int,
  /** Lengths offered besides (or including) `durationMinutes`. */
  durationChoices: Schema.Array(Schema.Int),
  bufferBeforeMinutes: Schema.Int,
  bufferAfterMinutes: Schema.Int,
  minimumNoticeMinutes: Schema.Int,
  maxDaysAhead: Schema.NullOr(Schema.Int),
  slotIntervalMinutes: Schema.NullOr(Schema.Int),
  maxPerDay: Schema.NullOr(Schema.Int),
  maxPerWeek: Schema.NullOr(Schema.Int),
  questions: Schema.Array(QuestionPayload),
  active: Schema.Boolean,
  requiresConfirmation: Schema.Boolean,
  reminderMinutes: Schema.Array(Schema.Int),
  colour: Schema.Literal(...COLOURS),
  /** A named schedule of the host's, or null for their own hours. */
  scheduleId: Schema.NullOr(ScheduleId),
});

/** Creates an event type (no `id`) or replaces one of the host's event types. */
export class SaveEventType extends Schema.TaggedRequest<SaveEventType>()("SaveEventType", {
  failure: Schema.Union(InvalidInput, NotFound, PreconditionFailed, StorageUnavailable),
  success: EventTypeId,
  payload: { id: Schema.NullOr(EventTypeId), fields: EventTypeFields, ifMatch: IfMatch },
}) {}

/** The host's own details: name and bio as invitees see them, and the zone their hours are in. */
export class SaveProfile extends Schema.TaggedRequest<SaveProfile>()("SaveProfile", {
  failure: Schema.Union(InvalidInput, StorageUnavailable),
  success: Schema.Void,
  payload: { name: Schema.String, slug: Schema.String, timeZone: Schema.String, bio: Schema.String, locale: Schema.String },
}) {}

/** Deletes an event type without upcoming meetings (kept for the past ones, never offered again). */
export class DeleteEventType extends Schema.TaggedRequest<DeleteEventType>()("DeleteEventType", {
  failure: Schema.Union(InvalidInput, NotFound, PreconditionFailed, StorageUnavailable),
  success: Schema.Void,
  payload: { id: EventTypeId, ifMatch: IfMatch },
}) {}

/** Deactivates a host (nothing offered, no sign-in) or makes them active again. */
export class SetHostActive extends Schema.TaggedRequest<SetHostActive>()("SetHostActive", {
  failure: StorageUnavailable,
  success: Schema.Void,
  payload: { active: Schema.Boolean },
}) {}

export const HostMessage = Schema.Union(
  Hold,
  Release,
  Renew,
  Book,
  Cancel,
  Reschedule,
  Accept,
  Decline,
  ReplaceWeeklyRules,
  SetDateOverride,
  SaveEventType,
  SaveProfile,
  SetHostActive,
  DeleteEventType,
  SaveSchedule,
  DeleteSchedule,
);
export type HostMessage = typeof HostMessage.Type;
