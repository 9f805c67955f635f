import { Migrator } from "@effect/sql";
import { SqlClient } from "@effect/sql/SqlClient";
import { Effect } from "effect";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations/", import.meta.url));
const MIGRATIONS_TABLE = "effect_sql_migrations";
/** Any constant both starting processes agree on; only migrations take this advisory lock. */
const MIGRATION_LOCK = 7_301_771;

const runMigrator = Migrator.make({});

/**
 * Applies the numbered `.sql` files of `migrations/` that the database has not seen yet, in
 * order, recording each in `effect_sql_migrations`. Everything runs in one transaction under
 * an advisory lock, so two processes starting together apply each migration exactly once.
 */
export const migrate = Effect.gen(function* () {
  const sql = yield* SqlClient;
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d+_[a-z0-9_]+\.sql$/.test(f))
    .sort();
  const migrations = Object.fromEntries(
    files.map((file) => [file.replace(/\.sql$/, ""), sql.unsafe(readFileSync(MIGRATIONS_DIR + file, "utf8"))]),
  );
  const applied = yield* sql.withTransaction(
    Effect.gen(function* () {
      yield* sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
      // The migrator creates its table after a failed probe, which would abort our transaction.
      yield* sql.unsafe(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
        migration_id integer PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now(),
        name text NOT NULL)`);
      return yield* runMigrator({ loader: Migrator.fromRecord(migrations), table: MIGRATIONS_TABLE });
    }),
  );
  for (const [id, name] of applied) yield* Effect.logInfo("migration applied").pipe(Effect.annotateLogs({ id, name }));
  return applied;
});
