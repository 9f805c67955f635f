import { Schema } from "effect";
import {
  BookingNotActive,
  HoldInvalid,
  IdempotencyKeyReused,
  InvalidInput,
  NotFound,
  SlotRefusal,
  TooManyHolds,
} from "../domain/errors.ts";
import { Booking, BookingId, EpochMsSchema, EventTypeId, Invitee, Party } from "../domain/model.ts";

/**
 * The messages a host actor understands, as serialisable Schema requests (payload, success,
 * failure): the shape `@effect/cluster` entities use, so moving actors across machines later
 * changes only `src/actors`.
 */

/** The database refused or could not be reached: nothing was acknowledged, the caller may retry. */
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
  failure: Schema.Union(SlotRefusal, NotFound, TooManyHolds),
  success: HoldGrant,
  payload: {
    eventTypeId: EventTypeId,
    start: Schema.Number,
    /** Who is holding: one live hold per visitor per host. */
    visitor: Schema.String,
  },
}) {}

export class Release extends Schema.TaggedRequest<Release>()("Release", {
  failure: Schema.Never,
  success: Schema.Void,
  payload: { token: Schema.String },
}) {}

export class Book extends Schema.TaggedRequest<Book>()("Book", {
  failure: Schema.Union(SlotRefusal, NotFound, HoldInvalid, IdempotencyKeyReused, InvalidInput, StorageUnavailable),
  success: Booking,
  payload: {
    eventTypeId: EventTypeId,
    start: Schema.Number,
    invitee: Invitee,
    answers: Schema.Record({ key: Schema.String, value: Schema.String }),
    idempotencyKey: Schema.NullOr(Schema.String),
    holdToken: Schema.NullOr(Schema.String),
    visitor: Schema.NullOr(Schema.String),
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
  payload: { bookingId: BookingId, start: Schema.Number, by: Party },
}) {}

export const HostMessage = Schema.Union(Hold, Release, Book, Cancel, Reschedule);
export type HostMessage = typeof HostMessage.Type;
