import { addDays, weekdayOf, wallClockMs, type EpochMs, type LocalDate, type WallMinutes } from "./time.ts";
import { zoneTable, type ZoneTable } from "./zone.ts";

/** A half-open span of instants `[start, end)`. */
export interface Interval {
  readonly start: number;
  readonly end: number;
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
  const weekly: Window[][] = [[], [], [], [], [], [], []];
  for (const { weekday, start, end } of rules) weekly[weekday]!.push({ start, end });
  return {
    timeZone,
    weekly,
    overrides: new Map(overrides.map((o) => [o.date, o.windows])),
  };
};

/**
 * The host's open time as instants, memoized per local date. A window on a date covers
 * `[start, end)` of that date's wall clock: the start resolves like Temporal's `compatible`
 * (a time in a spring-forward gap moves forward, an ambiguous time takes the earlier instant);
 * an end inside a gap ends at the gap, so no slot is ever labelled after its window's end.
 * The actor keeps one of these per schedule version, which is what keeps listing cheap.
 */
export class OpenTime {
  readonly zone: ZoneTable;
  private readonly byDate = new Map<number, ReadonlyArray<Interval>>();

  constructor(readonly schedule: Schedule) {
    this.zone = zoneTable(schedule.timeZone);
  }

  windowsOn(date: LocalDate): ReadonlyArray<Interval> {
    let windows = this.byDate.get(date);
    if (windows === undefined) {
      windows = this.resolve(date);
      if (this.byDate.size > 4_000) this.byDate.clear();
      this.byDate.set(date, windows);
    }
    return windows;
  }

  /**
   * Open stretches (windows that touch or overlap merged, across midnight too) that may hold
   * slots starting in `[from, to)`. Open time before `clip` is ignored, so a stretch that runs on
   * from before then steps its slots from `clip`: this keeps the slot grid a function of the
   * schedule and `clip` alone, never of the range asked for.
   */
  stretches(from: number, to: number, clip: EpochMs): Interval[] {
    const zone = this.zone;
    const clipDate = zone.localDateOf(clip);
    let first = addDays(zone.localDateOf(Math.max(from, clip)), -1);
    // Walk back while a stretch continues over midnight into `first`, so its start is known.
    while (first > clipDate && this.continuesFromPreviousDay(first)) first = addDays(first, -1);
    const last = addDays(zone.localDateOf(to), 1);
    const all: Interval[] = [];
    for (let date = first; date <= last; date = addDays(date, 1)) {
      for (const w of this.windowsOn(date)) if (w.end > clip) all.push(w);
    }
    all.sort((a, b) => a.start - b.start);
    const merged: Interval[] = [];
    for (const w of all) {
      const top = merged[merged.length - 1];
      if (top !== undefined && w.start <= top.end) {
        if (w.end > top.end) merged[merged.length - 1] = { start: top.start, end: w.end };
      } else merged.push({ start: Math.max(w.start, clip), end: w.end });
    }
    return merged;
  }

  private continuesFromPreviousDay(date: LocalDate): boolean {
    const today = this.windowsOn(date);
    if (today.length === 0) return false;
    const earliest = Math.min(...today.map((w) => w.start));
    return this.windowsOn(addDays(date, -1)).some((w) => w.end >= earliest);
  }

  private resolve(date: LocalDate): ReadonlyArray<Interval> {
    const windows = this.schedule.overrides.get(date) ?? this.schedule.weekly[weekdayOf(date)]!;
    const out: Interval[] = [];
    for (const w of windows) {
      const start = this.zone.instantOf(wallClockMs(date, w.start), "compatible");
      const end = this.zone.instantOf(wallClockMs(date, w.end), "endAtGap");
      if (end > start) out.push({ start, end });
    }
    return out;
  }
}
