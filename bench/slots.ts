/**
 * `npm run bench:slots`: how long listing slots takes for a busy host.
 * A host with three windows every day, 200 bookings, a 15-minute interval, 8 weeks of slots:
 * computed from nothing (schedule → window instants → slots), and with the window instants
 * already known, as a running host actor keeps them.
 */
import { makeSchedule, OpenTime } from "../src/domain/schedule.ts";
import { listSlots, type EventPolicy, type Occupied } from "../src/domain/slots.ts";
import { DAY_MS, MINUTE_MS, wallMinutes } from "../src/domain/time.ts";
import { zoneTable } from "../src/domain/zone.ts";
import { round, time } from "./stats.ts";

const ZONE = "America/New_York";
const WEEKS = 8;
const now = Date.UTC(2026, 2, 2, 5); // Monday 2026-03-02, 00:00 in New York; the range crosses the March DST change.
const from = now;
const to = now + WEEKS * 7 * DAY_MS;

const rules = [0, 1, 2, 3, 4, 5, 6].flatMap((weekday) =>
  [
    [8 * 60, 11 * 60],
    [12 * 60, 15 * 60],
    [16 * 60, 19 * 60],
  ].map(([start, end]) => ({ weekday, start: wallMinutes(start!), end: wallMinutes(end!) })),
);
const policy: EventPolicy = {
  durationMs: 30 * MINUTE_MS,
  intervalMs: 15 * MINUTE_MS,
  bufferBeforeMs: 5 * MINUTE_MS,
  bufferAfterMs: 10 * MINUTE_MS,
  minimumNoticeMs: 60 * MINUTE_MS,
  maxDaysAhead: 60,
  maxPerDay: 12,
  maxPerWeek: null,
};

// 200 bookings spread over the 8 weeks, on offered slots of an empty calendar.
const emptyCalendar = listSlots({ openTime: new OpenTime(makeSchedule(ZONE, rules, [])), policy, occupied: [], busy: [] }, { from, to, now });
const step = Math.floor(emptyCalendar.length / 200);
const bookings: Occupied[] = Array.from({ length: 200 }, (_, i) => {
  const start = emptyCalendar[i * step]!;
  return { start, end: start + policy.durationMs, bufferBeforeMs: 5 * MINUTE_MS, bufferAfterMs: 10 * MINUTE_MS, countsTowardDailyLimit: true };
});

const coldStarted = performance.now();
zoneTable("Asia/Kolkata"); // unrelated zone: only loads Temporal's data paths
const coldOpenTime = new OpenTime(makeSchedule("Europe/Lisbon", rules, []));
const coldCount = listSlots({ openTime: coldOpenTime, policy, occupied: bookings, busy: [] }, { from, to, now }).length;
const coldMs = performance.now() - coldStarted;

const fromNothing = () =>
  listSlots({ openTime: new OpenTime(makeSchedule(ZONE, rules, [])), policy, occupied: bookings, busy: [] }, { from, to, now });

const known = new OpenTime(makeSchedule(ZONE, rules, []));
const withKnownWindows = () => listSlots({ openTime: known, policy, occupied: bookings, busy: [] }, { from, to, now });

const count = fromNothing().length;
const a = time(fromNothing, 400);
const b = time(withKnownWindows, 2_000);

const report = {
  scenario: { zone: ZONE, windowsPerDay: 3, bookings: bookings.length, intervalMinutes: 15, weeks: WEEKS, slots: count },
  fromNothing: { medianMs: round(a.median), p95Ms: round(a.p95), goalMs: 2, medianVsGoal: round(a.median / 2, 3), slotsPerSecond: Math.round(count / (a.median / 1000)) },
  windowInstantsKnown: { medianMs: round(b.median), p95Ms: round(b.p95), goalMs: 0.2, medianVsGoal: round(b.median / 0.2, 3), slotsPerSecond: Math.round(count / (b.median / 1000)) },
  firstEverCallForANewZone: { ms: round(coldMs, 1), slots: coldCount, note: "builds the zone's offset table from Temporal once per process" },
};
console.log(JSON.stringify(report, null, 2));
