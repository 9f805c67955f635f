import { Schema } from "effect";
import { EventTypeFields } from "../actors/protocol.ts";
import { WEBHOOK_EVENTS } from "../domain/model.ts";

/**
 * What the JSON API answers, as Schemas: the routes' JSON builders are typed by them and the
 * OpenAPI document describes them (`apiDocument.ts`).
 */

export const InstantText = Schema.String.annotations({ format: "date-time", examples: ["2026-03-09T13:00:00Z"] });
export const Id = Schema.UUID;

export const InviteeJson = Schema.Struct({
  name: Schema.String,
  email: Schema.String,
  timeZone: Schema.String,
  locale: Schema.optional(Schema.String),
});

export const BookingJson = Schema.Struct({
  id: Id,
  status: Schema.Literal("confirmed", "pending", "cancelled", "declined"),
  hostId: Id,
  eventTypeId: Id,
  start: InstantText,
  end: InstantText,
  invitee: InviteeJson,
  answers: Schema.Record({ key: Schema.String, value: Schema.String }),
  manageToken: Schema.optional(Schema.String).annotations({ description: "Only to the invitee (whoever booked): the key to the booking." }),
  manageUrl: Schema.optional(Schema.String),
  version: Schema.Int,
  cancelledBy: Schema.NullOr(Schema.Literal("invitee", "host")),
  cancelReason: Schema.NullOr(Schema.String),
  createdAt: InstantText,
}).annotations({ identifier: "Booking" });

export const HostBookingJson = Schema.Struct({ ...BookingJson.fields, note: Schema.String, noShow: Schema.Boolean }).annotations({ identifier: "HostBooking" });
export const NoShowJson = Schema.Struct({ ...BookingJson.fields, noShow: Schema.Boolean });

export const SlotsJson = Schema.Struct({
  eventTypeId: Id,
  timeZone: Schema.String,
  durationMinutes: Schema.Int,
  durationChoices: Schema.Array(Schema.Int),
  slots: Schema.Array(Schema.Struct({ start: InstantText, end: InstantText })),
}).annotations({ identifier: "Slots" });

export const SessionJson = Schema.Struct({ sessionToken: Schema.String, hostId: Id, expiresAt: InstantText });

export const WebhookJson = Schema.Struct({
  id: Id,
  url: Schema.String,
  events: Schema.Array(Schema.Literal(...WEBHOOK_EVENTS)),
  secret: Schema.String,
  createdAt: InstantText,
}).annotations({ identifier: "Webhook" });

export const ProfileJson = Schema.Struct({
  id: Id,
  slug: Schema.String,
  name: Schema.String,
  timeZone: Schema.String,
  bio: Schema.String,
  locale: Schema.String,
  bookingUrl: Schema.String,
}).annotations({ identifier: "Host" });

/** An event type as the editor saves it (the actor's own fields), with its id and booking page. */
export const EventTypeJson = Schema.Struct({
  id: Id,
  ...EventTypeFields.fields,
  bookingUrl: Schema.String,
}).annotations({ identifier: "EventType" });

export const WallTimeText = Schema.String.annotations({ pattern: "^\\d{2}:\\d{2}$", examples: ["09:00"] });
const WindowJson = Schema.Struct({ start: WallTimeText, end: WallTimeText });

const WeeklyWindowJson = Schema.Struct({ weekday: Schema.Int, start: WallTimeText, end: WallTimeText });

export const ScheduleJson = Schema.Struct({ id: Id, name: Schema.String, rules: Schema.Array(WeeklyWindowJson) }).annotations({ identifier: "Schedule" });

export const AvailabilityJson = Schema.Struct({
  timeZone: Schema.String,
  rules: Schema.Array(WeeklyWindowJson),
  overrides: Schema.Array(Schema.Struct({ date: Schema.String, windows: Schema.Array(WindowJson) })),
}).annotations({ identifier: "Availability" });

/** RFC 9457 problem details, as every error is answered. */
export const ProblemJson = Schema.Struct({
  type: Schema.String,
  title: Schema.String,
  status: Schema.Int,
  detail: Schema.String,
  field: Schema.optional(Schema.String).annotations({ description: "invalid-input: the field (or header, or query parameter) at fault" }),
  alternatives: Schema.optional(Schema.Array(InstantText)).annotations({ description: "slot-taken: free times nearby" }),
  retryAfterSeconds: Schema.optional(Schema.Int),
}).annotations({ identifier: "Problem" });

