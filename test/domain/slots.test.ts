import { describe, expect, it } from "vitest";
import { makeSchedule, OpenTime } from "../../src/domain/schedule.ts";
import { checkSlot, listSlots, type EventPolicy } from "../../src/domain/slots.ts";
import { formatInstant, MINUTE_MS, parseInstant, parseLocalDate } from "../../src/domain/time.ts";
import { wall, weekdays } from "../support/fixtures.ts";

const halfHour: EventPolicy = {
  durationMs: 30 * MINUTE_MS,
  intervalMs: 30 * MINUTE_MS,
  bufferBeforeMs: 0,
  bufferAfterMs: 0,
  minimumNoticeMs: 0,
  maxDaysAhead: null,
  maxPerDay: null,
  maxPerWeek: null,
};

const at = (iso: string) => parseInstant(iso)!;

const slotsOf = (zone: string, from: string, to: string, rules = weekdays("09:00", "17:00"), overrides = []) =>
  listSlots(
    { openTime: new OpenTime(makeSchedule(zone, rules, overrides)), policy: halfHour, occupied: [], busy: [] },
    { from: at(from), to: at(to), now: at("2026-01-01T00:00:00Z") },
  ).map(formatInstant);

describe("the slot function", () => {
  it("gives 16 half-hour slots on each weekday of a plain week, at 09:00–16:30 local", () => {
    // 2026-03-02 is a Monday; New York is on EST (UTC−5) all week.
    const slots = slotsOf("America/New_York", "2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z");
    expect(slots).toHaveLength(5 * 16);
    expect(slots[0]).toBe("2026-03-02T14:00:00.000Z");
    expect(slots[15]).toBe("2026-03-02T21:30:00.000Z");
    expect(slots[16]).toBe("2026-03-03T14:00:00.000Z");
    expect(slots.at(-1)).toBe("2026-03-06T21:30:00.000Z");
    expect(slots.some((s) => s.startsWith("2026-03-07") || s.startsWith("2026-03-08"))).toBe(false);
  });

  it("keeps 09:00 local across the spring-forward change: 14:00Z before it, 13:00Z after", () => {
    // Clocks in New York jump from 02:00 to 03:00 on Sunday 2026-03-08.
    const slots = slotsOf("America/New_York", "2026-03-06T00:00:00Z", "2026-03-11T00:00:00Z");
    expect(slots.filter((s) => s.startsWith("2026-03-06"))[0]).toBe("2026-03-06T14:00:00.000Z");
    expect(slots.filter((s) => s.startsWith("2026-03-09"))[0]).toBe("2026-03-09T13:00:00.000Z");
    expect(slots.filter((s) => s.startsWith("2026-03-09"))).toHaveLength(16);
  });

  it("keeps 09:00 local across the fall-back change in Europe/London", () => {
    // London leaves BST (UTC+1) on Sunday 2026-10-25.
    const slots = slotsOf("Europe/London", "2026-10-23T00:00:00Z", "2026-10-27T00:00:00Z");
    expect(slots.filter((s) => s.startsWith("2026-10-23"))[0]).toBe("2026-10-23T08:00:00.000Z");
    expect(slots.filter((s) => s.startsWith("2026-10-26"))[0]).toBe("2026-10-26T09:00:00.000Z");
  });

  it("gives an overnight window on the change night its real length: 01:00–04:00 is two hours in spring", () => {
    const rules = [{ weekday: 0, start: wall("01:00"), end: wall("04:00") }];
    const slots = slotsOf("America/New_York", "2026-03-08T00:00:00Z", "2026-03-09T00:00:00Z", rules);
    // 01:00 EST = 06:00Z … 04:00 EDT = 08:00Z: two hours, four slots.
    expect(slots).toEqual([
      "2026-03-08T06:00:00.000Z",
      "2026-03-08T06:30:00.000Z",
      "2026-03-08T07:00:00.000Z",
      "2026-03-08T07:30:00.000Z",
    ]);
  });

  it("lets a date override replace the weekly windows, and an empty one close the day", () => {
    const overrides = [
      { date: parseLocalDate("2026-03-03")!, windows: [{ start: wall("10:00"), end: wall("11:00") }] },
      { date: parseLocalDate("2026-03-04")!, windows: [] },
    ];
    const slots = slotsOf("America/New_York", "2026-03-03T00:00:00Z", "2026-03-05T00:00:00Z", weekdays("09:00", "17:00"), overrides as never);
    expect(slots).toEqual(["2026-03-03T15:00:00.000Z", "2026-03-03T15:30:00.000Z"]);
  });

  it("stops offering a week, Monday to Sunday in the host's zone, once its weekly limit is booked, and checks why", () => {
    // Tokyo: Monday 2026-03-02 09:00 local is 00:00Z. Two meetings that week reach a limit of two.
    const openTime = new OpenTime(makeSchedule("Asia/Tokyo", weekdays("09:00", "17:00"), []));
    const meeting = (iso: string) => ({ start: at(iso), end: at(iso) + 30 * MINUTE_MS, bufferBeforeMs: 0, bufferAfterMs: 0, countsTowardDailyLimit: true });
    const input = {
      openTime,
      policy: { ...halfHour, maxPerWeek: 2 },
      occupied: [meeting("2026-03-02T00:00:00Z"), meeting("2026-03-04T01:00:00Z")],
      busy: [],
    };
    const slots = listSlots(input, { from: at("2026-03-01T00:00:00Z"), to: at("2026-03-16T00:00:00Z"), now: at("2026-01-01T00:00:00Z") }).map(formatInstant);
    // Nothing in the week of 2 March (Tokyo), all of the next week (from Monday 9 March 00:00 Tokyo = 8 March 15:00Z).
    expect(slots.filter((s) => s < "2026-03-08T15:00:00.000Z")).toEqual([]);
    expect(slots.filter((s) => s >= "2026-03-08T15:00:00.000Z")).toHaveLength(5 * 16);
    expect(checkSlot(input, at("2026-03-05T00:00:00Z"), at("2026-01-01T00:00:00Z"))).toEqual({ offered: false, reason: "WeeklyLimitReached" });
    // A meeting of another event type does not count.
    const other = { ...input, occupied: input.occupied.map((o) => ({ ...o, countsTowardDailyLimit: false })) };
    expect(checkSlot(other, at("2026-03-05T00:00:00Z"), at("2026-01-01T00:00:00Z"))).toEqual({ offered: true });
  });
});
