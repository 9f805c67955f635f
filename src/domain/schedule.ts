import { addDays, weekdayOf, wallClockMs, type LocalDate, type WallMinutes } from "./time.ts";
import { zoneTable, type ZoneTable } from "./zone.ts";

/** A half-open span of instants `[start, end)`. */
export interface Interval {
  readonly start: number;
  readonly end: number;
}

/**
 * Part of a window as instants. `grid` is where the window's slot grid is anchored (its start
 * instant): a window cut in two by a fall-back keeps one grid.
 */
export interface WindowSpan extends Interval {
  readonly grid: number;
}

/** Host-local wall times `[start, end)`; `end` may be 1440 ("24:00"). */
export interface Window {
  readonly start: WallMinutes;
  readonly end: WallMinutes;
}

export interface WeeklyRule extends Window {
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekday: number;
}

export interface DateOverride {
  readonly date: LocalDate;
  /** Replaces that date's weekly windows; empty closes the day. */
  readonly windows: ReadonlyArray<Window>;
}

export interface Schedule {
  readonly timeZone: string;
  readonly weekly: ReadonlyArray<ReadonlyArray<Window>>;
  readonly overrides: ReadonlyMap<LocalDate, ReadonlyArray<Window>>;
}

export const makeSchedule = (
  timeZone: string,
  rules: ReadonlyArray<WeeklyRule>,
  overrides: ReadonlyArray<DateOverride>,
): Schedule => {
  const byStart = (a: Window, b: Window) => a.start - b.start;
  const weekly: Window[][] = [[], [], [], [], [], [], []];
  for (const { weekday, start, end } of rules) weekly[weekday]!.push({ start, end });
  for (const day of weekly) day.sort(byStart);
  return {
    timeZone,
    weekly,
    overrides: new Map(overrides.map((o) => [o.date, [...o.windows].sort(byStart)])),
  };
};

/**
 * The host's open time as instants, memoized per local date. A window on a date covers the
 * instants whose wall clock on that date reads within `[start, end)`:
 * - its start resolves like Temporal's `compatible` (a time in a spring-forward gap moves
 *   forward by the gap, an ambiguous time takes the earlier instant);
 * - its end resolves to the earlier instant too, and an end inside a gap ends at the gap;
 * - where a fall-back inside the window repeats wall times before its start, those are cut.
 * So a slot never reads, in the host's zone, outside its window. The actor keeps one of
 * these per schedule version, which is what keeps listing cheap.
 */
export class OpenTime {
  readonly zone: ZoneTable;
  private readonly byDate = new Map<number, ReadonlyArray<WindowSpan>>();

  constructor(readonly schedule: Schedule) {
    this.zone = zoneTable(schedule.timeZone);
  }

  windowsOn(date: LocalDate): ReadonlyArray<WindowSpan> {
    let windows = this.byDate.get(date);
    // Stryker disable next-line ConditionalExpression: resolving a date again gives the same windows (speed only)
    if (windows === undefined) {
      windows = this.resolve(date);
      // Stryker disable next-line all: a bound on a memo: what is kept changes speed, not answers
      if (this.byDate.size > 4_000) this.byDate.clear();
      this.byDate.set(date, windows);
    }
    return windows;
  }

  /** Every window of the local dates `first` … `last`, in date order. */
  windowsBetween(first: LocalDate, last: LocalDate): WindowSpan[] {
    const all: WindowSpan[] = [];
    for (let date = first; date <= last; date = addDays(date, 1)) for (const w of this.windowsOn(date)) all.push(w);
    return all;
  }

  private resolve(date: LocalDate): ReadonlyArray<WindowSpan> {
    const windows = this.schedule.overrides.get(date) ?? this.schedule.weekly[weekdayOf(date)]!;
    const out: WindowSpan[] = [];
    for (const w of windows) {
      const wallStart = wallClockMs(date, w.start);
      const start = this.zone.instantOf(wallStart, "compatible");
      const end = this.zone.instantOf(wallClockMs(date, w.end), "endAtGap");
      let pieces: Interval[] = end > start ? [{ start, end }] : [];
      for (const t of this.zone.transitionsIn(start, end - 1)) {
        // After a fall-back the clock reads [at + after, at + before) again; cut what reads before the start.
        if (t.after >= t.before) continue;
        const cutEnd = t.at + Math.min(t.before - t.after, wallStart - (t.at + t.after));
        if (cutEnd > t.at) pieces = subtract(pieces, { start: t.at, end: cutEnd });
      }
      for (const p of pieces) out.push({ start: p.start, end: p.end, grid: start });
    }
    return out;
  }
}

const subtract = (pieces: ReadonlyArray<Interval>, cut: Interval): Interval[] =>
  pieces.flatMap((p) => {
    if (cut.end <= p.start || cut.start >= p.end) return [p];
    const left = cut.start > p.start ? [{ start: p.start, end: cut.start }] : [];
    const right = cut.end < p.end ? [{ start: cut.end, end: p.end }] : [];
    return [...left, ...right];
  });

/** Sorted, with touching or overlapping spans joined: open time as disjoint stretches. */
export const mergeIntervals = (spans: ReadonlyArray<Interval>): Interval[] => {
  let sorted = spans;
  for (let i = 1; i < spans.length; i++) {
    // Inputs are usually in order already (bookings, windows by date): sort only when not.
    // Stryker disable next-line EqualityOperator: sorting spans that are already in order changes nothing
    if (spans[i]!.start < spans[i - 1]!.start) {
      sorted = [...spans].sort((a, b) => a.start - b.start);
      break;
    }
  }
  const merged: Interval[] = [];
  for (const s of sorted) {
    const top = merged[merged.length - 1];
    if (top !== undefined && s.start <= top.end) {
      // Stryker disable next-line EqualityOperator: replacing an end with an equal one changes nothing
      if (s.end > top.end) merged[merged.length - 1] = { start: top.start, end: s.end };
    } else merged.push(s);
  }
  return merged;
};
