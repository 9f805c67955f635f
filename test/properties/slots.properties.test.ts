import { describe, expect, it } from "@effect/vitest";
import { FastCheck as fc } from "effect";
import { groupByViewerDate } from "../../src/domain/projection.ts";
import { makeSchedule, OpenTime } from "../../src/domain/schedule.ts";
import { checkSlot, listSlots } from "../../src/domain/slots.ts";
import { addDays, DAY_MS, HOUR_MS, MINUTE_MS } from "../../src/domain/time.ts";
import {
  busyArb,
  edgeMinutes,
  propertyOptions,
  referenceLocal,
  referenceTransitions,
  ruleArb,
  scenarioArb,
  windowsOf,
  zoneArb,
  type Scenario,
} from "./reference.ts";

const slotsOf = (s: Scenario) => listSlots(s.input, s.range);

const overlaps = (a0: number, a1: number, b0: number, b1: number) => a0 < b1 && b0 < a1;

/** Instants of a meeting worth reading on the clock: its ends, a few between, and around every transition. */
const samplePoints = (start: number, end: number, zone: string) => {
  const points = [start, end - 1, start + (end - start) / 3, start + (2 * (end - start)) / 3];
  for (const t of referenceTransitions(start, end, zone)) {
    points.push(t.at, t.at - 1, t.at + Math.abs(t.before - t.after) - 1, t.at + Math.abs(t.before - t.after));
  }
  return points.filter((p) => p >= start && p < end).map(Math.floor);
};

describe("slots, over every time zone and its transitions", () => {
  it.prop(
    "every instant of every offered meeting reads, in the host's zone, inside a window of its local date",
    [scenarioArb],
    ([s]) => {
      const duration = s.input.policy.durationMs;
      const slots = slotsOf(s);
      // Every slot within a few hours of a transition, and a few others.
      const transitions = referenceTransitions(s.range.from - DAY_MS, s.range.to + DAY_MS, s.zone);
      const nearTransition = (t: number) => transitions.some((x) => Math.abs(x.at - t) < duration + 3 * HOUR_MS);
      for (const start of slots.filter((t, i) => i < 4 || i >= slots.length - 2 || nearTransition(t))) {
        for (const point of samplePoints(start, start + duration, s.zone)) {
          const local = referenceLocal(point, s.zone);
          const inside = windowsOf(s.schedule, local.date).some((w) => w.start <= local.minutes && local.minutes < w.end);
          expect(inside, `${new Date(point).toISOString()} reads ${local.minutes} on ${local.date}`).toBe(true);
        }
      }
    },
    propertyOptions,
  );

  it.prop(
    "no slot overlaps a booking or busy time, buffers included",
    [scenarioArb],
    ([s]) => {
      const { durationMs: d, bufferBeforeMs: bb, bufferAfterMs: ba } = s.input.policy;
      for (const t of slotsOf(s)) {
        for (const o of s.input.occupied) {
          expect(overlaps(t - bb, t + d + ba, o.start, o.end)).toBe(false);
          expect(overlaps(t, t + d, o.start - o.bufferBeforeMs, o.end + o.bufferAfterMs)).toBe(false);
        }
        for (const b of s.input.busy) expect(overlaps(t - bb, t + d + ba, b.start, b.end)).toBe(false);
      }
    },
    propertyOptions,
  );

  it.prop(
    "adding busy time never adds a slot",
    [scenarioArb.chain((s) => busyArb(s.range.from).map((extra) => ({ s, extra })))],
    ([{ s, extra }]) => {
      const before = new Set(slotsOf(s));
      const after = listSlots({ ...s.input, busy: [...s.input.busy, extra] }, s.range);
      for (const t of after) expect(before.has(t)).toBe(true);
    },
    propertyOptions,
  );

  it.prop(
    "adding a rule never removes a slot",
    [scenarioArb.chain((s) => ruleArb(edgeMinutes(s.zone, s.range.from)).map((extra) => ({ s, extra })))],
    ([{ s, extra }]) => {
      const widened = new OpenTime(makeSchedule(s.zone, [...s.rules, extra], s.overrides));
      const after = new Set(listSlots({ ...s.input, openTime: widened }, s.range));
      for (const t of slotsOf(s)) expect(after.has(t)).toBe(true);
    },
    propertyOptions,
  );

  it.prop(
    "projection to any viewer's zone keeps the same instants, grouped by the viewer's dates and labelled with their clock",
    [scenarioArb, zoneArb],
    ([s, viewer]) => {
      const slots = slotsOf(s);
      const days = groupByViewerDate(slots, s.input.policy.durationMs, viewer);
      expect(days.flatMap((d) => d.slots.map((v) => v.start))).toEqual(slots);
      for (const day of days.slice(0, 3)) {
        for (const v of day.slots.slice(0, 4)) {
          const ref = referenceLocal(v.start, viewer);
          expect(v.date).toBe(ref.date);
          expect(day.date).toBe(ref.date);
          expect(v.startMinutes).toBe(Math.floor(ref.minutes));
          expect(v.offsetMs).toBe(ref.offsetMs);
        }
      }
    },
    propertyOptions,
  );

  it.prop(
    "minimum notice, days ahead (host-local) and per-day limits (host-local) always hold",
    [scenarioArb],
    ([s]) => {
      const { policy } = s.input;
      const today = referenceLocal(s.range.now, s.zone).date;
      for (const t of slotsOf(s)) {
        expect(t).toBeGreaterThanOrEqual(s.range.now + policy.minimumNoticeMs);
        expect(t).toBeGreaterThanOrEqual(s.range.from);
        expect(t).toBeLessThan(s.range.to);
        const date = referenceLocal(t, s.zone).date;
        if (policy.maxDaysAhead !== null) expect(date).toBeLessThan(addDays(today, policy.maxDaysAhead));
        if (policy.maxPerDay !== null) {
          const booked = s.input.occupied.filter((o) => o.countsTowardDailyLimit && referenceLocal(o.start, s.zone).date === date);
          expect(booked.length).toBeLessThan(policy.maxPerDay);
        }
      }
    },
    propertyOptions,
  );

  it.prop(
    "the limits take away exactly what they forbid, nothing more: the unrestricted listing, filtered by each limit, is the listing",
    [scenarioArb],
    ([s]) => {
      const { policy } = s.input;
      const unrestricted = listSlots({ ...s.input, policy: { ...policy, minimumNoticeMs: 0, maxDaysAhead: null, maxPerDay: null, maxPerWeek: null } }, s.range);
      const today = referenceLocal(s.range.now, s.zone).date;
      const bookedOn = (date: number) =>
        s.input.occupied.filter((o) => o.countsTowardDailyLimit && referenceLocal(o.start, s.zone).date === date).length;
      // Weeks run Monday to Sunday; day 0 (1970-01-01) was a Thursday.
      const mondayOf = (date: number) => date - ((((date + 3) % 7) + 7) % 7);
      const bookedInWeek = (date: number) =>
        s.input.occupied.filter((o) => o.countsTowardDailyLimit && mondayOf(referenceLocal(o.start, s.zone).date) === mondayOf(date)).length;
      const allowed = unrestricted.filter((t) => {
        const date = referenceLocal(t, s.zone).date;
        return (
          t >= s.range.now + policy.minimumNoticeMs &&
          (policy.maxDaysAhead === null || date < addDays(today, policy.maxDaysAhead)) &&
          (policy.maxPerDay === null || bookedOn(date) < policy.maxPerDay) &&
          (policy.maxPerWeek === null || bookedInWeek(date) < policy.maxPerWeek)
        );
      });
      expect(slotsOf(s)).toEqual(allowed);
    },
    propertyOptions,
  );

  it.prop(
    "listing and booking agree: every listed start may be booked, and nearby unlisted starts may not",
    [scenarioArb, fc.integer({ min: 1, max: 59 })],
    ([s, nudge]) => {
      const slots = slotsOf(s);
      const listed = new Set<number>(slots);
      for (const t of slots.slice(0, 10)) {
        expect(checkSlot(s.input, t, s.range.now)).toEqual({ offered: true });
        for (const probe of [t + nudge * MINUTE_MS, t - nudge * MINUTE_MS, t + s.input.policy.intervalMs]) {
          if (listed.has(probe) || probe < s.range.from || probe >= s.range.to) continue;
          expect(checkSlot(s.input, probe, s.range.now).offered).toBe(false);
        }
      }
    },
    propertyOptions,
  );

  it.prop(
    "the slots of a range do not depend on how the range is cut",
    [scenarioArb, fc.double({ min: 0.05, max: 0.95, noNaN: true })],
    ([s, cut]) => {
      const middle = Math.floor(s.range.from + (s.range.to - s.range.from) * cut);
      const whole = slotsOf(s);
      const parts = [
        ...listSlots(s.input, { ...s.range, to: middle }),
        ...listSlots(s.input, { ...s.range, from: middle }),
      ];
      expect(parts).toEqual(whole);
    },
    propertyOptions,
  );
});
