import type { Brand } from "effect";

/** An instant as milliseconds since the Unix epoch (UTC). All time arithmetic uses this. */
export type EpochMs = Brand.Branded<number, "EpochMs">;
/** A calendar date without a zone, as days since 1970-01-01. */
export type LocalDate = Brand.Branded<number, "LocalDate">;
/** A wall-clock time of day as minutes since local midnight, 0..1440 (1440 = "24:00"). */
export type WallMinutes = Brand.Branded<number, "WallMinutes">;

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

export const epochMs = (n: number) => n as EpochMs;
export const localDate = (n: number) => n as LocalDate;
export const wallMinutes = (n: number) => n as WallMinutes;

/** Sunday = 0 … Saturday = 6 (1970-01-01 was a Thursday). */
export const weekdayOf = (date: LocalDate): number => (((date + 4) % 7) + 7) % 7;

export const addDays = (date: LocalDate, days: number) => localDate(date + days);

export interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

export const localDateFromCivil = ({ year, month, day }: CivilDate): LocalDate =>
  localDate(Math.floor(Date.UTC(year, month - 1, day) / DAY_MS));

export const civilOf = (date: LocalDate): CivilDate => {
  const d = new globalThis.Date(date * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
};

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/** `YYYY-MM-DD`, the ISO form used in URLs, JSON and SQL. */
export const formatLocalDate = (date: LocalDate): string => {
  const { year, month, day } = civilOf(date);
  return `${year}-${pad2(month)}-${pad2(day)}`;
};

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses `YYYY-MM-DD`; undefined for anything else, including dates like 2026-02-30. */
export const parseLocalDate = (text: string): LocalDate | undefined => {
  const m = ISO_DATE.exec(text);
  if (!m) return undefined;
  const civil = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  const date = localDateFromCivil(civil);
  const back = civilOf(date);
  return back.year === civil.year && back.month === civil.month && back.day === civil.day ? date : undefined;
};

const WALL_TIME = /^(\d{2}):(\d{2})$/;

/** Parses `HH:MM` (00:00–23:59, and 24:00 as the end of the day). */
export const parseWallTime = (text: string): WallMinutes | undefined => {
  const m = WALL_TIME.exec(text);
  if (!m) return undefined;
  const hours = Number(m[1]);
  const minutes = Number(m[2]);
  if (minutes > 59) return undefined;
  if (hours === 24 && minutes === 0) return wallMinutes(1440);
  return hours < 24 ? wallMinutes(hours * 60 + minutes) : undefined;
};

export const formatWallTime = (minutes: number): string => `${pad2(Math.floor(minutes / 60))}:${pad2(minutes % 60)}`;

/** A wall-clock reading expressed as if the zone were UTC: `date * DAY_MS + minutes * MINUTE_MS`. */
export const wallClockMs = (date: LocalDate, minutes: number): number => date * DAY_MS + minutes * MINUTE_MS;

/** Strict ISO-8601 instant with an explicit `Z` or offset; anything else (including 2026-02-30) is rejected. */
const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]\d{2}:[0-5]\d)$/;

export const parseInstant = (text: string): EpochMs | undefined => {
  const m = ISO_INSTANT.exec(text);
  if (!m || parseLocalDate(m[1]!) === undefined) return undefined;
  const ms = globalThis.Date.parse(text);
  return Number.isFinite(ms) ? epochMs(ms) : undefined;
};

export const formatInstant = (ms: EpochMs): string => new globalThis.Date(ms).toISOString();
