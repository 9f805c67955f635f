import { Either, ParseResult, Schema, type SchemaAST } from "effect";
import { InvalidInput } from "./errors.ts";
import { policyOf } from "./model.ts";
import { makeSchedule, OpenTime, type DateOverride, type WeeklyRule } from "./schedule.ts";
import { listSlots, type Occupied } from "./slots.ts";
import { DAY_MS, MINUTE_MS, parseInstant, parseLocalDate, parseWallTime, type EpochMs, type LocalDate, type WallMinutes } from "./time.ts";
import { canonicalTimeZone } from "./zone.ts";

/**
 * The availability question as data: a host's zone, rules and overrides, an event's policy,
 * what is already booked or busy, and the range asked about. The `slots` command and tests
 * speak it; every field is checked here, and an invalid one is named in the error.
 */

const fail = (ast: SchemaAST.AST, actual: unknown, message: string) =>
  ParseResult.fail(new ParseResult.Type(ast, actual, message));

const TimeZoneName = Schema.String.pipe(
  Schema.transformOrFail(Schema.String, {
    strict: true,
    decode: (s, _, ast) => {
      const zone = canonicalTimeZone(s);
      return zone === undefined ? fail(ast, s, `unknown time zone "${s}"`) : ParseResult.succeed(zone);
    },
    encode: ParseResult.succeed,
  }),
);

export const WallTime = Schema.String.pipe(
  Schema.transformOrFail(Schema.Number, {
    strict: true,
    decode: (s, _, ast) => {
      const m = parseWallTime(s);
      return m === undefined ? fail(ast, s, `must be a time "HH:MM" from 00:00 to 24:00, not "${s}"`) : ParseResult.succeed(m);
    },
    encode: (m) => ParseResult.succeed(`${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`),
  }),
);

const Instant = Schema.String.pipe(
  Schema.transformOrFail(Schema.Number, {
    strict: true,
    decode: (s, _, ast) => {
      const ms = parseInstant(s);
      return ms === undefined ? fail(ast, s, `must be an ISO 8601 instant like 2026-03-09T13:00:00Z, not "${s}"`) : ParseResult.succeed(ms);
    },
    encode: (n) => ParseResult.succeed(new Date(n).toISOString()),
  }),
);

const DateText = Schema.String.pipe(
  Schema.transformOrFail(Schema.Number, {
    strict: true,
    decode: (s, _, ast) => {
      const d = parseLocalDate(s);
      return d === undefined ? fail(ast, s, `must be a date "YYYY-MM-DD", not "${s}"`) : ParseResult.succeed(d);
    },
    encode: (d) => ParseResult.succeed(new Date(d * DAY_MS).toISOString().slice(0, 10)),
  }),
);

export const Window = Schema.Struct({ start: WallTime, end: WallTime }).pipe(
  Schema.filter((w) => w.start < w.end || { path: ["start"], message: "must be before end" }),
);

export const Weekday = Schema.Int.pipe(
  Schema.filter((d) => (d >= 0 && d <= 6) || "must be a weekday from 0 (Sunday) to 6 (Saturday)"),
);

const Minutes = (what: string, min: number, max: number) =>
  Schema.Number.pipe(
    Schema.filter((n) => (Number.isInteger(n) && n >= min && n <= max) || `${what} must be a whole number of minutes from ${min} to ${max}`),
  );

const Span = Schema.Struct({ start: Instant, end: Instant }).pipe(
  Schema.filter((b) => b.start < b.end || { path: ["start"], message: "must be before end" }),
);

const Booked = Schema.Struct({
  start: Instant,
  end: Instant,
  bufferBeforeMinutes: Schema.optionalWith(Minutes("a buffer", 0, 1440), { default: () => 0 }),
  bufferAfterMinutes: Schema.optionalWith(Minutes("a buffer", 0, 1440), { default: () => 0 }),
  sameEventType: Schema.optionalWith(Schema.Boolean, { default: () => true }),
}).pipe(Schema.filter((b) => b.start < b.end || { path: ["start"], message: "must be before end" }));

const MAX_RANGE_MS = 366 * DAY_MS;

export const SlotSpec = Schema.Struct({
  hostTimeZone: TimeZoneName,
  rules: Schema.optionalWith(
    Schema.Array(Schema.Struct({ days: Schema.Array(Weekday), start: WallTime, end: WallTime }).pipe(
      Schema.filter((r) => r.start < r.end || { path: ["start"], message: "must be before end" }),
    )),
    { default: () => [] },
  ),
  overrides: Schema.optionalWith(Schema.Array(Schema.Struct({ date: DateText, windows: Schema.Array(Window) })), {
    default: () => [],
  }),
  durationMinutes: Schema.optionalWith(Minutes("a duration", 1, 1440), { default: () => 30 }),
  slotIntervalMinutes: Schema.optionalWith(Schema.NullOr(Minutes("an interval", 1, 1440)), { default: () => null }),
  bufferBeforeMinutes: Schema.optionalWith(Minutes("a buffer", 0, 1440), { default: () => 0 }),
  bufferAfterMinutes: Schema.optionalWith(Minutes("a buffer", 0, 1440), { default: () => 0 }),
  minimumNoticeMinutes: Schema.optionalWith(Minutes("a notice", 0, 525_600), { default: () => 0 }),
  maxDaysAhead: Schema.optionalWith(Schema.NullOr(Minutes("days ahead", 1, 3650)), { default: () => null }),
  maxPerDay: Schema.optionalWith(Schema.NullOr(Minutes("a limit", 1, 1000)), { default: () => null }),
  maxPerWeek: Schema.optionalWith(Schema.NullOr(Minutes("a limit", 1, 5000)), { default: () => null }),
  bookings: Schema.optionalWith(Schema.Array(Booked), { default: () => [] }),
  busy: Schema.optionalWith(Schema.Array(Span), { default: () => [] }),
  now: Instant,
  from: Instant,
  to: Instant,
}).pipe(
  Schema.filter((s) => {
    if (s.from >= s.to) return { path: ["from"], message: "must be before to" };
    if (s.to - s.from > MAX_RANGE_MS) return { path: ["to"], message: "the range may be at most a year (366 days) long" };
    return true;
  }),
);
export type SlotSpec = typeof SlotSpec.Type;
export type SlotSpecInput = typeof SlotSpec.Encoded;

const fieldOf = (path: ReadonlyArray<PropertyKey>) =>
  path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc === "" ? String(key) : `${acc}.${String(key)}`), "");

/** Decodes a spec; the first problem becomes an `InvalidInput` naming its field (`rules[0].start`). */
export const decodeSlotSpec = (input: unknown): Either.Either<SlotSpec, InvalidInput> =>
  Schema.decodeUnknownEither(SlotSpec, { onExcessProperty: "error" })(input).pipe(
    Either.mapLeft((error) => {
      const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error);
      const field = fieldOf(issue?.path ?? []) || "spec";
      return new InvalidInput({ field, message: issue?.message ?? "is not a valid spec" });
    }),
  );

export const scheduleOf = (spec: SlotSpec) =>
  makeSchedule(
    spec.hostTimeZone,
    spec.rules.flatMap((r): WeeklyRule[] =>
      [...new Set(r.days)].map((weekday) => ({ weekday, start: r.start as WallMinutes, end: r.end as WallMinutes })),
    ),
    spec.overrides.map(
      (o): DateOverride => ({
        date: o.date as LocalDate,
        windows: o.windows.map((w) => ({ start: w.start as WallMinutes, end: w.end as WallMinutes })),
      }),
    ),
  );

export const occupiedOfSpec = (spec: SlotSpec): Occupied[] =>
  spec.bookings.map((b) => ({
    start: b.start,
    end: b.end,
    bufferBeforeMs: b.bufferBeforeMinutes * MINUTE_MS,
    bufferAfterMs: b.bufferAfterMinutes * MINUTE_MS,
    countsTowardDailyLimit: b.sameEventType,
  }));

/** The offered slot starts of a spec, in `[from, to)`, sorted. */
export const slotsOfSpec = (spec: SlotSpec): EpochMs[] =>
  listSlots(
    { openTime: new OpenTime(scheduleOf(spec)), policy: policyOf(spec), occupied: occupiedOfSpec(spec), busy: spec.busy },
    { from: spec.from, to: spec.to, now: spec.now },
  );
