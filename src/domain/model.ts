import { Schema } from "effect";
import type { DateOverride, WeeklyRule } from "./schedule.ts";
import type { EventPolicy } from "./slots.ts";
import { MINUTE_MS } from "./time.ts";

export const HostId = Schema.UUID.pipe(Schema.brand("HostId"));
export type HostId = typeof HostId.Type;

/** What a host may do on a team: the owner and admins manage hosts; the owner names admins. */
export const HostRole = Schema.Literal("owner", "admin", "host");
export type HostRole = typeof HostRole.Type;
export const EventTypeId = Schema.UUID.pipe(Schema.brand("EventTypeId"));
export type EventTypeId = typeof EventTypeId.Type;
export const BookingId = Schema.UUID.pipe(Schema.brand("BookingId"));
export type BookingId = typeof BookingId.Type;
export const ScheduleId = Schema.UUID.pipe(Schema.brand("ScheduleId"));
export type ScheduleId = typeof ScheduleId.Type;

export interface Host {
  readonly id: HostId;
  readonly slug: string;
  readonly name: string;
  readonly email: string;
  readonly timeZone: string;
  readonly locale: string;
  /** A few words on the host's booking page; may be empty. */
  readonly bio: string;
  /** A deactivated host offers nothing and cannot sign in. */
  readonly active: boolean;
}

/** Every event type takes a free-text note besides its own questions; it travels with the answers under this key. */
export const NOTE = "note";

export const COLOURS = ["blue", "green", "orange", "purple", "red", "teal", "grey"] as const;
export type Colour = (typeof COLOURS)[number];

export const LOCATION_KINDS = ["none", "in_person", "phone", "video"] as const;
export type LocationKind = (typeof LOCATION_KINDS)[number];

/** A checkbox is answered "yes" when ticked, and not at all otherwise. */
export type QuestionKind = "short_text" | "long_text" | "single_choice" | "checkbox" | "phone";

export interface Question {
  readonly id: string;
  readonly label: string;
  readonly kind: QuestionKind;
  readonly required: boolean;
  readonly options?: ReadonlyArray<string>;
}

export interface EventType {
  readonly id: EventTypeId;
  readonly hostId: HostId;
  readonly slug: string;
  readonly title: string;
  readonly description: string;
  /** An address, a phone number or a video link, as `locationKind` says (free text for "none"). */
  readonly location: string;
  readonly locationKind: LocationKind;
  /** The meeting's length: the first offered, or the one an invitee chose among `durationChoices`. */
  readonly durationMinutes: number;
  /** Every length an invitee may pick, ascending; one entry when there is no choice. */
  readonly durationChoices: ReadonlyArray<number>;
  readonly bufferBeforeMinutes: number;
  readonly bufferAfterMinutes: number;
  readonly minimumNoticeMinutes: number;
  readonly maxDaysAhead: number | null;
  readonly slotIntervalMinutes: number | null;
  readonly maxPerDay: number | null;
  /** At most this many meetings per host-local week (Monday to Sunday), or none. */
  readonly maxPerWeek: number | null;
  readonly questions: ReadonlyArray<Question>;
  readonly active: boolean;
  /** Bookings start `pending` until the host accepts or declines them. */
  readonly requiresConfirmation: boolean;
  /** The invitee is reminded this many minutes before the meeting (each; at most five). */
  readonly reminderMinutes: ReadonlyArray<number>;
  /** How the host's pages mark it. */
  readonly colour: Colour;
  /** The named schedule whose weekly hours it offers, or null for the host's own. */
  readonly scheduleId: ScheduleId | null;
  /** Deleted by the host: kept for the meetings booked with it, never offered or listed again. */
  readonly deleted?: boolean;
}

/** The most lengths one event type offers. */
export const MAX_DURATION_CHOICES = 5;

/** The lengths an event type offers: its own and any others, each once, ascending. */
export const durationChoicesOf = (durationMinutes: number, others: ReadonlyArray<number>): number[] =>
  [...new Set([durationMinutes, ...others])].sort((a, b) => a - b);

/**
 * The event type as booked for one of its lengths, or undefined when it does not offer that
 * length. Slots, holds and bookings of the result are that long.
 */
export const withDuration = (e: EventType, minutes: number): EventType | undefined =>
  minutes === e.durationMinutes ? e : e.durationChoices.includes(minutes) ? { ...e, durationMinutes: minutes } : undefined;

/** The length an invitee chose (what links and forms carry as `d`), when the event type offers a choice. */
export const chosenLengthOf = (e: Pick<EventType, "durationMinutes" | "durationChoices">): number | undefined =>
  e.durationChoices.length > 1 ? e.durationMinutes : undefined;

/**
 * Names what a page offers, in element ids and live updates: the event type, and the length
 * when it offers several (so an update for 60-minute times never touches a page of 30-minute ones).
 */
export const offerKeyOf = (e: Pick<EventType, "id" | "durationMinutes" | "durationChoices">): string =>
  e.durationChoices.length > 1 || e.durationChoices[0] !== e.durationMinutes ? `${e.id}~${e.durationMinutes}` : e.id;

/** The event type at the length a booking has: a meeting keeps it when moved, whatever the event type offers now. */
export const asBooked = (e: EventType, booking: { readonly start: number; readonly end: number }): EventType => {
  const minutes = (booking.end - booking.start) / MINUTE_MS;
  return minutes === e.durationMinutes ? e : { ...e, durationMinutes: minutes };
};

/** The fields of an event type (or a `slots` spec, which names them alike) that decide its slots. */
export type PolicyFields = Pick<
  EventType,
  "durationMinutes" | "slotIntervalMinutes" | "bufferBeforeMinutes" | "bufferAfterMinutes" | "minimumNoticeMinutes" | "maxDaysAhead" | "maxPerDay" | "maxPerWeek"
>;

export const policyOf = (e: PolicyFields): EventPolicy => ({
  durationMs: e.durationMinutes * MINUTE_MS,
  intervalMs: (e.slotIntervalMinutes ?? e.durationMinutes) * MINUTE_MS,
  bufferBeforeMs: e.bufferBeforeMinutes * MINUTE_MS,
  bufferAfterMs: e.bufferAfterMinutes * MINUTE_MS,
  minimumNoticeMs: e.minimumNoticeMinutes * MINUTE_MS,
  maxDaysAhead: e.maxDaysAhead,
  maxPerDay: e.maxPerDay,
  maxPerWeek: e.maxPerWeek,
});

/** Weekly hours of their own, under a name, for the event types that choose them. */
export interface NamedSchedule {
  readonly id: ScheduleId;
  readonly name: string;
  readonly rules: ReadonlyArray<WeeklyRule>;
}

/** The most named schedules a host keeps. */
export const MAX_SCHEDULES = 20;

export interface Availability {
  /** The host's own weekly hours: the default schedule. */
  readonly rules: ReadonlyArray<WeeklyRule>;
  /** Dates that differ, for every schedule. */
  readonly overrides: ReadonlyArray<DateOverride>;
  readonly schedules: ReadonlyArray<NamedSchedule>;
}

export const EpochMsSchema = Schema.Number.pipe(Schema.brand("EpochMs"));

export const Invitee = Schema.Struct({
  name: Schema.String,
  email: Schema.String,
  timeZone: Schema.String,
  /** The language their mails speak (left out: English). */
  locale: Schema.optional(Schema.String),
});
export type Invitee = typeof Invitee.Type;

export const Party = Schema.Literal("invitee", "host");
export type Party = typeof Party.Type;
/** `pending`: waits for the host's confirmation and holds its time; `declined`: the host said no. */
export const BookingStatus = Schema.Literal("pending", "confirmed", "declined", "cancelled");
export type BookingStatus = typeof BookingStatus.Type;

export const Booking = Schema.Struct({
  id: BookingId,
  hostId: HostId,
  eventTypeId: EventTypeId,
  invitee: Invitee,
  answers: Schema.Record({ key: Schema.String, value: Schema.String }),
  start: EpochMsSchema,
  end: EpochMsSchema,
  bufferBeforeMinutes: Schema.Number,
  bufferAfterMinutes: Schema.Number,
  status: BookingStatus,
  /** Whoever holds it may see, cancel and reschedule the booking: 128 random bits. */
  manageToken: Schema.String,
  idempotencyKey: Schema.NullOr(Schema.String),
  requestDigest: Schema.NullOr(Schema.String),
  /** Increases with every change (cancel, reschedule). */
  version: Schema.Number,
  cancelledBy: Schema.NullOr(Party),
  cancelReason: Schema.NullOr(Schema.String),
  createdAt: EpochMsSchema,
});
export type Booking = typeof Booking.Type;

/** What a host's webhook may listen for. */
export const WEBHOOK_EVENTS = ["booking.created", "booking.rescheduled", "booking.cancelled", "booking.pending", "booking.accepted", "booking.declined"] as const;
export const WebhookEvent = Schema.Literal(...WEBHOOK_EVENTS);
export type WebhookEvent = typeof WebhookEvent.Type;
