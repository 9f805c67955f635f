import { Effect, Schema } from "effect";
import { EpochMsSchema } from "../domain/model.ts";
import { epochMs } from "../domain/time.ts";

/**
 * Rows as node-postgres returns them (columns camelCased), decoded with Schema instead of cast.
 * A row that does not decode means the schema and the code are out of step: a defect, not a
 * refusal, so it dies rather than joining the error channel.
 */
export const decodeRows =
  <A, I>(row: Schema.Schema<A, I>) =>
  (rows: ReadonlyArray<unknown>): Effect.Effect<ReadonlyArray<A>> =>
    Schema.decodeUnknown(Schema.Array(row))(rows).pipe(Effect.orDie);

/** The first decoded row, if any. */
export const decodeFirst =
  <A, I>(row: Schema.Schema<A, I>) =>
  (rows: ReadonlyArray<unknown>): Effect.Effect<A | undefined> =>
    Effect.map(decodeRows(row)(rows.slice(0, 1)), (decoded) => decoded[0]);

/** A `timestamptz` column (node-postgres gives a Date) as epoch milliseconds. */
export const EpochColumn = Schema.transform(Schema.DateFromSelf, EpochMsSchema, {
  strict: true,
  decode: (d) => epochMs(d.getTime()),
  encode: (ms) => new Date(ms),
});

/** Epoch milliseconds as a `timestamptz` parameter (cast with `::timestamptz` in the statement). */
export const iso = (ms: number) => new Date(ms).toISOString();
