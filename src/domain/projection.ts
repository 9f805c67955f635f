import { DAY_MS, MINUTE_MS, localDate, type EpochMs, type LocalDate } from "./time.ts";
import { zoneTable } from "./zone.ts";

/** One slot as a viewer sees it: the same instants, labelled in the viewer's zone. */
export interface ViewedSlot {
  readonly start: EpochMs;
  readonly end: EpochMs;
  readonly date: LocalDate;
  /** Minutes since the viewer's local midnight at the start and end. */
  readonly startMinutes: number;
  readonly endMinutes: number;
  readonly offsetMs: number;
  readonly endOffsetMs: number;
  /** The start (or end) reads the same as another instant on the viewer's clock (a fall-back hour): say its offset. */
  readonly startRepeats: boolean;
  readonly endRepeats: boolean;
}

export interface ViewedDay {
  readonly date: LocalDate;
  readonly slots: ReadonlyArray<ViewedSlot>;
}

export const viewSlot = (start: EpochMs, durationMs: number, viewerZone: string): ViewedSlot => {
  const zone = zoneTable(viewerZone);
  const offsetMs = zone.offsetAt(start);
  const wall = start + offsetMs;
  const date = localDate(Math.floor(wall / DAY_MS));
  const end = (start + durationMs) as EpochMs;
  const endWall = zone.wallClockAt(end);
  const minutesOf = (w: number, day: number) => Math.floor((w - day * DAY_MS) / MINUTE_MS);
  return {
    start,
    end,
    date,
    startMinutes: minutesOf(wall, date),
    endMinutes: minutesOf(endWall, Math.floor(endWall / DAY_MS)),
    offsetMs,
    endOffsetMs: endWall - end,
    startRepeats: zone.repeatsWallClockAt(start),
    endRepeats: zone.repeatsWallClockAt(end),
  };
};

/** Slots grouped by the viewer's local date, in order; the instants never depend on the viewer. */
export const groupByViewerDate = (
  starts: ReadonlyArray<EpochMs>,
  durationMs: number,
  viewerZone: string,
): ViewedDay[] => {
  const days: { date: LocalDate; slots: ViewedSlot[] }[] = [];
  for (const start of starts) {
    const slot = viewSlot(start, durationMs, viewerZone);
    const last = days[days.length - 1];
    if (last !== undefined && last.date === slot.date) last.slots.push(slot);
    else days.push({ date: slot.date, slots: [slot] });
  }
  return days;
};
