import { Effect } from "effect";
import { randomBytes } from "node:crypto";
import type { EventTypeId, HostId } from "../../src/domain/model.ts";
import type { DateOverride, WeeklyRule } from "../../src/domain/schedule.ts";
import { wallMinutes } from "../../src/domain/time.ts";
import { HostRepository, newEventType, type NewEventType } from "../../src/persistence/HostRepository.ts";

export const weekdays = (start: string, end: string, days = [1, 2, 3, 4, 5]): WeeklyRule[] =>
  days.map((weekday) => ({ weekday, start: wall(start), end: wall(end) }));

export const wall = (hhmm: string) => {
  const [h, m] = hhmm.split(":").map(Number) as [number, number];
  return wallMinutes(h * 60 + m);
};

export interface HostFixture {
  readonly hostId: HostId;
  readonly eventTypeId: EventTypeId;
  readonly hostSlug: string;
  readonly eventSlug: string;
}

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
