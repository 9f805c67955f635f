import { Effect } from "effect";
import { afterAll, beforeAll } from "vitest";
import { randomBytes } from "node:crypto";
import type { Booking, BookingId, EventType, EventTypeId, HostId } from "../../src/domain/model.ts";
import type { DateOverride, WeeklyRule } from "../../src/domain/schedule.ts";
import { epochMs, wallMinutes } from "../../src/domain/time.ts";
import { HostRepository, newEventType, type NewEventType } from "../../src/persistence/HostRepository.ts";
import { openTestDatabase } from "./core.ts";

export const weekdays = (start: string, end: string, days = [1, 2, 3, 4, 5]): WeeklyRule[] =>
  days.map((weekday) => ({ weekday, start: wall(start), end: wall(end) }));

export const wall = (hhmm: string) => {
  const [h, m] = hhmm.split(":").map(Number) as [number, number];
  return wallMinutes(h * 60 + m);
};

/** An event type in memory (for tests of pure code): the repository's defaults, offered at once, no reminders. */
export const eventTypeOf = (changes: Partial<EventType> = {}): EventType => ({
  ...newEventType({ slug: "intro", title: "Intro", reminderMinutes: [] }),
  id: "00000000-0000-4000-8000-0000000000e1" as EventTypeId,
  hostId: "00000000-0000-4000-8000-000000000001" as HostId,
  durationChoices: [30],
  questions: [],
  active: true,
  scheduleId: null,
  ...changes,
});

let bookings = 0;
/** A confirmed booking in memory (for tests of pure code), each with an id of its own. */
export const bookingOf = (
  booking: Pick<Booking, "hostId" | "eventTypeId" | "createdAt"> & { readonly start: number; readonly end: number } & Omit<Partial<Booking>, "start" | "end">,
): Booking => ({
  id: `00000000-0000-4000-8000-${String(++bookings).padStart(12, "0")}` as BookingId,
  invitee: { name: "Bob", email: "bob@example.com", timeZone: "UTC", locale: "en" },
  answers: {},
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  status: "confirmed",
  manageToken: "token",
  idempotencyKey: null,
  requestDigest: null,
  version: 1,
  cancelledBy: null,
  cancelReason: null,
  ...booking,
  start: epochMs(booking.start),
  end: epochMs(booking.end),
});

export interface HostFixture {
  readonly hostId: HostId;
  readonly eventTypeId: EventTypeId;
  readonly hostSlug: string;
  readonly eventSlug: string;
}

/** A host open around the clock every day with 15-minute meetings in UTC: room for a storm. */
export const createOpenHost = () =>
  createHost({ timeZone: "UTC", rules: weekdays("00:00", "24:00", [0, 1, 2, 3, 4, 5, 6]), eventType: { durationMinutes: 15 } });

/** A host with one event type and weekly rules, created through the repository like the app does. */
export const createHost = (
  options: {
    readonly timeZone?: string;
    readonly rules?: ReadonlyArray<WeeklyRule>;
    readonly overrides?: ReadonlyArray<DateOverride>;
    readonly eventType?: Partial<NewEventType>;
  } = {},
) =>
  Effect.gen(function* () {
    const hosts = yield* HostRepository;
    const hostSlug = `host-${randomBytes(4).toString("hex")}`;
    const hostId = yield* hosts.insertHost({
      slug: hostSlug,
      name: `Host ${hostSlug}`,
      email: `${hostSlug}@example.com`,
      timeZone: options.timeZone ?? "Europe/Vienna",
    });
    const eventSlug = "meeting";
    const eventTypeId = yield* hosts.insertEventType(hostId, newEventType({ slug: eventSlug, title: "A meeting", ...options.eventType }));
    yield* hosts.replaceWeeklyRules(hostId, options.rules ?? weekdays("09:00", "17:00", [0, 1, 2, 3, 4, 5, 6]));
    for (const o of options.overrides ?? []) yield* hosts.replaceOverride(hostId, o.date, o.windows);
    return { hostId, eventTypeId, hostSlug, eventSlug } satisfies HostFixture;
  });

/**
 * For tests that start servers of their own: a fresh database with an open host, made before
 * the file's tests and dropped after. Read `database.url` and `database.host` inside tests.
 */
export const useOpenHostDatabase = () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>> | undefined;
  let host: HostFixture | undefined;
  beforeAll(async () => {
    db = await openTestDatabase();
    host = await db.runtime.runPromise(createOpenHost());
  });
  afterAll(() => db?.close());
  return {
    get url() {
      return db!.url;
    },
    get host() {
      return host!;
    },
    /** Repositories and SQL on the database, for checking what servers wrote. */
    get runtime() {
      return db!.runtime;
    },
  };
};
