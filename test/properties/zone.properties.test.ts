import { describe, expect, it } from "@effect/vitest";
import { DAY_MS, MINUTE_MS, localDate } from "../../src/domain/time.ts";
import { zoneTable } from "../../src/domain/zone.ts";
import { FastCheck as fc } from "effect";
import { Temporal } from "@js-temporal/polyfill";
import { anchorArb, propertyOptions, referenceInstant, referenceLocal, zoneArb } from "./reference.ts";

const caseArb = zoneArb.chain((zone) => anchorArb(zone).map((instant) => ({ zone, instant })));

describe("the zone offset table", () => {
  it.prop(
    "agrees with Temporal on the offset and local date of every instant, around every kind of transition",
    [caseArb],
    ([{ zone, instant }]) => {
      const table = zoneTable(zone);
      const ref = referenceLocal(instant, zone);
      expect(table.offsetAt(instant)).toBe(ref.offsetMs);
      expect(table.localDateOf(instant)).toBe(ref.date);
    },
    propertyOptions,
  );

  it.prop(
    "resolves every wall-clock reading exactly as Temporal's `compatible` does (gaps forward, folds earlier)",
    [caseArb],
    ([{ zone, instant }]) => {
      const table = zoneTable(zone);
      // A whole-minute wall-clock reading near the instant, which may fall in a gap or a fold.
      const wall = Math.floor(table.wallClockAt(instant) / MINUTE_MS) * MINUTE_MS;
      const date = localDate(Math.floor(wall / DAY_MS));
      const minutes = (wall - date * DAY_MS) / MINUTE_MS;
      expect(table.instantOf(wall, "compatible")).toBe(referenceInstant(date, minutes, zone));
    },
    propertyOptions,
  );

  it.prop(
    "resolves wall-clock readings right at each transition, gaps and folds included, exactly as Temporal's `compatible` does",
    [zoneArb, fc.integer({ min: 2008, max: 2030 }), fc.nat(), fc.integer({ min: -90, max: 90 })],
    ([zone, year, pick, deltaMinutes]) => {
      const table = zoneTable(zone);
      const transitions = table.transitionsIn(Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1));
      if (transitions.length === 0) return;
      const t = transitions[pick % transitions.length]!;
      // The wall clock as it read just before the change, moved by up to an hour and a half:
      // inside a spring-forward gap or a fall-back fold for many of these readings.
      const wall = Math.floor((t.at + t.before) / MINUTE_MS) * MINUTE_MS + deltaMinutes * MINUTE_MS;
      const date = localDate(Math.floor(wall / DAY_MS));
      const minutes = (wall - date * DAY_MS) / MINUTE_MS;
      expect(table.instantOf(wall, "compatible")).toBe(referenceInstant(date, minutes, zone));
    },
    propertyOptions,
  );

  it.prop(
    "ends a range inside a gap at the gap, never after it",
    [caseArb],
    ([{ zone, instant }]) => {
      const table = zoneTable(zone);
      const wall = Math.floor(table.wallClockAt(instant) / MINUTE_MS) * MINUTE_MS;
      const end = table.instantOf(wall, "endAtGap");
      // Every instant before the end reads earlier than the wall time (on the clock as it runs then).
      expect(table.wallClockAt(end - 1)).toBeLessThan(wall);
      expect(table.wallClockAt(end)).toBeGreaterThanOrEqual(wall);
    },
    propertyOptions,
  );

  it.prop(
    "says a wall-clock reading repeats exactly when Temporal finds two instants for it (fall-back folds)",
    [zoneArb, fc.integer({ min: 2008, max: 2030 }), fc.nat(), fc.integer({ min: -120, max: 120 })],
    ([zone, year, pick, deltaMinutes]) => {
      const table = zoneTable(zone);
      const transitions = table.transitionsIn(Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1));
      if (transitions.length === 0) return;
      const t = transitions[pick % transitions.length]!;
      // Instants up to two hours either side of a change: inside a fold for many of them.
      const instant = t.at + deltaMinutes * MINUTE_MS;
      // The reading comes from a real instant, so it lies in no gap: it repeats when the earlier and later instants differ.
      const wall = Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(zone).toPlainDateTime();
      const earlier = wall.toZonedDateTime(zone, { disambiguation: "earlier" }).epochMilliseconds;
      const later = wall.toZonedDateTime(zone, { disambiguation: "later" }).epochMilliseconds;
      expect(table.repeatsWallClockAt(instant)).toBe(earlier !== later);
    },
    propertyOptions,
  );
});
