import { describe, expect, it } from "vitest";
import { makeSchedule, OpenTime } from "../../src/domain/schedule.ts";
import { checkSlot, type EventPolicy } from "../../src/domain/slots.ts";
import { DAY_MS, HOUR_MS, MINUTE_MS, parseInstant, parseLocalDate, parseWallTime } from "../../src/domain/time.ts";
import { canonicalTimeZone, formatOffset } from "../../src/domain/zone.ts";
import { weekdays } from "../support/fixtures.ts";

/** The strict parsers at the edges, the zone names people type, and where booking notice and horizon begin. */

describe("dates, wall times and instants as written", () => {
  it("reads real dates only", () => {
    expect(parseLocalDate("2028-02-29")).toBe(Date.UTC(2028, 1, 29) / DAY_MS);
    for (const text of ["2026-02-29", "2026-02-30", "2026-13-01", "2026-00-10", "2026-04-31", "2026-4-01", " 2026-04-01", "2026-04-01T", ""]) {
      expect(parseLocalDate(text), text).toBeUndefined();
    }
  });

  it("reads 00:00 to 23:59, and 24:00 as the end of the day", () => {
    expect(parseWallTime("00:00")).toBe(0);
    expect(parseWallTime("23:59")).toBe(1439);
    expect(parseWallTime("24:00")).toBe(1440);
    expect(parseWallTime("09:05")).toBe(545);
    for (const text of ["24:01", "25:00", "12:60", "9:00", "09:0", "0900", "", "ab:cd"]) expect(parseWallTime(text), text).toBeUndefined();
  });

  it("reads instants with a zone designator, on real dates only", () => {
    expect(parseInstant("2026-03-08T07:00:00Z")).toBe(Date.UTC(2026, 2, 8, 7));
    expect(parseInstant("2026-03-08T09:00+02:00")).toBe(Date.UTC(2026, 2, 8, 7));
    expect(parseInstant("2026-03-08T07:00:00.123Z")).toBe(Date.UTC(2026, 2, 8, 7, 0, 0, 123));
    for (const text of ["2026-02-30T10:00:00Z", "2026-03-08T07:00:00", "2026-03-08 07:00Z", "2026-03-08T24:00Z", "tomorrow", ""]) {
      expect(parseInstant(text), text).toBeUndefined();
    }
  });
});

describe("zone names people type", () => {
  it("spells a listed zone properly whatever its case, keeps an old spelling written properly, refuses the rest", () => {
    expect(canonicalTimeZone("europe/vienna")).toBe("Europe/Vienna");
    expect(canonicalTimeZone("AMERICA/NEW_YORK")).toBe("America/New_York");
    expect(canonicalTimeZone("America/Argentina/Buenos_Aires")).toBe("America/Argentina/Buenos_Aires");
    expect(canonicalTimeZone("UTC")).toBe("UTC");
    for (const zone of ["Mars/Olympus_Mons", "+02:00", "Europe/Vienna ", "", `Europe/${"V".repeat(60)}`]) expect(canonicalTimeZone(zone), zone).toBeUndefined();
    // Asked twice, answered alike (the second from memory).
    expect(canonicalTimeZone("europe/vienna")).toBe("Europe/Vienna");
    expect(canonicalTimeZone("Mars/Olympus_Mons")).toBeUndefined();
  });

  it("writes offsets with sign, hours and minutes", () => {
    expect(formatOffset(0)).toBe("+00:00");
    expect(formatOffset(5.75 * HOUR_MS)).toBe("+05:45");
    expect(formatOffset(-3 * HOUR_MS)).toBe("-03:00");
    expect(formatOffset(-9.5 * HOUR_MS)).toBe("-09:30");
    expect(formatOffset(14 * HOUR_MS)).toBe("+14:00");
  });
});

describe("when a time may be booked", () => {
  const policy: EventPolicy = {
    durationMs: 30 * MINUTE_MS,
    intervalMs: 30 * MINUTE_MS,
    bufferBeforeMs: 0,
    bufferAfterMs: 0,
    minimumNoticeMs: 2 * HOUR_MS,
    maxDaysAhead: 2,
    maxPerDay: null,
    maxPerWeek: null,
  };
  const input = { openTime: new OpenTime(makeSchedule("UTC", weekdays("00:00", "24:00", [0, 1, 2, 3, 4, 5, 6]), [])), policy, occupied: [], busy: [] };
  /** Monday 2030-01-07 10:00 UTC. */
  const now = Date.UTC(2030, 0, 7, 10);

  it("from exactly the notice on, not a slot before", () => {
    expect(checkSlot(input, now + 2 * HOUR_MS, now)).toEqual({ offered: true });
    expect(checkSlot(input, now + 90 * MINUTE_MS, now)).toEqual({ offered: false, reason: "TooSoon" });
    expect(checkSlot(input, now, now)).toEqual({ offered: false, reason: "TooSoon" });
    expect(checkSlot(input, now - HOUR_MS, now)).toEqual({ offered: false, reason: "TooSoon" });
  });

  it("up to the start of the host's day that many days ahead: two days ahead is today and tomorrow", () => {
    expect(checkSlot(input, Date.UTC(2030, 0, 8, 23, 30), now)).toEqual({ offered: true });
    expect(checkSlot(input, Date.UTC(2030, 0, 9, 0, 0), now)).toEqual({ offered: false, reason: "TooFarAhead" });
    expect(checkSlot(input, Date.UTC(2030, 0, 9, 0, 7), now)).toEqual({ offered: false, reason: "TooFarAhead" });
  });

  it("off the grid or outside the hours is not offered; an overlap is taken", () => {
    expect(checkSlot(input, now + 3 * HOUR_MS + MINUTE_MS, now)).toEqual({ offered: false, reason: "SlotNotOffered" });
    const booked = { ...input, occupied: [{ start: now + 3 * HOUR_MS + 15 * MINUTE_MS, end: now + 3 * HOUR_MS + 45 * MINUTE_MS, bufferBeforeMs: 0, bufferAfterMs: 0, countsTowardDailyLimit: true }] };
    expect(checkSlot(booked, now + 3 * HOUR_MS, now)).toEqual({ offered: false, reason: "SlotTaken" });
    expect(checkSlot(booked, now + 3 * HOUR_MS + 30 * MINUTE_MS, now)).toEqual({ offered: false, reason: "SlotTaken" });
    expect(checkSlot(booked, now + 4 * HOUR_MS, now)).toEqual({ offered: true });
  });

  it("names the daily limit when a day is full, the weekly one when only the week is", () => {
    const one = { start: now + 3 * HOUR_MS, end: now + 3 * HOUR_MS + 30 * MINUTE_MS, bufferBeforeMs: 0, bufferAfterMs: 0, countsTowardDailyLimit: true };
    const daily = { ...input, policy: { ...policy, maxPerDay: 1 }, occupied: [one] };
    expect(checkSlot(daily, now + 5 * HOUR_MS, now)).toEqual({ offered: false, reason: "DailyLimitReached" });
    expect(checkSlot(daily, now + 24 * HOUR_MS, now)).toEqual({ offered: true });
    const weekly = { ...input, policy: { ...policy, maxPerWeek: 1 }, occupied: [one] };
    expect(checkSlot(weekly, now + 24 * HOUR_MS, now)).toEqual({ offered: false, reason: "WeeklyLimitReached" });
    const otherType = { ...input, policy: { ...policy, maxPerDay: 1 }, occupied: [{ ...one, countsTowardDailyLimit: false }] };
    expect(checkSlot(otherType, now + 5 * HOUR_MS, now)).toEqual({ offered: true });
  });
});
