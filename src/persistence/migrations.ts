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
/** The migration files this build ships, in order. */
const migrationFiles = () =>
  readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d+_[a-z0-9_]+\.sql$/.test(f))
    .sort();

/** How many of this build's migrations the database has not applied (readiness waits for 0). */
export const pendingMigrations = Effect.gen(function* () {
  const sql = yield* SqlClient;
  const [row] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql(MIGRATIONS_TABLE)}`;
  return Math.max(0, migrationFiles().length - (row?.n ?? 0));
});

export const migrate = Effect.gen(function* () {
  const sql = yield* SqlClient;
  const files = migrationFiles();
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
