import { viewSlot } from "../domain/projection.ts";
import { DAY_MS, formatLocalDate, type EpochMs, type LocalDate } from "../domain/time.ts";
import { currentZoneName, formatOffset, zoneTable } from "../domain/zone.ts";

const formatters = new Map<string, Intl.DateTimeFormat>();

const formatter = (locale: string, options: Intl.DateTimeFormatOptions) => {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (f === undefined) {
    f = new Intl.DateTimeFormat(locale, { ...options, timeZone: "UTC" });
    formatters.set(key, f);
  }
  return f;
};

/** "Tuesday 3 March" — a local date as words (dates are zone-free, so format them as UTC). */
export const dayLong = (date: LocalDate, locale = "en-GB") =>
  formatter(locale, { weekday: "long", day: "numeric", month: "long" }).format(date * DAY_MS);

/** "Tuesday 3 March 2026". */
export const dayLongWithYear = (date: LocalDate, locale = "en-GB") =>
  formatter(locale, { weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(date * DAY_MS);

/** "Tue 3 Mar". */
export const dayShort = (date: LocalDate, locale = "en-GB") =>
  formatter(locale, { weekday: "short", day: "numeric", month: "short" }).format(date * DAY_MS);

/** "Monday", and as a calendar column heads it ("Mo" in English, the language's own short form elsewhere). */
export const weekdayName = (date: LocalDate, locale = "en-GB") => formatter(locale, { weekday: "long" }).format(date * DAY_MS);
export const weekdayShort = (date: LocalDate, locale = "en-GB") =>
  locale.startsWith("en") ? weekdayName(date, locale).slice(0, 2) : formatter(locale, { weekday: "short" }).format(date * DAY_MS);

export const monthTitle = (date: LocalDate, locale = "en-GB") =>
  formatter(locale, { month: "long", year: "numeric" }).format(date * DAY_MS);

export type Clock = "12h" | "24h";

/** "14:30" or "2:30 PM" from minutes after local midnight; in another language, as it writes times. */
export const wallTime = (minutes: number, clock: Clock, locale = "en") => {
  if (!locale.startsWith("en")) return formatter(locale, clock === "12h" ? { hour: "numeric", minute: "2-digit", hourCycle: "h12" } : { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(minutes * 60_000);
  const h = Math.floor(minutes / 60) % 24;
  const m = minutes % 60;
  const mm = m < 10 ? `0${m}` : `${m}`;
  if (clock === "24h") return `${h < 10 ? "0" : ""}${h}:${mm}`;
  return `${h % 12 === 0 ? 12 : h % 12}:${mm} ${h < 12 ? "AM" : "PM"}`;
};

/** "America/New York" — zone ids read better without underscores. */
export const zoneLabel = (zone: string) => currentZoneName(zone).replaceAll("_", " ");

/** "GMT-05:00" at a given instant. */
export const zoneOffsetLabel = (zone: string, at: number) => `GMT${formatOffset(zoneTable(zone).offsetAt(at))}`;

export interface InstantLabels {
  readonly date: LocalDate;
  readonly day: string;
  readonly start: string;
  readonly end: string;
  readonly offset: string;
}

/** A meeting's start and end as one viewer sees them. */
export const meetingIn = (start: EpochMs, durationMs: number, zone: string, clock: Clock, locale?: string): InstantLabels => {
  const v = viewSlot(start, durationMs, zone);
  return {
    date: v.date,
    day: dayLongWithYear(v.date, locale),
    // A wall time that comes twice (a fall-back hour) carries its offset.
    start: `${wallTime(v.startMinutes, clock, locale)}${v.startRepeats ? ` (GMT${formatOffset(v.offsetMs)})` : ""}`,
    end: `${wallTime(v.endMinutes, clock, locale)}${v.endRepeats ? ` (GMT${formatOffset(v.endOffsetMs)})` : ""}`,
    offset: `GMT${formatOffset(v.offsetMs)}`,
  };
};

export const isoDate = formatLocalDate;
