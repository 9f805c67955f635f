import { Either, ParseResult, Schema } from "effect";
import { parseInstant, type EpochMs } from "../domain/time.ts";
import { canonicalTimeZone } from "../domain/zone.ts";

/** Edge validation: every input is decoded once, here, into domain values or field errors. */

export const Instant = Schema.String.pipe(
  Schema.transformOrFail(Schema.Number, {
    strict: true,
    decode: (s, _, ast) => {
      const ms = parseInstant(s);
      return ms === undefined
        ? ParseResult.fail(new ParseResult.Type(ast, s, "must be an ISO 8601 instant such as 2026-03-09T13:00:00Z"))
        : ParseResult.succeed(ms);
    },
    encode: (n) => ParseResult.succeed(new Date(n).toISOString()),
  }),
) as unknown as Schema.Schema<EpochMs, string>;

export const TimeZone = Schema.String.pipe(
  Schema.transformOrFail(Schema.String, {
    strict: true,
    decode: (s, _, ast) => {
      const zone = canonicalTimeZone(s);
      return zone === undefined
        ? ParseResult.fail(new ParseResult.Type(ast, s, "must be an IANA time zone such as Europe/Vienna"))
        : ParseResult.succeed(zone);
    },
    encode: ParseResult.succeed,
  }),
);

const trimmed = (label: string, max: number) =>
  Schema.Trim.pipe(
    Schema.minLength(1, { message: () => `${label} is required` }),
    Schema.maxLength(max, { message: () => `${label} must be at most ${max} characters` }),
  );

export const Name = trimmed("Name", 200);
export const Email = Schema.Trim.pipe(
  Schema.minLength(1, { message: () => "Email is required" }),
  Schema.maxLength(320, { message: () => "Email must be at most 320 characters" }),
  Schema.pattern(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/, { message: () => "Email must look like name@example.com" }),
);
export const Note = Schema.Trim.pipe(Schema.maxLength(2000, { message: () => "Note must be at most 2000 characters" }));

/** Field errors by dotted field path, first error per field, in field order. */
export type FieldErrors = ReadonlyMap<string, string>;

export const fieldErrorsOf = (error: ParseResult.ParseError): FieldErrors => {
  const errors = new Map<string, string>();
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
    const field = issue.path.join(".") || "body";
    if (!errors.has(field)) errors.set(field, issue.message === "is missing" ? `${field} is required` : issue.message);
  }
  return errors;
};

export const decodeFields = <A, I>(schema: Schema.Schema<A, I>, input: unknown): Either.Either<A, FieldErrors> =>
  Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "ignore" })(input).pipe(
    Either.mapLeft(fieldErrorsOf),
  );

/** A urlencoded body as an object: `answers.x` fields become `{ answers: { x } }`. */
export const formFields = (body: Buffer): Record<string, unknown> => {
  const fields: Record<string, unknown> = {};
  const answers: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(body.toString("utf8"))) {
    if (key.startsWith("answers.")) answers[key.slice("answers.".length)] = value;
    else if (!(key in fields)) fields[key] = value;
  }
  fields["answers"] = answers;
  return fields;
};

export const HoldForm = Schema.Struct({
  start: Instant,
  tz: TimeZone,
});

export const BookForm = Schema.Struct({
  start: Instant,
  tz: TimeZone,
  hold: Schema.String,
  idempotencyKey: Schema.String.pipe(Schema.minLength(8), Schema.maxLength(200)),
  name: Name,
  email: Email,
  note: Schema.optionalWith(Note, { default: () => "" }),
  answers: Schema.Record({ key: Schema.String, value: Schema.String }),
});
export type BookForm = typeof BookForm.Type;
