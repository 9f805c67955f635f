import { gzipSync } from "node:zlib";
import type { HostSnapshot } from "../actors/HostSnapshot.ts";
import { offerKeyOf, type EventType } from "../domain/model.ts";
import { groupByViewerDate } from "../domain/projection.ts";
import { addDays, DAY_MS, type LocalDate } from "../domain/time.ts";
import { zoneTable } from "../domain/zone.ts";
import type { Viewer } from "../views/EventPage.tsx";
import { DaySlots, type DaySlotsData } from "../views/SlotList.tsx";

/** The free times of some viewer-local dates, and the next free day when they have none. */
export const daySlotsData = (
  snapshot: HostSnapshot,
  eventType: EventType,
  viewer: Viewer,
  dates: ReadonlyArray<LocalDate>,
  now: number,
  dayHref: (date: LocalDate) => string,
): DaySlotsData => {
  const zone = zoneTable(viewer.zone);
  const durationMs = eventType.durationMinutes * 60_000;
  const first = dates[0];
  const last = dates[dates.length - 1];
  const starts =
    first === undefined || last === undefined ? [] : snapshot.slots(eventType, zone.startOfDay(first), zone.startOfDay(addDays(last, 1)), now);
  const days = groupByViewerDate(starts, durationMs, viewer.zone);
  let nextAvailable: DaySlotsData["nextAvailable"];
  if (days.length === 0) {
    const from = last === undefined ? now : zone.startOfDay(addDays(last, 1));
    const [next] = snapshot.slots(eventType, Math.max(from, now), Math.max(from, now) + 60 * DAY_MS, now);
    if (next !== undefined) {
      const date = zone.localDateOf(next);
      nextAvailable = { date, href: dayHref(date) };
    }
  }
  return { offer: offerKeyOf(eventType), days, dates, clock: viewer.clock, language: viewer.language, nextAvailable };
};

/** A rendered slot list, and its bytes (plain and gzip) made once, when first served alone. */
export class Fragment {
  private plain: Buffer | undefined;
  private zipped: Buffer | undefined;

  constructor(readonly html: string) {}

  bytes(): Buffer {
    return (this.plain ??= Buffer.from(this.html, "utf8"));
  }

  gzip(): Buffer {
    return (this.zipped ??= gzipSync(this.bytes(), { level: 6 }));
  }
}

/**
 * Rendered slot lists, by everything they depend on: the host's calendar version, the event
 * type, zone, clock, dates, the page they link back to, and the minute (minimum notice moves
 * with the clock). Many visitors of a busy host share one rendering.
 */
export const makeDaySlotRenderer = () => {
  const fragments = new Map<string, Fragment>();
  return (
    snapshot: HostSnapshot,
    eventType: EventType,
    viewer: Viewer,
    dates: ReadonlyArray<LocalDate>,
    now: number,
    dayHref: (date: LocalDate) => string,
    hrefKey: string,
  ): Fragment => {
    const key = `${snapshot.host.id}|${snapshot.version}|${offerKeyOf(eventType)}|${viewer.zone}|${viewer.clock}|${viewer.language.ui}|${viewer.language.dates}|${dates.join(",")}|${hrefKey}|${Math.floor(now / 60_000)}`;
    let fragment = fragments.get(key);
    if (fragment === undefined) {
      fragment = new Fragment(DaySlots(daySlotsData(snapshot, eventType, viewer, dates, now, dayHref)) as string);
      if (fragments.size >= 5_000) fragments.delete(fragments.keys().next().value!);
      fragments.set(key, fragment);
    }
    return fragment;
  };
};
