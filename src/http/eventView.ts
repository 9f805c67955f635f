import type { HostSnapshot } from "../actors/HostSnapshot.ts";
import type { EventType } from "../domain/model.ts";
import { groupByViewerDate } from "../domain/projection.ts";
import { addDays, civilOf, DAY_MS, formatLocalDate, localDateFromCivil, parseLocalDate, type LocalDate } from "../domain/time.ts";
import { allTimeZones, canonicalTimeZone, zoneTable } from "../domain/zone.ts";
import type { CalendarData } from "../views/Calendar.tsx";
import type { Viewer } from "../views/EventPage.tsx";
import type { Clock } from "../views/format.ts";
import { DaySlots, type DaySlotsData } from "../views/SlotList.tsx";
import type { ZoneGroup } from "../views/ZonePicker.tsx";
import { gzipSync } from "node:zlib";
import type { Request } from "./exchange.ts";

/**
 * Turns a host snapshot and what a visitor asked for (zone, clock, month, day) into the data
 * the calendar and slot views take. No policy here: slots come from the snapshot.
 */

const hourCycles = new Map<string, Clock>();
const firstLanguage = (request: Request) =>
  (request.headers.get("accept-language") ?? "en-GB").split(",")[0]!.split(";")[0]!.trim() || "en-GB";

/** 12- or 24-hour clock: the visitor's choice, else what their language writes. */
export const clockOf = (request: Request): Clock => {
  const asked = request.query.get("clock");
  if (asked === "12h" || asked === "24h") return asked;
  const language = firstLanguage(request);
  let clock = hourCycles.get(language);
  if (clock === undefined) {
    try {
      const cycle = new Intl.DateTimeFormat(language, { hour: "numeric" }).resolvedOptions().hourCycle;
      clock = cycle === "h11" || cycle === "h12" ? "12h" : "24h";
    } catch {
      clock = "24h";
    }
    if (hourCycles.size < 1_000) hourCycles.set(language, clock);
  }
  return clock;
};

/** Regions whose calendars start the week on Sunday; elsewhere, Monday. */
const SUNDAY_FIRST = new Set(["US", "CA", "JP", "IL", "BR", "MX", "PH", "KR", "TW", "HK", "IN", "ZA", "AU", "SA", "AR", "CO", "PE"]);

export const weekStartOf = (request: Request): 0 | 1 => {
  const region = /^[a-z]{2,3}-([A-Z]{2})/i.exec(firstLanguage(request))?.[1]?.toUpperCase();
  return region !== undefined && SUNDAY_FIRST.has(region) ? 0 : 1;
};

/** The zone to show: asked for in the URL, else the browser's (its cookie), else the host's. */
export const viewerOf = (request: Request, browserZone: string | undefined, hostZone: string): { viewer: Viewer; notice?: string } => {
  const clock = clockOf(request);
  const asked = request.query.get("tz");
  if (asked !== null && asked !== "") {
    const zone = canonicalTimeZone(asked);
    if (zone !== undefined) return { viewer: { zone, zoneIsHosts: false, clock } };
    return {
      viewer: { zone: hostZone, zoneIsHosts: true, clock },
      notice: `"${asked.slice(0, 64)}" is not a time zone we know, so times are shown in the host's time zone.`,
    };
  }
  const browser = browserZone === undefined ? undefined : canonicalTimeZone(browserZone);
  if (browser !== undefined) return { viewer: { zone: browser, zoneIsHosts: false, clock } };
  return { viewer: { zone: hostZone, zoneIsHosts: true, clock } };
};

/** The viewer a form was posted from: the zone it was showing (else `fallbackZone`), the request's clock. */
export const postedViewer = (request: Request, fields: Record<string, unknown>, fallbackZone: string): Viewer => ({
  zone: canonicalTimeZone(String(fields["tz"] ?? "")) ?? fallbackZone,
  zoneIsHosts: false,
  clock: clockOf(request),
});

/** ICU still names these zones by their old spellings; people search for the new ones. */
const CURRENT_NAMES: Record<string, string> = {
  "Asia/Calcutta": "Asia/Kolkata",
  "Asia/Katmandu": "Asia/Kathmandu",
  "Asia/Saigon": "Asia/Ho Chi Minh",
  "Asia/Rangoon": "Asia/Yangon",
  "Europe/Kiev": "Europe/Kyiv",
  "America/Godthab": "America/Nuuk",
  "Atlantic/Faeroe": "Atlantic/Faroe",
  "Pacific/Truk": "Pacific/Chuuk",
  "Pacific/Ponape": "Pacific/Pohnpei",
  "Pacific/Enderbury": "Pacific/Kanton",
};

let zoneGroups: { readonly hour: number; readonly groups: ReadonlyArray<ZoneGroup> } | undefined;

/** Every zone, grouped by region, with its offset now; rebuilt at most hourly (offsets change rarely). */
export const zonePickerGroups = (now: number, current: string): ReadonlyArray<ZoneGroup> => {
  const hour = Math.floor(now / 3_600_000);
  if (zoneGroups?.hour !== hour) {
    const byRegion = new Map<string, { zone: string; label: string }[]>();
    for (const zone of [...allTimeZones(), "UTC"]) {
      const offset =
        new Intl.DateTimeFormat("en", { timeZone: zone, timeZoneName: "longOffset" })
          .formatToParts(now)
          .find((p) => p.type === "timeZoneName")?.value ?? "GMT";
      const name = (CURRENT_NAMES[zone] ?? zone).replaceAll("_", " ");
      const slash = name.indexOf("/");
      const region = slash === -1 ? "Other" : name.slice(0, slash);
      const place = slash === -1 ? name : name.slice(slash + 1).replaceAll("/", " / ");
      const list = byRegion.get(region) ?? [];
      list.push({ zone, label: `${place} (${offset === "GMT" ? "GMT+00:00" : offset})` });
      byRegion.set(region, list);
    }
    zoneGroups = {
      hour,
      groups: [...byRegion]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([region, zones]) => ({ region, zones: zones.sort((a, b) => a.label.localeCompare(b.label)) })),
    };
  }
  const known = zoneGroups.groups.some((g) => g.zones.some((z) => z.zone === current));
  return known ? zoneGroups.groups : [{ region: "Current", zones: [{ zone: current, label: current.replaceAll("_", " ") }] }, ...zoneGroups.groups];
};

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

/** A page's query, kept in its links: zone, clock (when chosen), month and date. */
export const pageUrl = (
  base: string,
  query: { tz: string; clock?: string | undefined; month?: LocalDate | undefined; date?: LocalDate | undefined },
) => {
  const params = new URLSearchParams({ tz: query.tz });
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
  const nextMonth = addMonths(month, 1);

  const durationMs = eventType.durationMinutes * 60_000;
  const starts = snapshot.slots(eventType, zone.startOfDay(month), zone.startOfDay(nextMonth), now);
  const counts = new Map<LocalDate, number>();
  for (const d of groupByViewerDate(starts, durationMs, viewer.zone)) counts.set(d.date, d.slots.length);

  const firstFree = [...counts.keys()].find((d) => d >= today);
  const selected = asked !== undefined && asked >= month && asked < nextMonth ? asked : firstFree;
  const url = (q: { month?: LocalDate; date?: LocalDate; clock?: Clock }) =>
    pageUrl(base, { tz: viewer.zone, clock: q.clock ?? clockParam, month: q.month, date: q.date });

  const keep: Record<string, string> = { month: formatLocalDate(month).slice(0, 7) };
  if (selected !== undefined) keep["date"] = formatLocalDate(selected);
  if (clockParam !== undefined) keep["clock"] = clockParam;
  return {
    calendar: {
      eventTypeId: eventType.id,
      month,
      counts,
      selected,
      today,
      weekStartsOn: weekStartOf(request),
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
  };
};

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
  return { eventTypeId: eventType.id, days, dates, clock: viewer.clock, nextAvailable };
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
const fragments = new Map<string, Fragment>();

export const renderDaySlots = (
  snapshot: HostSnapshot,
  eventType: EventType,
  viewer: Viewer,
  dates: ReadonlyArray<LocalDate>,
  now: number,
  dayHref: (date: LocalDate) => string,
  hrefKey: string,
): Fragment => {
  const key = `${snapshot.host.id}|${snapshot.version}|${eventType.id}|${viewer.zone}|${viewer.clock}|${dates.join(",")}|${hrefKey}|${Math.floor(now / 60_000)}`;
  let fragment = fragments.get(key);
  if (fragment === undefined) {
    fragment = new Fragment(DaySlots(daySlotsData(snapshot, eventType, viewer, dates, now, dayHref)) as string);
    if (fragments.size >= 5_000) fragments.delete(fragments.keys().next().value!);
    fragments.set(key, fragment);
  }
  return fragment;
};
