import { Temporal } from "@js-temporal/polyfill";
import { Either } from "effect";
import { describe, expect, it } from "vitest";
import { asBooked, chosenLengthOf, offerKeyOf, policyOf, withDuration } from "../../src/domain/model.ts";
import { makeSchedule, mergeIntervals, OpenTime } from "../../src/domain/schedule.ts";
import { decodeSlotSpec, occupiedOfSpec, scheduleOf, slotsOfSpec } from "../../src/domain/spec.ts";
import { DAY_MS, HOUR_MS, localDate, MINUTE_MS, wallMinutes, type LocalDate } from "../../src/domain/time.ts";
import { currentZoneName, formatOffset, isTimeZone, zoneTable } from "../../src/domain/zone.ts";
import { parseLocalDate } from "../../src/domain/time.ts";
import { eventTypeOf } from "../support/fixtures.ts";

const Z = (iso: string) => Date.parse(iso);
const dateOf = (iso: string) => localDate(Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS)) as LocalDate;
const w = (start: string, end: string) => ({ start: wallMinutes(toMinutes(start)), end: wallMinutes(toMinutes(end)) });
const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

describe("offsets and wall clocks", () => {
  it("writes offsets with two-digit hours and minutes", () => {
    expect([0, 9 * MINUTE_MS, 10 * MINUTE_MS, 9 * HOUR_MS, 10 * HOUR_MS, 5 * HOUR_MS + 45 * MINUTE_MS, -(9 * HOUR_MS + 30 * MINUTE_MS), 14 * HOUR_MS].map(formatOffset)).toEqual([
      "+00:00",
      "+00:09",
      "+00:10",
      "+09:00",
      "+10:00",
      "+05:45",
      "-09:30",
      "+14:00",
    ]);
  });

  it("resolves a wall time in a spring-forward gap forward by the gap, or to the gap's end", () => {
    const berlin = zoneTable("Europe/Berlin");
    // 2026-03-29: clocks jump from 02:00 to 03:00 (01:00Z).
    expect(berlin.instantOf(Date.UTC(2026, 2, 29, 2, 30), "compatible")).toBe(Z("2026-03-29T01:30:00Z"));
    expect(berlin.instantOf(Date.UTC(2026, 2, 29, 2, 30), "endAtGap")).toBe(Z("2026-03-29T01:00:00Z"));
    expect(berlin.instantOf(Date.UTC(2026, 2, 29, 2, 0), "compatible")).toBe(Z("2026-03-29T01:00:00Z"));
    expect(berlin.instantOf(Date.UTC(2026, 2, 29, 3, 0), "endAtGap")).toBe(Z("2026-03-29T01:00:00Z"));
    expect(berlin.instantOf(Date.UTC(2026, 2, 29, 1, 59), "endAtGap")).toBe(Z("2026-03-29T00:59:00Z"));
    // 2026-10-25: 02:30 comes twice; the earlier is taken.
    expect(berlin.instantOf(Date.UTC(2026, 9, 25, 2, 30))).toBe(Z("2026-10-25T00:30:00Z"));
    expect(berlin.repeatsWallClockAt(Z("2026-10-25T00:30:00Z"))).toBe(true);
    expect(berlin.repeatsWallClockAt(Z("2026-10-25T01:30:00Z"))).toBe(true);
    expect(berlin.repeatsWallClockAt(Z("2026-10-25T12:00:00Z"))).toBe(false);
    expect(berlin.repeatsWallClockAt(Z("2026-03-29T01:30:00Z"))).toBe(false);
  });

  it("reads the new offset from the very instant of a transition, asked first or right after the instant before", () => {
    const spring = Z("2027-03-28T01:00:00Z");
    expect(zoneTable("Europe/Vienna").offsetAt(spring)).toBe(2 * HOUR_MS);
    const table = zoneTable("Europe/Paris");
    expect(table.offsetAt(spring - 1)).toBe(HOUR_MS);
    expect(table.offsetAt(spring)).toBe(2 * HOUR_MS);
    expect(table.offsetAt(spring - 1)).toBe(HOUR_MS);
  });

  it("shows zones by their current names and knows which names are zones", () => {
    expect(currentZoneName("Asia/Calcutta")).toBe("Asia/Kolkata");
    expect(currentZoneName("Europe/Berlin")).toBe("Europe/Berlin");
    expect(isTimeZone("Europe/Berlin")).toBe(true);
    expect(isTimeZone("Mars/Base")).toBe(false);
  });

  it("refuses calendar dates that do not exist", () => {
    for (const text of ["2026-02-29", "2026-02-30", "2026-04-31", "2026-13-01", "2026-00-10"]) expect(parseLocalDate(text), text).toBeUndefined();
    expect(parseLocalDate("2028-02-29")).toBe(dateOf("2028-02-29"));
  });

  it("lists transitions in (from, to], across years, with the offsets on both sides", () => {
    const berlin = zoneTable("Europe/Berlin");
    const spring = Z("2026-03-29T01:00:00Z");
    expect(berlin.transitionsIn(spring - 1, spring)).toEqual([{ at: spring, before: HOUR_MS, after: 2 * HOUR_MS }]);
    expect(berlin.transitionsIn(spring, spring + HOUR_MS)).toEqual([]);
    expect(berlin.transitionsIn(spring - HOUR_MS, spring - 1)).toEqual([]);
    expect(berlin.transitionsIn(Z("2025-12-01T00:00:00Z"), Z("2026-04-01T00:00:00Z")).map((t) => t.at)).toEqual([spring]);
    expect(berlin.transitionsIn(Z("2025-01-01T00:00:00Z"), Z("2026-12-31T00:00:00Z"))).toHaveLength(4);
  });

  it("agrees with Temporal on every offset, in any order of asking, for zones with odd transitions", () => {
    for (const zone of ["Europe/Berlin", "Australia/Lord_Howe", "America/Santiago", "Pacific/Apia", "Asia/Kathmandu"]) {
      const table = zoneTable(zone);
      const instants: number[] = [];
      for (let t = Z("2010-12-25T00:00:00Z"); t < Z("2012-01-10T00:00:00Z"); t += 7 * HOUR_MS + 13 * MINUTE_MS) instants.push(t);
      // Backwards and forwards, so a remembered span is both reused and left.
      for (const instant of [...instants.reverse(), ...instants.reverse()]) {
        const expected = Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(zone).offsetNanoseconds / 1e6;
        expect(table.offsetAt(instant), `${zone} at ${new Date(instant).toISOString()}`).toBe(expected);
      }
    }
  });
});

describe("open time on days the clock changes", () => {
  const berlin = (rules: ReturnType<typeof w>[], weekday: number) => new OpenTime(makeSchedule("Europe/Berlin", rules.map((r) => ({ weekday, ...r })), []));
  const spans = (open: OpenTime, date: LocalDate) => open.windowsOn(date).map((s) => [new Date(s.start).toISOString(), new Date(s.end).toISOString(), new Date(s.grid).toISOString()]);

  it("shortens a window over the spring-forward gap, and a window inside the gap offers nothing", () => {
    const sunday = dateOf("2026-03-29");
    expect(spans(berlin([w("01:00", "04:00")], 0), sunday)).toEqual([["2026-03-29T00:00:00.000Z", "2026-03-29T02:00:00.000Z", "2026-03-29T00:00:00.000Z"]]);
    expect(spans(berlin([w("02:30", "05:00")], 0), sunday)).toEqual([["2026-03-29T01:30:00.000Z", "2026-03-29T03:00:00.000Z", "2026-03-29T01:30:00.000Z"]]);
    expect(spans(berlin([w("01:00", "02:30")], 0), sunday)).toEqual([["2026-03-29T00:00:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-29T00:00:00.000Z"]]);
    expect(spans(berlin([w("02:00", "02:30")], 0), sunday)).toEqual([]);
  });

  it("cuts what a fall-back repeats before a window's start, and keeps a window inside the repeated hour whole", () => {
    const sunday = dateOf("2026-10-25");
    expect(spans(berlin([w("02:30", "04:00")], 0), sunday)).toEqual([
      ["2026-10-25T00:30:00.000Z", "2026-10-25T01:00:00.000Z", "2026-10-25T00:30:00.000Z"],
      ["2026-10-25T01:30:00.000Z", "2026-10-25T03:00:00.000Z", "2026-10-25T00:30:00.000Z"],
    ]);
    expect(spans(berlin([w("02:00", "02:30")], 0), sunday)).toEqual([["2026-10-25T00:00:00.000Z", "2026-10-25T00:30:00.000Z", "2026-10-25T00:00:00.000Z"]]);
    expect(spans(berlin([w("01:00", "05:00")], 0), sunday)).toEqual([["2026-10-24T23:00:00.000Z", "2026-10-25T04:00:00.000Z", "2026-10-24T23:00:00.000Z"]]);
  });

  it("orders a day's windows by start, weekly and on a date that differs, and lists the last date asked for", () => {
    const monday = dateOf("2026-06-01");
    const open = new OpenTime(
      makeSchedule("UTC", [{ weekday: 1, ...w("13:00", "14:00") }, { weekday: 1, ...w("09:00", "10:00") }], [{ date: dateOf("2026-06-02"), windows: [w("15:00", "16:00"), w("08:00", "09:00")] }]),
    );
    expect(open.windowsBetween(monday, dateOf("2026-06-02")).map((s) => new Date(s.start).toISOString().slice(5, 16))).toEqual([
      "06-01T09:00",
      "06-01T13:00",
      "06-02T08:00",
      "06-02T15:00",
    ]);
    expect(open.windowsBetween(monday, monday)).toHaveLength(2);
  });

  it("merges spans in any order: touching and overlapping joined, a contained one changes nothing", () => {
    expect(mergeIntervals([{ start: 5, end: 7 }, { start: 1, end: 3 }, { start: 3, end: 4 }, { start: 2, end: 2.5 }, { start: 6, end: 6.5 }])).toEqual([
      { start: 1, end: 4 },
      { start: 5, end: 7 },
    ]);
    expect(mergeIntervals([{ start: 1, end: 2 }, { start: 1, end: 3 }])).toEqual([{ start: 1, end: 3 }]);
    expect(mergeIntervals([{ start: 1, end: 3 }, { start: 3, end: 3 }])).toEqual([{ start: 1, end: 3 }]);
  });
});

describe("lengths an event type offers", () => {
  const two = eventTypeOf({ durationMinutes: 30, durationChoices: [30, 60] });
  const one = eventTypeOf({ durationMinutes: 30, durationChoices: [30] });

  it("takes a length it offers, and no other", () => {
    expect(withDuration(two, 30)).toBe(two);
    expect(withDuration(two, 60)).toEqual({ ...two, durationMinutes: 60 });
    expect(withDuration(two, 45)).toBeUndefined();
    expect(withDuration(one, 30)).toBe(one);
    expect(withDuration(one, 60)).toBeUndefined();
  });

  it("names the chosen length only when there is a choice", () => {
    expect(chosenLengthOf(two)).toBe(30);
    expect(chosenLengthOf({ ...two, durationMinutes: 60 })).toBe(60);
    expect(chosenLengthOf(one)).toBeUndefined();
    expect(offerKeyOf(one)).toBe(one.id);
    expect(offerKeyOf(two)).toBe(`${two.id}~30`);
    expect(offerKeyOf({ ...one, durationMinutes: 45 })).toBe(`${one.id}~45`);
  });

  it("keeps a booking's own length, and turns minutes into milliseconds for the policy", () => {
    expect(asBooked(two, { start: 0, end: 30 * MINUTE_MS })).toBe(two);
    expect(asBooked(two, { start: 0, end: 90 * MINUTE_MS }).durationMinutes).toBe(90);
    const policy = policyOf({ ...one, bufferBeforeMinutes: 5, bufferAfterMinutes: 10, slotIntervalMinutes: null, minimumNoticeMinutes: 60 });
    expect(policy).toMatchObject({ durationMs: 30 * MINUTE_MS, intervalMs: 30 * MINUTE_MS, bufferBeforeMs: 5 * MINUTE_MS, bufferAfterMs: 10 * MINUTE_MS, minimumNoticeMs: HOUR_MS });
    expect(policyOf({ ...one, slotIntervalMinutes: 15 }).intervalMs).toBe(15 * MINUTE_MS);
  });
});

describe("slot specs (npm run slots)", () => {
  const base = { hostTimeZone: "UTC", now: "2026-06-01T00:00:00Z", from: "2026-06-01T00:00:00Z", to: "2026-06-02T00:00:00Z" };
  const field = (input: unknown) => {
    const decoded = decodeSlotSpec(input);
    return Either.isLeft(decoded) ? `${decoded.left.field}: ${decoded.left.message}` : "ok";
  };

  it("names the field of each impossible span", () => {
    expect(field({ ...base, overrides: [{ date: "2026-06-01", windows: [{ start: "10:00", end: "10:00" }] }] })).toBe("overrides[0].windows[0].start: must be before end");
    expect(field({ ...base, rules: [{ days: [1], start: "10:00", end: "10:00" }] })).toBe("rules[0].start: must be before end");
    expect(field({ ...base, bookings: [{ start: "2026-06-01T10:00:00Z", end: "2026-06-01T10:00:00Z" }] })).toBe("bookings[0].start: must be before end");
    expect(field({ ...base, busy: [{ start: "2026-06-01T10:00:00Z", end: "2026-06-01T10:00:00Z" }] })).toBe("busy[0].start: must be before end");
    expect(field({ ...base, from: base.to })).toBe("from: must be before to");
    expect(field({ ...base, to: "2027-06-03T00:00:00Z" })).toBe("to: the range may be at most a year (366 days) long");
    expect(field({ ...base, to: new Date(Date.parse(base.from) + 366 * DAY_MS).toISOString() })).toBe("ok");
    expect(field({ ...base, rules: [{ days: [7], start: "09:00", end: "10:00" }] })).toBe("rules[0].days[0]: must be a weekday from 0 (Sunday) to 6 (Saturday)");
    expect(field({ ...base, rules: [{ days: [6, 0], start: "09:00", end: "10:00" }] })).toBe("ok");
    expect(field({ ...base, durationMinutes: 1440 })).toBe("ok");
    expect(field({ ...base, durationMinutes: 1441 })).toBe("durationMinutes: a duration must be a whole number of minutes from 1 to 1440");
    expect(field({ ...base, overrides: [{ date: "2026-02-30", windows: [] }] })).toBe('overrides[0].date: must be a date "YYYY-MM-DD", not "2026-02-30"');
    expect(field("not a spec")).toMatch(/^spec: /);
  });

  it("turns a spec's dates, windows and bookings into the engine's terms", () => {
    const decoded = decodeSlotSpec({
      ...base,
      overrides: [{ date: "2026-06-01", windows: [{ start: "09:00", end: "10:00" }] }],
      bookings: [{ start: "2026-06-01T09:00:00Z", end: "2026-06-01T09:30:00Z", bufferBeforeMinutes: 5, bufferAfterMinutes: 10, sameEventType: false }],
    });
    if (Either.isLeft(decoded)) throw decoded.left;
    expect(scheduleOf(decoded.right).overrides.get(dateOf("2026-06-01"))).toEqual([{ start: 540, end: 600 }]);
    expect(occupiedOfSpec(decoded.right)).toEqual([
      { start: Z("2026-06-01T09:00:00Z"), end: Z("2026-06-01T09:30:00Z"), bufferBeforeMs: 5 * MINUTE_MS, bufferAfterMs: 10 * MINUTE_MS, countsTowardDailyLimit: false },
    ]);
    expect(slotsOfSpec(decoded.right)).toEqual([]);
  });
});
