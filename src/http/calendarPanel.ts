import type { HostSnapshot } from "../actors/HostSnapshot.ts";
import { chosenLengthOf, offerKeyOf, type EventType } from "../domain/model.ts";
import { groupByViewerDate } from "../domain/projection.ts";
import { addDays, civilOf, formatLocalDate, localDateFromCivil, parseLocalDate, type LocalDate } from "../domain/time.ts";
import { zoneTable } from "../domain/zone.ts";
import type { CalendarData } from "../views/Calendar.tsx";
import type { Viewer } from "../views/EventPage.tsx";
import type { Clock } from "../views/format.ts";
import type { Request } from "./exchange.ts";
import { weekStartOf } from "./viewer.ts";

/**
 * Turns a host snapshot and what a visitor asked for (zone, clock, month, day) into the month
 * calendar the views take. No policy here: slots come from the snapshot.
 */

const monthOf = (date: LocalDate) => {
  const { year, month } = civilOf(date);
  return localDateFromCivil({ year, month, day: 1 });
};

const addMonths = (first: LocalDate, months: number) => {
  const { year, month } = civilOf(first);
  const index = year * 12 + (month - 1) + months;
  return localDateFromCivil({ year: Math.floor(index / 12), month: (index % 12) + 1, day: 1 });
};

const MONTH = /^(\d{4})-(\d{2})$/;

/** A page's query, kept in its links: zone, length (when there is a choice), clock (when chosen), month and date. */
export const pageUrl = (
  base: string,
  query: { tz: string; d?: number | undefined; clock?: string | undefined; month?: LocalDate | undefined; date?: LocalDate | undefined },
) => {
  const params = new URLSearchParams({ tz: query.tz });
  if (query.d !== undefined) params.set("d", String(query.d));
  if (query.clock !== undefined) params.set("clock", query.clock);
  if (query.month !== undefined) params.set("month", formatLocalDate(query.month).slice(0, 7));
  if (query.date !== undefined) params.set("date", formatLocalDate(query.date));
  return `${base}?${params.toString()}`;
};

export interface PanelData {
  readonly calendar: CalendarData;
  /** The chosen day (none when the month has no free time). */
  readonly dayDates: ReadonlyArray<LocalDate>;
  readonly dayHref: (date: LocalDate) => string;
  /** What `dayHref` depends on besides the date, for the fragment cache. */
  readonly hrefKey: string;
  readonly selfUrl: string;
  readonly keep: Record<string, string>;
  readonly urlOf: (query: { month?: LocalDate; date?: LocalDate; clock?: Clock }) => string;
  /** This view at each length the event type offers (none when it offers one). */
  readonly lengths: ReadonlyArray<{ readonly minutes: number; readonly url: string }>;
}

/** How far ahead a visitor may page: the event's booking horizon, at most a year. */
const lastBookableDate = (eventType: EventType, today: LocalDate) => addDays(today, Math.min(eventType.maxDaysAhead ?? 366, 366));

/** The month calendar and the chosen day of one event type, as one viewer sees them. */
export const panelData = (
  request: Request,
  snapshot: HostSnapshot,
  eventType: EventType,
  viewer: Viewer,
  base: string,
  now: number,
): PanelData => {
  const zone = zoneTable(viewer.zone);
  const today = zone.localDateOf(now);
  const clockParam = request.query.get("clock") === null ? undefined : viewer.clock;
  const asked = parseLocalDate(request.query.get("date") ?? "");
  const askedMonth = MONTH.exec(request.query.get("month") ?? "");
  const last = lastBookableDate(eventType, today);
  let month =
    asked !== undefined
      ? monthOf(asked)
      : askedMonth !== null
        ? (parseLocalDate(`${askedMonth[1]}-${askedMonth[2]}-01`) ?? monthOf(today))
        : monthOf(today);
  if (month < monthOf(today)) month = monthOf(today);
  if (month > monthOf(last)) month = monthOf(last);

  const durationMs = eventType.durationMinutes * 60_000;
  /** Free times per viewer-local date of one month. */
  const countsOf = (first: LocalDate) => {
    const counts = new Map<LocalDate, number>();
    const starts = snapshot.slots(eventType, zone.startOfDay(first), zone.startOfDay(addMonths(first, 1)), now);
    for (const d of groupByViewerDate(starts, durationMs, viewer.zone)) counts.set(d.date, d.slots.length);
    return counts;
  };
  let counts = countsOf(month);
  // Asked for nothing in particular, the calendar opens on the first month with a free day (late
  // on a month's last day, or with weeks booked out, that is not this month).
  if (asked === undefined && askedMonth === null && ![...counts.keys()].some((d) => d >= today)) {
    for (let later = addMonths(month, 1); later <= monthOf(last); later = addMonths(later, 1)) {
      const laterCounts = countsOf(later);
      if (laterCounts.size === 0) continue;
      month = later;
      counts = laterCounts;
      break;
    }
  }
  const nextMonth = addMonths(month, 1);

  const firstFree = [...counts.keys()].find((d) => d >= today);
  const selected = asked !== undefined && asked >= month && asked < nextMonth ? asked : firstFree;
  const length = chosenLengthOf(eventType);
  const url = (q: { month?: LocalDate; date?: LocalDate; clock?: Clock }) =>
    pageUrl(base, { tz: viewer.zone, d: length, clock: q.clock ?? clockParam, month: q.month, date: q.date });

  const keep: Record<string, string> = { month: formatLocalDate(month).slice(0, 7) };
  if (selected !== undefined) keep["date"] = formatLocalDate(selected);
  if (clockParam !== undefined) keep["clock"] = clockParam;
  if (length !== undefined) keep["d"] = String(length);
  return {
    calendar: {
      offer: offerKeyOf(eventType),
      month,
      counts,
      selected,
      today,
      weekStartsOn: weekStartOf(request),
      language: viewer.language,
      previousMonth: month > monthOf(today) ? url({ month: addMonths(month, -1) }) : undefined,
      nextMonth: nextMonth <= last ? url({ month: nextMonth }) : undefined,
      dayUrl: (date) => url({ date }),
    },
    dayDates: selected === undefined ? [] : [selected],
    dayHref: (date) => url({ date }),
    hrefKey: `${base}|${clockParam ?? ""}`,
    selfUrl: selected === undefined ? url({ month }) : url({ date: selected }),
    keep,
    urlOf: url,
    lengths:
      length === undefined
        ? []
        : eventType.durationChoices.map((minutes) => ({ minutes, url: pageUrl(base, { tz: viewer.zone, d: minutes, clock: clockParam, date: selected }) })),
  };
};

