import { Temporal } from "@js-temporal/polyfill";
import { DAY_MS, epochMs, HOUR_MS, localDate, type EpochMs, type LocalDate } from "./time.ts";

/**
 * A zone's UTC offsets as a table of transitions, built from Temporal one UTC year at a time.
 * Temporal conversions cost tens of microseconds each in the polyfill; a table lookup costs
 * nanoseconds, so slot listing converts through this table and never calls Temporal per slot.
 * Property tests check every conversion here against Temporal itself.
 */
interface YearOffsets {
  readonly initialOffset: number;
  readonly transitionAt: ReadonlyArray<number>;
  readonly offsetAfter: ReadonlyArray<number>;
}

/** An offset change: from `before` to `after` at instant `at` (offsets in ms). */
export interface Transition {
  readonly at: number;
  readonly before: number;
  readonly after: number;
}

export type Disambiguation =
  /** Temporal's `compatible`: a time in a gap moves forward by the gap's length; an ambiguous time takes the earlier instant. */
  | "compatible"
  /** For the end of a range: a time in a gap ends at the gap (the last wall time before it); ambiguous takes the earlier instant. */
  | "endAtGap";

const MAX_OFFSET_SPAN = DAY_MS;

export class ZoneTable {
  private readonly years = new Map<number, YearOffsets>();

  constructor(readonly zone: string) {}

  /** The last span of constant offset looked up: slot listing walks forward in time, so most lookups hit it. */
  private spanFrom = 0;
  private spanTo = 0;
  private spanOffset = 0;

  /** Offset in ms at an instant: local wall clock = instant + offset. */
  offsetAt(instant: number): number {
    if (instant >= this.spanFrom && instant < this.spanTo) return this.spanOffset;
    const year = new globalThis.Date(instant).getUTCFullYear();
    const table = this.yearOffsets(year);
    const at = table.transitionAt;
    let offset = table.initialOffset;
    let from = Date.UTC(year, 0, 1);
    let i = 0;
    for (; i < at.length && at[i]! <= instant; i++) {
      offset = table.offsetAfter[i]!;
      from = at[i]!;
    }
    this.spanFrom = from;
    // Stryker disable next-line all: a span that ends sooner only makes the next lookup recompute (speed, not answers)
    this.spanTo = i < at.length ? at[i]! : Date.UTC(year + 1, 0, 1);
    this.spanOffset = offset;
    return offset;
  }

  /** Wall clock (as if UTC) at an instant. */
  wallClockAt(instant: number): number {
    return instant + this.offsetAt(instant);
  }

  /** The host-local (or viewer-local) calendar date of an instant. */
  localDateOf(instant: number): LocalDate {
    return localDate(Math.floor(this.wallClockAt(instant) / DAY_MS));
  }

  /** The instant of a wall-clock reading, disambiguated as named. */
  instantOf(wallClock: number, disambiguation: Disambiguation = "compatible"): EpochMs {
    const transitions = this.transitionsNear(wallClock);
    if (transitions.length === 0) return epochMs(wallClock - this.offsetAt(wallClock));
    let earliest = Number.POSITIVE_INFINITY;
    const offsets = new Set<number>([transitions[0]!.before]);
    for (const t of transitions) offsets.add(t.after);
    for (const offset of offsets) {
      const instant = wallClock - offset;
      // Stryker disable next-line EqualityOperator: an equal instant is the same answer
      if (this.offsetAt(instant) === offset && instant < earliest) earliest = instant;
    }
    if (earliest !== Number.POSITIVE_INFINITY) return epochMs(earliest);
    // No instant shows this wall clock: it lies in a gap where the clock jumped forward.
    for (const t of transitions) {
      if (t.after > t.before && wallClock >= t.at + t.before && wallClock < t.at + t.after) {
        return epochMs(disambiguation === "compatible" ? wallClock - t.before : t.at);
      }
    }
    throw new Error(`unreachable: no resolution for wall clock ${wallClock} in ${this.zone}`);
  }

  /** Whether another instant reads the same on this zone's clock: a time in a fall-back's repeated hour. */
  repeatsWallClockAt(instant: number): boolean {
    // Cheap first: no offset change within three hours either side, no repeat.
    if (this.offsetAt(instant - 3 * HOUR_MS) === this.offsetAt(instant + 3 * HOUR_MS)) return false;
    const wall = this.wallClockAt(instant);
    for (const t of this.transitionsNear(wall)) {
      for (const offset of [t.before, t.after]) {
        const other = wall - offset;
        if (other !== instant && this.offsetAt(other) === offset) return true;
      }
    }
    return false;
  }

  /** The first instant of a local date (a skipped midnight starts the day at the gap's end). */
  startOfDay(date: LocalDate): EpochMs {
    // Stryker disable next-line StringLiteral: only "compatible" is told apart, so any other name means endAtGap
    return this.instantOf(date * DAY_MS, "endAtGap");
  }

  /** The offset changes at instants in `(from, to]`, in order. */
  transitionsIn(from: number, to: number): Transition[] {
    const found: Transition[] = [];
    const firstYear = new globalThis.Date(from).getUTCFullYear();
    const lastYear = new globalThis.Date(to).getUTCFullYear();
    for (let year = firstYear; year <= lastYear; year++) {
      const table = this.yearOffsets(year);
      let before = table.initialOffset;
      // Stryker disable next-line EqualityOperator: one read past the end finds no transition to list
      for (let i = 0; i < table.transitionAt.length; i++) {
        const at = table.transitionAt[i]!;
        const after = table.offsetAfter[i]!;
        if (at > from && at <= to) found.push({ at, before, after });
        before = after;
      }
    }
    return found;
  }

  private transitionsNear(wallClock: number): Transition[] {
    return this.transitionsIn(wallClock - MAX_OFFSET_SPAN, wallClock + MAX_OFFSET_SPAN);
  }

  private yearOffsets(year: number): YearOffsets {
    let table = this.years.get(year);
    // Stryker disable next-line ConditionalExpression: building the table again gives the same table (speed only)
    if (table === undefined) {
      table = buildYear(this.zone, year);
      this.years.set(year, table);
    }
    return table;
  }
}

const buildYear = (zone: string, year: number): YearOffsets => {
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  let zoned = Temporal.Instant.fromEpochMilliseconds(start).toZonedDateTimeISO(zone);
  const initialOffset = zoned.offsetNanoseconds / 1e6;
  const transitionAt: number[] = [];
  const offsetAfter: number[] = [];
  for (;;) {
    const next = zoned.getTimeZoneTransition("next");
    if (next === null || next.epochMilliseconds >= end) break;
    transitionAt.push(next.epochMilliseconds);
    offsetAfter.push(next.offsetNanoseconds / 1e6);
    zoned = next;
  }
  return { initialOffset, transitionAt, offsetAfter };
};

const tables = new Map<string, ZoneTable>();

/** The shared offset table of a zone; callers must pass a zone accepted by `isTimeZone`. */
export const zoneTable = (zone: string): ZoneTable => {
  let table = tables.get(zone);
  // Stryker disable next-line ConditionalExpression: building the table again gives the same table (speed only)
  if (table === undefined) {
    table = new ZoneTable(zone);
    tables.set(zone, table);
  }
  return table;
};

const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+)*$/;
const canonicalZones = new Map<string, string | undefined>();

let listedByLowerCase: Map<string, string> | undefined;

/**
 * A known IANA zone name, spelt properly, or undefined when the time-zone database does not
 * know it. Names the runtime lists are matched case-insensitively; other valid names (ICU
 * lists a few zones by old spellings, e.g. Asia/Katmandu for Asia/Kathmandu) are kept as
 * given when written properly, so visitors see the name they know. Offsets are not zones.
 */
export const canonicalTimeZone = (zone: string): string | undefined => {
  // Stryker disable next-line ConditionalExpression: looking the name up again gives the same answer (speed only)
  if (canonicalZones.has(zone)) return canonicalZones.get(zone);
  let canonical: string | undefined;
  if (zone.length <= 64 && ZONE_NAME.test(zone)) {
    try {
      const resolved = new Intl.DateTimeFormat("en", { timeZone: zone }).resolvedOptions().timeZone;
      listedByLowerCase ??= new Map(allTimeZones().map((z) => [z.toLowerCase(), z]));
      const wellWritten = zone.split("/").every((part) => /^[A-Z]/.test(part));
      canonical = listedByLowerCase.get(zone.toLowerCase()) ?? (wellWritten ? zone : resolved);
    } catch {
      canonical = undefined;
    }
  }
  // Stryker disable next-line all: a bound on a memo: what is kept changes speed, not answers
  if (canonicalZones.size < 10_000) canonicalZones.set(zone, canonical);
  return canonical;
};

/** ICU (and so Intl and browsers) still names these zones by their old spellings; people know the new ones. */
const CURRENT_NAMES: Readonly<Record<string, string>> = {
  "Asia/Calcutta": "Asia/Kolkata",
  "Asia/Katmandu": "Asia/Kathmandu",
  "Asia/Saigon": "Asia/Ho_Chi_Minh",
  "Asia/Rangoon": "Asia/Yangon",
  "Europe/Kiev": "Europe/Kyiv",
  "America/Godthab": "America/Nuuk",
  "Atlantic/Faeroe": "Atlantic/Faroe",
  "Pacific/Truk": "Pacific/Chuuk",
  "Pacific/Ponape": "Pacific/Pohnpei",
  "Pacific/Enderbury": "Pacific/Kanton",
};

/** The name to show for a zone: its current IANA spelling, whichever one it is stored under. */
export const currentZoneName = (zone: string): string => CURRENT_NAMES[zone] ?? zone;

export const isTimeZone = (zone: string): boolean => canonicalTimeZone(zone) !== undefined;

/** Every canonical IANA zone, for pickers and property tests. */
export const allTimeZones = (): ReadonlyArray<string> => Intl.supportedValuesOf("timeZone");

/** Offset as `+05:45` / `-03:00`. */
export const formatOffset = (offsetMs: number): string => {
  const sign = offsetMs < 0 ? "-" : "+";
  const total = Math.round(Math.abs(offsetMs) / 60_000);
  const h = Math.floor(total / 60);
  const m = total % 60;
  return `${sign}${h < 10 ? "0" : ""}${h}:${m < 10 ? "0" : ""}${m}`;
};
