import { Either } from "effect";
import { describe, expect, it } from "vitest";
import { groupByViewerDate } from "../../src/domain/projection.ts";
import { decodeSlotSpec, slotsOfSpec, type SlotSpecInput } from "../../src/domain/spec.ts";
import { formatInstant, formatLocalDate, type EpochMs } from "../../src/domain/time.ts";
import { zoneTable } from "../../src/domain/zone.ts";
import { referenceLocal } from "../properties/reference.ts";

const EVERY_DAY = [0, 1, 2, 3, 4, 5, 6];

const slots = (spec: Partial<SlotSpecInput> & Pick<SlotSpecInput, "hostTimeZone" | "from" | "to">) => {
  const decoded = decodeSlotSpec({ now: "2000-01-01T00:00:00Z", durationMinutes: 30, ...spec });
  if (Either.isLeft(decoded)) throw new Error(`${decoded.left.field}: ${decoded.left.message}`);
  return slotsOfSpec(decoded.right).map(formatInstant);
};

/** "HH:MM" of an instant on the host's clock. */
const clock = (iso: string, zone: string) => {
  const { minutes } = referenceLocal(Date.parse(iso), zone);
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(Math.floor(minutes % 60)).padStart(2, "0")}`;
};

const localDates = (isos: ReadonlyArray<string>, zone: string) =>
  isos.map((iso) => formatLocalDate(referenceLocal(Date.parse(iso), zone).date));

describe("named time zones", () => {
  it("America/New_York, fall back: a 01:30–03:00 window never offers the repeated 01:00 EST", () => {
    const zone = "America/New_York";
    const result = slots({
      hostTimeZone: zone,
      rules: [{ days: [0], start: "01:30", end: "03:00" }],
      from: "2026-11-01T00:00:00Z",
      to: "2026-11-02T00:00:00Z",
    });
    expect(result).toEqual(["2026-11-01T05:30:00.000Z", "2026-11-01T06:30:00.000Z", "2026-11-01T07:00:00.000Z", "2026-11-01T07:30:00.000Z"]);
    expect(result.map((s) => clock(s, zone))).toEqual(["01:30", "01:30", "02:00", "02:30"]);
  });

  it("America/New_York, spring forward: 02:30 does not exist and moves forward to 03:30", () => {
    const result = slots({
      hostTimeZone: "America/New_York",
      rules: [{ days: [0], start: "02:30", end: "04:00" }],
      from: "2026-03-08T00:00:00Z",
      to: "2026-03-09T00:00:00Z",
    });
    expect(result).toEqual(["2026-03-08T07:30:00.000Z"]);
  });

  it("Europe/London keeps 09:00 on its clock on both sides of both changes", () => {
    const zone = "Europe/London";
    const rules = [{ days: EVERY_DAY, start: "09:00", end: "09:30" }];
    const spring = slots({ hostTimeZone: zone, rules, from: "2026-03-28T00:00:00Z", to: "2026-03-31T00:00:00Z" });
    expect(spring).toEqual(["2026-03-28T09:00:00.000Z", "2026-03-29T08:00:00.000Z", "2026-03-30T08:00:00.000Z"]);
    const autumn = slots({ hostTimeZone: zone, rules, from: "2026-10-24T00:00:00Z", to: "2026-10-27T00:00:00Z" });
    expect(autumn).toEqual(["2026-10-24T08:00:00.000Z", "2026-10-25T09:00:00.000Z", "2026-10-26T09:00:00.000Z"]);
  });

  it("Australia/Lord_Howe's 30-minute change: 02:00 falls in the half-hour gap and moves to 02:30", () => {
    const zone = "Australia/Lord_Howe";
    const result = slots({
      hostTimeZone: zone,
      rules: [{ days: [0], start: "02:00", end: "03:30" }],
      from: "2026-10-03T00:00:00Z",
      to: "2026-10-05T00:00:00Z",
    });
    expect(result.map((s) => clock(s, zone))).toEqual(["02:30", "03:00"]);
    expect(localDates(result, zone)).toEqual(["2026-10-04", "2026-10-04"]);
  });

  it("Asia/Kathmandu (+05:45): 09:00 is 03:15 UTC", () => {
    expect(
      slots({
        hostTimeZone: "Asia/Kathmandu",
        rules: [{ days: [1], start: "09:00", end: "09:30" }],
        from: "2026-03-09T00:00:00Z",
        to: "2026-03-10T00:00:00Z",
      }),
    ).toEqual(["2026-03-09T03:15:00.000Z"]);
  });

  it("Pacific/Apia skipped Friday 2011-12-30: that day has no slots, its neighbours keep theirs", () => {
    const zone = "Pacific/Apia";
    const result = slots({
      hostTimeZone: zone,
      rules: [{ days: EVERY_DAY, start: "09:00", end: "17:00" }],
      from: "2011-12-29T00:00:00Z",
      to: "2012-01-02T00:00:00Z",
    });
    const dates = localDates(result, zone);
    expect(dates).not.toContain("2011-12-30");
    expect(dates.filter((d) => d === "2011-12-29")).toHaveLength(16);
    expect(dates.filter((d) => d === "2011-12-31")).toHaveLength(16);
  });

  it("Pacific/Kiritimati (+14): Monday 09:00 there is Sunday 19:00 UTC, and a UTC viewer sees it on Sunday", () => {
    const result = slots({
      hostTimeZone: "Pacific/Kiritimati",
      rules: [{ days: [1], start: "09:00", end: "09:30" }],
      from: "2026-03-08T00:00:00Z",
      to: "2026-03-10T00:00:00Z",
    });
    expect(result).toEqual(["2026-03-08T19:00:00.000Z"]);
    const [day] = groupByViewerDate([Date.parse(result[0]!) as EpochMs], 30 * 60_000, "UTC");
    expect(formatLocalDate(day!.date)).toBe("2026-03-08");
  });

  it("America/Santiago skips midnight: Sunday 00:00–02:00 starts at 01:00, Saturday's 22:00–24:00 ends at the gap", () => {
    const zone = "America/Santiago";
    const sunday = slots({
      hostTimeZone: zone,
      rules: [{ days: [0], start: "00:00", end: "02:00" }],
      from: "2026-09-05T00:00:00Z",
      to: "2026-09-08T00:00:00Z",
    });
    expect(sunday.map((s) => clock(s, zone))).toEqual(["01:00", "01:30"]);
    const saturday = slots({
      hostTimeZone: zone,
      rules: [{ days: [6], start: "22:00", end: "24:00" }],
      from: "2026-09-05T00:00:00Z",
      to: "2026-09-07T00:00:00Z",
    });
    expect(saturday.map((s) => clock(s, zone))).toEqual(["22:00", "22:30", "23:00", "23:30"]);
    expect(localDates(saturday, zone)).toEqual(["2026-09-05", "2026-09-05", "2026-09-05", "2026-09-05"]);
  });

  it("America/Havana changes at midnight: 00:00 is skipped in March and 00:00–01:00 comes twice in November", () => {
    const zone = "America/Havana";
    const rules = [{ days: [0], start: "00:00", end: "02:00" }];
    const march = slots({ hostTimeZone: zone, rules, from: "2026-03-07T00:00:00Z", to: "2026-03-10T00:00:00Z" });
    expect(march.map((s) => clock(s, zone))).toEqual(["01:00", "01:30"]);
    const november = slots({ hostTimeZone: zone, rules, from: "2026-10-31T00:00:00Z", to: "2026-11-03T00:00:00Z" });
    // Both passes of 00:00–01:00 read inside the window: three hours of open time.
    expect(november.map((s) => clock(s, zone))).toEqual(["00:00", "00:30", "00:00", "00:30", "01:00", "01:30"]);
  });

  it("Africa/Casablanca's Ramadan changes move 09:00 by an hour but never lose a slot", () => {
    const zone = "Africa/Casablanca";
    const [leave, back] = zoneTable(zone).transitionsIn(Date.UTC(2026, 0, 1), Date.UTC(2026, 5, 1));
    expect(leave && back).toBeTruthy();
    const rules = [{ days: EVERY_DAY, start: "09:00", end: "17:00" }];
    for (const t of [leave!, back!]) {
      const result = slots({
        hostTimeZone: zone,
        rules,
        from: new Date(t.at - 2 * 86_400_000).toISOString(),
        to: new Date(t.at + 2 * 86_400_000).toISOString(),
      });
      expect(new Set(result.map((s) => clock(s, zone)))).toEqual(new Set(result.slice(0, 16).map((s) => clock(s, zone))));
      expect(result).toHaveLength(4 * 16);
    }
  });

  it("Europe/Dublin (winter is its 'negative' DST): 09:00 is 09:00 UTC in January and 08:00 UTC in July", () => {
    const rules = [{ days: [1], start: "09:00", end: "09:30" }];
    expect(slots({ hostTimeZone: "Europe/Dublin", rules, from: "2026-01-05T00:00:00Z", to: "2026-01-06T00:00:00Z" })).toEqual([
      "2026-01-05T09:00:00.000Z",
    ]);
    expect(slots({ hostTimeZone: "Europe/Dublin", rules, from: "2026-07-06T00:00:00Z", to: "2026-07-07T00:00:00Z" })).toEqual([
      "2026-07-06T08:00:00.000Z",
    ]);
  });
});

describe("the failures seen in other schedulers", () => {
  const base = { hostTimeZone: "Europe/Vienna", from: "2026-03-09T00:00:00Z", to: "2026-03-10T00:00:00Z" };

  it("a window starting at 09:30 keeps its first slot, and a second window at 12:30 is not skipped", () => {
    const result = slots({
      ...base,
      durationMinutes: 60,
      rules: [
        { days: [1], start: "09:30", end: "11:30" },
        { days: [1], start: "12:30", end: "13:30" },
      ],
    });
    expect(result.map((s) => clock(s, "Europe/Vienna"))).toEqual(["09:30", "10:30", "12:30"]);
  });

  it("never lists a slot inside another booking's buffer", () => {
    const result = slots({
      ...base,
      rules: [{ days: [1], start: "09:00", end: "12:00" }],
      // 10:00–10:30 Vienna, with 30 minutes after it.
      bookings: [{ start: "2026-03-09T09:00:00Z", end: "2026-03-09T09:30:00Z", bufferAfterMinutes: 30 }],
    });
    expect(result.map((s) => clock(s, "Europe/Vienna"))).toEqual(["09:00", "09:30", "11:00", "11:30"]);
  });

  it("counts per-day limits on the host's date, not the invitee's", () => {
    // Tokyo host; a booking at 08:00 Tokyo on Tuesday is still Monday in UTC.
    const result = slots({
      hostTimeZone: "Asia/Tokyo",
      maxPerDay: 1,
      rules: [{ days: [1, 2], start: "08:00", end: "09:00" }],
      bookings: [{ start: "2026-03-09T23:00:00Z", end: "2026-03-09T23:30:00Z" }],
      from: "2026-03-08T00:00:00Z",
      to: "2026-03-11T00:00:00Z",
    });
    expect(localDates(result, "Asia/Tokyo")).toEqual(["2026-03-09", "2026-03-09"]);
  });

  it("lets availability run past midnight as one stretch", () => {
    const result = slots({
      hostTimeZone: "Europe/Vienna",
      durationMinutes: 60,
      rules: [
        { days: [1], start: "23:00", end: "24:00" },
        { days: [2], start: "00:00", end: "01:00" },
      ],
      slotIntervalMinutes: 30,
      from: "2026-03-09T00:00:00Z",
      to: "2026-03-11T00:00:00Z",
    });
    expect(result.map((s) => clock(s, "Europe/Vienna"))).toEqual(["23:00", "23:30", "00:00"]);
  });
});
