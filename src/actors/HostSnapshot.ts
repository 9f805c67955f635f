import { policyOf, type Availability, type Booking, type EventType, type EventTypeId, type Host, type ScheduleId } from "../domain/model.ts";
import { makeSchedule, OpenTime } from "../domain/schedule.ts";
import { checkSlot, listSlots, type Occupied, type SlotInput, type Verdict } from "../domain/slots.ts";
import { DAY_MS, MINUTE_MS, type EpochMs } from "../domain/time.ts";

/** Whether a hold is for this event type at its length (a 60-minute hold is no 30-minute one). */
export const holdIsFor = (hold: Hold, eventType: EventType) =>
  hold.eventTypeId === eventType.id && hold.end - hold.start === eventType.durationMinutes * MINUTE_MS;

/** Every schedule's open time, in the host's zone: each named schedule's weekly hours, all with the host's dates that differ. */
export const openTimesOf = (timeZone: string, availability: Availability): Pick<HostState, "openTime" | "openTimes"> => ({
  openTime: new OpenTime(makeSchedule(timeZone, availability.rules, availability.overrides)),
  openTimes: new Map(availability.schedules.map((n) => [n.id, new OpenTime(makeSchedule(timeZone, n.rules, availability.overrides))])),
});

/** A slot someone is holding while they fill in the form: busy for everyone else. */
export interface Hold {
  readonly token: string;
  readonly eventTypeId: EventTypeId;
  readonly visitor: string;
  /** The client address that asked, when per-address caps apply. */
  readonly address: string | null;
  readonly start: EpochMs;
  readonly end: EpochMs;
  readonly bufferBeforeMs: number;
  readonly bufferAfterMs: number;
  /** When it lets go: its deadline, or sooner once its page renews it (a lease at a time). */
  readonly expiresAt: EpochMs;
  /** The end of the hold as granted (what the form promises). */
  readonly deadline: EpochMs;
}

export interface HostState {
  readonly host: Host;
  readonly eventTypes: ReadonlyMap<EventTypeId, EventType>;
  readonly availability: Availability;
  /** The host's own hours as instants (with the dates that differ). */
  readonly openTime: OpenTime;
  /** Each named schedule's hours as instants (with the same dates that differ). */
  readonly openTimes: ReadonlyMap<ScheduleId, OpenTime>;
  /** Confirmed bookings that have not ended long ago, sorted by start. */
  readonly bookings: ReadonlyArray<Booking>;
  /** Bookings by idempotency key, so a replay answers with the same booking. */
  readonly byIdempotencyKey: ReadonlyMap<string, Booking>;
  readonly holds: ReadonlyMap<string, Hold>;
  /** Increases with every published change. */
  readonly version: number;
}

/**
 * An immutable picture of one host's calendar: the actor's whole state, published after every
 * change. Every read (slot lists, pages, the JSON API) is a plain function of the latest
 * snapshot: it never waits in the mailbox and never touches the database.
 */
export class HostSnapshot implements HostState {
  readonly host!: Host;
  readonly eventTypes!: ReadonlyMap<EventTypeId, EventType>;
  readonly availability!: Availability;
  readonly openTime!: OpenTime;
  readonly openTimes!: ReadonlyMap<ScheduleId, OpenTime>;
  readonly bookings!: ReadonlyArray<Booking>;
  readonly byIdempotencyKey!: ReadonlyMap<string, Booking>;
  readonly holds!: ReadonlyMap<string, Hold>;
  readonly version!: number;
  /** By event type and length. */
  private readonly inputs = new Map<string, SlotInput>();
  /** Offered slots around a day, for alternatives: conflicts on a busy host ask for the same days. */
  private readonly nearby = new Map<string, EpochMs[]>();
  /** Bookings by lower-case invitee email, built on first use: per-email rules must not scan every booking per request. */
  private emails: Map<string, Booking[]> | undefined;

  constructor(state: HostState) {
    Object.assign(this, state);
  }

  /** The next state: what changed replaced, the version bumped. */
  with(changes: Partial<Omit<HostState, "version">>): HostSnapshot {
    return new HostSnapshot({ ...this.state(), ...changes, version: this.version + 1 });
  }

  state(): HostState {
    const { host, eventTypes, availability, openTime, openTimes, bookings, byIdempotencyKey, holds, version } = this;
    return { host, eventTypes, availability, openTime, openTimes, bookings, byIdempotencyKey, holds, version };
  }

  eventTypeBySlug(slug: string): EventType | undefined {
    for (const e of this.eventTypes.values()) if (e.slug === slug) return e;
    return undefined;
  }

  /** The bookings (of any time this snapshot keeps) of one invitee email, in any case. */
  bookingsOfEmail(email: string): ReadonlyArray<Booking> {
    // Stryker disable next-line ConditionalExpression: building the index again gives the same index (speed only)
    if (this.emails === undefined) {
      this.emails = new Map();
      for (const b of this.bookings) {
        const key = b.invitee.email.toLowerCase();
        const list = this.emails.get(key);
        if (list === undefined) this.emails.set(key, [b]);
        else list.push(b);
      }
    }
    return this.emails.get(email.toLowerCase()) ?? [];
  }

  bookingById(id: string): Booking | undefined {
    return this.bookings.find((b) => b.id === id);
  }

  /**
   * What the slot policy sees for one event type: every booking and hold, each with its own
   * buffers. `except` leaves out one hold or booking: a visitor's own hold must not block
   * their booking, and a booking being moved must not block its own new time.
   */
  slotInput(eventType: EventType, except?: string): SlotInput {
    const key = `${eventType.id}|${eventType.durationMinutes}`;
    if (except === undefined) {
      const cached = this.inputs.get(key);
      if (cached !== undefined) return cached;
    }
    const occupied: Occupied[] = [];
    for (const b of this.bookings) {
      if (b.id === except) continue;
      occupied.push({
        start: b.start,
        end: b.end,
        bufferBeforeMs: b.bufferBeforeMinutes * 60_000,
        bufferAfterMs: b.bufferAfterMinutes * 60_000,
        countsTowardDailyLimit: b.eventTypeId === eventType.id,
      });
    }
    for (const h of this.holds.values()) {
      if (h.token !== except) occupied.push({ ...h, countsTowardDailyLimit: false });
    }
    const input = { openTime: this.openTimeOf(eventType), policy: policyOf(eventType), occupied, busy: [] };
    if (except === undefined) this.inputs.set(key, input);
    return input;
  }

  /** The hours an event type offers: its named schedule's, else the host's own. */
  openTimeOf(eventType: EventType): OpenTime {
    return (eventType.scheduleId === null ? undefined : this.openTimes.get(eventType.scheduleId)) ?? this.openTime;
  }

  slots(eventType: EventType, from: number, to: number, now: number): EpochMs[] {
    return listSlots(this.slotInput(eventType), { from, to, now });
  }

  check(eventType: EventType, start: number, now: number, except?: string): Verdict {
    return checkSlot(this.slotInput(eventType, except), start, now);
  }

  /** Offered starts nearest to `start` (within about a week either side), nearest first. */
  alternatives(eventType: EventType, start: number, now: number, count = 5): EpochMs[] {
    const day = Math.floor(start / DAY_MS);
    // Within one snapshot and one minute the list cannot change in a way that matters for a suggestion.
    const key = `${eventType.id}|${eventType.durationMinutes}|${day}|${Math.floor(now / 60_000)}`;
    let around = this.nearby.get(key);
    // Stryker disable next-line ConditionalExpression: listing the nearby slots again gives the same list (speed only)
    if (around === undefined) {
      around = this.slots(eventType, (day - 7) * DAY_MS, (day + 8) * DAY_MS, now);
      // Stryker disable next-line all: a bound on a memo: what is kept changes speed, not answers
      if (this.nearby.size > 256) this.nearby.clear();
      this.nearby.set(key, around);
    }
    // Walk outward from where `start` would sit in the sorted list, taking the nearer side first.
    let hi = around.findIndex((s) => s >= start);
    if (hi === -1) hi = around.length;
    let lo = hi - 1;
    if (around[hi] === start) hi++;
    const picked: EpochMs[] = [];
    while (picked.length < count && (lo >= 0 || hi < around.length)) {
      const before = lo >= 0 ? start - around[lo]! : Number.POSITIVE_INFINITY;
      const after = hi < around.length ? around[hi]! - start : Number.POSITIVE_INFINITY;
      picked.push(before <= after ? around[lo--]! : around[hi++]!);
    }
    return picked;
  }
}
