import { Temporal } from "@js-temporal/polyfill";
import { FastCheck as fc } from "effect";
import { makeSchedule, OpenTime, type DateOverride, type Schedule, type WeeklyRule } from "../../src/domain/schedule.ts";
import type { EventPolicy, Occupied, SlotInput } from "../../src/domain/slots.ts";
import { DAY_MS, localDate, localDateFromCivil, MINUTE_MS, wallMinutes, weekdayOf, type LocalDate } from "../../src/domain/time.ts";
import { allTimeZones, zoneTable } from "../../src/domain/zone.ts";

/** Runs per property: at least 2,000 in CI; FC_RUNS raises it, FC_SEED replays a failure. */
export const propertyOptions = {
  fastCheck: {
    // FC_RUNS sets it; npm run test:mutation lowers it, as every property runs again for each mutant.
    numRuns: Number(process.env["FC_RUNS"] ?? 2_000),
    seed: Number(process.env["FC_SEED"] ?? 20_261_122),
  },
};

/** Host-local date and wall clock (minutes, with seconds as a fraction) of an instant, by Temporal alone. */
export const referenceLocal = (instant: number, zone: string) => {
  const z = Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(zone);
  return {
    date: localDateFromCivil({ year: z.year, month: z.month, day: z.day }),
    minutes: z.hour * 60 + z.minute + z.second / 60 + z.millisecond / 60_000,
    offsetMs: z.offsetNanoseconds / 1e6,
  };
};

/** Temporal's own answer for a wall-clock reading (`compatible`). */
export const referenceInstant = (date: LocalDate, minutes: number, zone: string) => {
  const d = new Date(date * DAY_MS + minutes * MINUTE_MS);
  return Temporal.PlainDateTime.from({
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
  }).toZonedDateTime(zone, { disambiguation: "compatible" }).epochMilliseconds;
};

/** The windows a schedule gives a local date. */
export const windowsOf = (schedule: Schedule, date: LocalDate) =>
  schedule.overrides.get(date) ?? schedule.weekly[weekdayOf(date)]!;

/** Offset changes in `(from, to)`, by Temporal alone. */
export const referenceTransitions = (from: number, to: number, zone: string) => {
  const found: { at: number; before: number; after: number }[] = [];
  let z = Temporal.Instant.fromEpochMilliseconds(from).toZonedDateTimeISO(zone);
  for (;;) {
    const next = z.getTimeZoneTransition("next");
    if (next === null || next.epochMilliseconds >= to) return found;
    found.push({ at: next.epochMilliseconds, before: z.offsetNanoseconds / 1e6, after: next.offsetNanoseconds / 1e6 });
    z = next;
  }
};

// ---------------------------------------------------------------------------------------------
// Arbitraries: zones weighted toward the awkward ones, instants concentrated around transitions.

export const NAMED_ZONES = [
  "America/New_York",
  "Europe/London",
  "Australia/Lord_Howe",
  "Asia/Kathmandu",
  "Pacific/Apia",
  "Pacific/Kiritimati",
  "America/Santiago",
  "America/Havana",
  "Africa/Casablanca",
  "Europe/Dublin",
  "Pacific/Chatham",
  "America/St_Johns",
];

export const zoneArb = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...NAMED_ZONES) },
  { weight: 3, arbitrary: fc.constantFrom(...allTimeZones()) },
);

/**
 * An instant near one of the zone's transitions in a chosen year (or anywhere in that year
 * when the zone has none), so that most cases sit on the days clocks skip or repeat.
 */
export const anchorArb = (zone: string) =>
  fc
    .record({
      year: fc.oneof(fc.integer({ min: 2008, max: 2030 }), fc.constantFrom(2011, 2026)),
      pick: fc.nat(),
      offsetMinutes: fc.oneof(fc.integer({ min: -24 * 60, max: 24 * 60 }), fc.integer({ min: -3 * 24 * 60, max: 3 * 24 * 60 })),
      nearTransition: fc.boolean(),
    })
    .map(({ year, pick, offsetMinutes, nearTransition }) => {
      const start = Date.UTC(year, 0, 1);
      const transitions = zoneTable(zone).transitionsIn(start, Date.UTC(year + 1, 0, 1));
      const base =
        nearTransition && transitions.length > 0
          ? transitions[pick % transitions.length]!.at
          : start + (pick % 365) * DAY_MS;
      return base + offsetMinutes * MINUTE_MS;
    });

const plainMinuteArb = fc.oneof(
  fc.integer({ min: 0, max: 95 }).map((q) => q * 15),
  fc.integer({ min: 0, max: 1439 }),
  fc.constantFrom(0, 60, 90, 120, 150, 180, 1380, 1410),
);

/**
 * Minutes of the day, half of them near `edges` (the wall-clock readings on either side of a
 * transition), so windows often start or end inside a gap or a repeated hour.
 */
const minuteOfDayArb = (edges: ReadonlyArray<number>) =>
  edges.length === 0
    ? plainMinuteArb
    : fc.oneof(
        plainMinuteArb,
        fc
          .tuple(fc.constantFrom(...edges), fc.integer({ min: -45, max: 45 }))
          .map(([edge, delta]) => Math.min(1439, Math.max(0, edge + delta))),
      );

export const windowArb = (edges: ReadonlyArray<number> = []) =>
  fc
    .tuple(minuteOfDayArb(edges), fc.oneof(fc.integer({ min: 1, max: 240 }), fc.integer({ min: 1, max: 1440 })), minuteOfDayArb(edges))
    .map(([start, length, end]) => {
      // Half the time the end is an edge minute itself (when after the start).
      const to = end > start && length % 2 === 0 ? end : Math.min(1440, start + length);
      return { start: wallMinutes(start), end: wallMinutes(to) };
    });

export const ruleArb = (edges: ReadonlyArray<number> = []): fc.Arbitrary<WeeklyRule> =>
  fc.tuple(fc.integer({ min: 0, max: 6 }), windowArb(edges)).map(([weekday, w]) => ({ weekday, ...w }));

export const rulesArb = (edges: ReadonlyArray<number> = []) => fc.array(ruleArb(edges), { minLength: 1, maxLength: 8 });

export const overridesArb = (anchorDate: LocalDate, edges: ReadonlyArray<number> = []) =>
  fc
    .uniqueArray(fc.integer({ min: -3, max: 4 }), { maxLength: 3 })
    .chain((offsets) =>
      fc.tuple(
        ...offsets.map((o) =>
          fc.array(windowArb(edges), { maxLength: 3 }).map((windows): DateOverride => ({ date: localDate(anchorDate + o), windows })),
        ),
      ),
    );

/** Wall-clock minutes of the day just before and after each transition within a day of `anchor`. */
export const edgeMinutes = (zone: string, anchor: number) => {
  const table = zoneTable(zone);
  const edges = new Set<number>();
  for (const t of table.transitionsIn(anchor - DAY_MS, anchor + DAY_MS)) {
    for (const offset of [t.before, t.after]) {
      const wall = t.at + offset;
      edges.add(Math.floor((((wall % DAY_MS) + DAY_MS) % DAY_MS) / MINUTE_MS));
    }
  }
  return [...edges];
};

export const policyArb: fc.Arbitrary<EventPolicy> = fc
  .record({
    duration: fc.oneof(fc.constantFrom(15, 20, 30, 45, 60, 90), fc.integer({ min: 5, max: 240 })),
    interval: fc.option(fc.oneof(fc.constantFrom(10, 15, 30, 45, 60), fc.integer({ min: 5, max: 240 })), { nil: null }),
    before: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 60 })),
    after: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 60 })),
    notice: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 * 24 * 60 })),
    maxDaysAhead: fc.option(fc.integer({ min: 1, max: 30 }), { nil: null }),
    maxPerDay: fc.option(fc.integer({ min: 1, max: 8 }), { nil: null }),
    maxPerWeek: fc.option(fc.integer({ min: 1, max: 12 }), { nil: null }),
  })
  .map((p) => ({
    durationMs: p.duration * MINUTE_MS,
    intervalMs: (p.interval ?? p.duration) * MINUTE_MS,
    bufferBeforeMs: p.before * MINUTE_MS,
    bufferAfterMs: p.after * MINUTE_MS,
    minimumNoticeMs: p.notice * MINUTE_MS,
    maxDaysAhead: p.maxDaysAhead,
    maxPerDay: p.maxPerDay,
    maxPerWeek: p.maxPerWeek,
  }));

export const occupiedArb = (anchor: number): fc.Arbitrary<Occupied> =>
  fc
    .record({
      start: fc.integer({ min: -2 * 24 * 60, max: 5 * 24 * 60 }),
      length: fc.integer({ min: 5, max: 240 }),
      before: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 60 })),
      after: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 60 })),
      same: fc.boolean(),
    })
    .map((o) => ({
      start: anchor + o.start * MINUTE_MS,
      end: anchor + (o.start + o.length) * MINUTE_MS,
      bufferBeforeMs: o.before * MINUTE_MS,
      bufferAfterMs: o.after * MINUTE_MS,
      countsTowardDailyLimit: o.same,
    }));

export const busyArb = (anchor: number) =>
  fc
    .tuple(fc.integer({ min: -2 * 24 * 60, max: 5 * 24 * 60 }), fc.integer({ min: 5, max: 300 }))
    .map(([start, length]) => ({ start: anchor + start * MINUTE_MS, end: anchor + (start + length) * MINUTE_MS }));

export interface Scenario {
  readonly zone: string;
  readonly rules: ReadonlyArray<WeeklyRule>;
  readonly overrides: ReadonlyArray<DateOverride>;
  readonly schedule: Schedule;
  readonly input: SlotInput;
  readonly range: { readonly from: number; readonly to: number; readonly now: number };
}

/** A whole availability question around a transition of a random zone; the range contains the anchor. */
export const scenarioArb: fc.Arbitrary<Scenario> = zoneArb.chain((zone) =>
  anchorArb(zone).chain((anchor) => {
    const edges = edgeMinutes(zone, anchor);
    return fc
      .record({
        rules: rulesArb(edges),
        overrides: overridesArb(zoneTable(zone).localDateOf(anchor), edges),
        policy: policyArb,
        occupied: fc.array(occupiedArb(anchor), { maxLength: 8 }),
        busy: fc.array(busyArb(anchor), { maxLength: 4 }),
        nowOffset: fc.integer({ min: -4 * 24 * 60, max: 24 * 60 }),
        length: fc.integer({ min: 60, max: 3 * 24 * 60 }),
        before: fc.double({ min: 0, max: 1, noNaN: true }),
      })
      .map((r) => {
        const schedule = makeSchedule(zone, r.rules, r.overrides);
        const from = anchor - Math.floor(r.before * r.length) * MINUTE_MS;
        return {
          zone,
          rules: r.rules,
          overrides: r.overrides,
          schedule,
          input: { openTime: new OpenTime(schedule), policy: r.policy, occupied: r.occupied, busy: r.busy },
          range: { from, to: from + r.length * MINUTE_MS, now: anchor + r.nowOffset * MINUTE_MS },
        };
      });
  }),
);
