import busboy from "busboy";
import { Either, ParseResult, Schema } from "effect";
import { parseInstant, type EpochMs } from "../domain/time.ts";
import type { EventType } from "../domain/model.ts";
import { answerProblems } from "../domain/validation.ts";
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

/**
 * Text Postgres can store: no NUL characters and no lone UTF-16 surrogates (it refuses both,
 * which would otherwise surface as a storage failure after the request was accepted).
 */
const storable = (s: string) => !s.includes("\u0000") && s.isWellFormed();
const notStorable = { message: () => "must not contain NUL characters or broken Unicode" };

export const Text = Schema.String.pipe(Schema.filter(storable, notStorable));

/** Trimmed storable text (trimming keeps NUL and surrogates, so checking after it is the same). */
const StoredTrim = Schema.Trim.pipe(Schema.filter(storable, notStorable));

const trimmed = (label: string, max: number) =>
  StoredTrim.pipe(
    Schema.minLength(1, { message: () => `${label} is required` }),
    Schema.maxLength(max, { message: () => `${label} must be at most ${max} characters` }),
  );

export const Name = trimmed("Name", 200);
export const Email = StoredTrim.pipe(
  Schema.minLength(1, { message: () => "Email is required" }),
  Schema.maxLength(320, { message: () => "Email must be at most 320 characters" }),
  Schema.pattern(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/, { message: () => "Email must look like name@example.com" }),
);
export const Note = StoredTrim.pipe(Schema.maxLength(2000, { message: () => "Note must be at most 2000 characters" }));

const AnswerKey = Text.pipe(Schema.maxLength(100, { message: () => "is not a question of this event" }));

/**
 * Answers by question id. Decoding into a plain object would silently drop a `__proto__` key,
 * so it is refused first, like any other key that is not a question.
 */
export const Answers = Schema.Unknown.pipe(
  Schema.filter((u) =>
    typeof u === "object" && u !== null && Object.hasOwn(u, "__proto__") ? { path: ["__proto__"], message: "is not a question of this event" } : true,
  ),
  Schema.compose(Schema.Record({ key: AnswerKey, value: Text })),
);

/** A cancellation reason from a form: empty means none. */
export const reasonOf = (fields: Record<string, unknown>): Either.Either<string | null, string> =>
  Schema.decodeUnknownEither(Reason)(fields["reason"] ?? "").pipe(
    Either.map((r) => (r === "" ? null : r)),
    Either.mapLeft((e) => [...fieldErrorsOf(e).values()][0] ?? "Reason is not valid"),
  );

export const Reason = StoredTrim.pipe(Schema.maxLength(2000, { message: () => "Reason must be at most 2000 characters" }));

/** Opaque tokens (holds, idempotency keys) we made ourselves: URL-safe characters only. */
export const Token = Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_-]{0,200}$/, { message: () => "is not valid" }));

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

/** Deeper JSON than any request of ours needs is refused before parsing (deep nesting overflows the stack in error formatting). */
const MAX_JSON_DEPTH = 16;

export const jsonDepthExceeds = (text: string, max = MAX_JSON_DEPTH): boolean => {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123 /* [ { */) {
      if (++depth > max) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
};

/** The media type of a Content-Type header, without parameters, lower case. */
export const mediaTypeOf = (contentType: string | undefined) => (contentType ?? "").split(";")[0]!.trim().toLowerCase();

export const decodeFields = <A, I>(schema: Schema.Schema<A, I>, input: unknown): Either.Either<A, FieldErrors> =>
  Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "ignore" })(input).pipe(
    Either.mapLeft(fieldErrorsOf),
  );

/**
 * A urlencoded body as an object: `answers.x` fields become `{ answers: { x } }`. Objects
 * without a prototype, so a field named `__proto__` is kept (and refused) like any other.
 */
export const formFields = (body: Buffer): Record<string, unknown> => {
  const fields: Record<string, unknown> = Object.create(null);
  const answers: Record<string, string> = Object.create(null);
  for (const [key, value] of new URLSearchParams(body.toString("utf8"))) {
    if (key.startsWith("answers.")) answers[key.slice("answers.".length)] = value;
    else if (!(key in fields)) fields[key] = value;
  }
  fields["answers"] = answers;
  return fields;
};

/** The meeting length an invitee picked (`d`, in minutes); the actor says whether it is offered. */
export const Length = Schema.NumberFromString.pipe(
  Schema.int({ message: () => "must be a whole number of minutes" }),
  Schema.between(1, 1440, { message: () => "must be 1 to 1440 minutes" }),
);

export const HoldForm = Schema.Struct({
  start: Instant,
  tz: TimeZone,
  d: Schema.optional(Length),
});

export const ReleaseForm = Schema.Struct({
  hold: Token,
  tz: TimeZone,
  start: Schema.optional(Instant),
});

export const BookForm = Schema.Struct({
  start: Instant,
  tz: TimeZone,
  hold: Token,
  d: Schema.optional(Length),
  idempotencyKey: Token.pipe(Schema.minLength(8)),
  name: Name,
  email: Email,
  note: Schema.optionalWith(Note, { default: () => "" }),
  answers: Answers,
});
export type BookForm = typeof BookForm.Type;

/**
 * A posted booking form, decoded, with every problem at once: the fields' shapes and the
 * answers' rules for this event type (the actor checks those again), in the order the form
 * shows its fields.
 */
export const decodeBookForm = (eventType: EventType, fields: Record<string, unknown>): Either.Either<BookForm, FieldErrors> => {
  const decoded = decodeFields(BookForm, fields);
  const answers = fields["answers"];
  const problems = typeof answers === "object" && answers !== null ? answerProblems(eventType, answers as Record<string, string>) : [];
  if (Either.isRight(decoded) && problems.length === 0) return decoded;
  const errors = new Map(Either.isLeft(decoded) ? decoded.left : []);
  for (const p of problems) if (!errors.has(p.field)) errors.set(p.field, p.message);
  const order = ["name", "email", ...eventType.questions.map((q) => `answers.${q.id}`), "note"];
  const rank = (field: string) => (order.includes(field) ? order.indexOf(field) : -1);
  return Either.left(new Map([...errors].sort(([a], [b]) => rank(a) - rank(b))));
};

/**
 * A `multipart/form-data` body (a form with a file), already received in full: its text fields
 * (the first of each name) and its files' bytes; undefined when it is not such a body.
 */
export const multipartOf = (contentType: string | undefined, body: Buffer): Promise<{ readonly fields: Record<string, string>; readonly files: Record<string, Buffer> } | undefined> =>
  new Promise((resolve) => {
    const fields: Record<string, string> = Object.create(null);
    const files: Record<string, Buffer> = Object.create(null);
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: { "content-type": contentType ?? "" }, limits: { files: 1, fields: 20 } });
    } catch {
      resolve(undefined);
      return;
    }
    parser.on("field", (name, value) => {
      if (!(name in fields)) fields[name] = value;
    });
    parser.on("file", (name, stream) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        files[name] = Buffer.concat(chunks);
      });
    });
    parser.on("close", () => resolve({ fields, files }));
    parser.on("error", () => resolve(undefined));
    parser.end(body);
  });
