import { Command } from "@effect/platform";
import type { PlatformError } from "@effect/platform/Error";
import { SqlClient } from "@effect/sql/SqlClient";
import { Data, Effect, Redacted, Stream } from "effect";
import { existsSync, renameSync, rmSync, statSync } from "node:fs";
import { migrate } from "../persistence/migrations.ts";

export class BackupError extends Data.TaggedError("BackupError")<{ readonly message: string }> {}

type Tool = "pg_dump" | "pg_restore";

/**
 * libpq takes the URL without its password and the password from PGPASSWORD, so the secret
 * never shows in the process list.
 */
const connectionOf = (url: Redacted.Redacted) => {
  const parsed = new URL(Redacted.value(url));
  const password = decodeURIComponent(parsed.password);
  parsed.password = "";
  const env: Record<string, string> = password === "" ? {} : { PGPASSWORD: password };
  return { dbname: parsed.toString(), env };
};

/** Runs a client tool to its end: its exit code and both outputs. */
const run = (tool: Tool, args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.scoped(
    Effect.gen(function* () {
      const child = yield* Command.start(Command.env(Command.make(tool, ...args), env));
      const text = (stream: Stream.Stream<Uint8Array, PlatformError>) => stream.pipe(Stream.decodeText(), Stream.mkString);
      const [stdout, stderr, code] = yield* Effect.all([text(child.stdout), text(child.stderr), child.exitCode], { concurrency: 3 });
      return { stdout, stderr: stderr.trim(), code: Number(code) };
    }),
  ).pipe(
    Effect.catchTag("SystemError", (e) =>
      e.reason === "NotFound"
        ? new BackupError({
            message: `${tool} is not installed (or not on PATH): install the PostgreSQL client tools (Debian: apt-get install postgresql-client)`,
          })
        : new BackupError({ message: `${tool} could not be started: ${e.message}` }),
    ),
    Effect.catchTag("BadArgument", (e) => new BackupError({ message: `${tool} could not be started: ${e.message}` })),
  );

/** pg_dump refuses a server newer than itself; say so before it starts, in our words. */
const checkPgDump = (serverMajor: number) =>
  Effect.gen(function* () {
    const { stdout } = yield* run("pg_dump", ["--version"]);
    const major = Number(/\(PostgreSQL\)\s+(\d+)/.exec(stdout)?.[1]);
    if (!(major >= serverMajor)) {
      return yield* new BackupError({
        message: `pg_dump ${Number.isNaN(major) ? "of an unknown version" : major} cannot dump a PostgreSQL ${serverMajor} server: install the client tools of version ${serverMajor} or newer`,
      });
    }
  });

const serverMajor = Effect.flatMap(SqlClient, (sql) => sql<{ v: number }>`SELECT current_setting('server_version_num')::int AS v`).pipe(
  Effect.map(([row]) => Math.floor(row!.v / 10_000)),
);

/** What a backup or a restore holds, so its report can be compared with the other's. */
const contents = Effect.flatMap(SqlClient, (sql) =>
  sql<{ hosts: number; bookings: number }>`
    SELECT (SELECT count(*) FROM hosts)::int AS hosts, (SELECT count(*) FROM all_bookings)::int AS bookings`,
).pipe(Effect.map(([row]) => row!));

/**
 * Dumps the whole database with pg_dump's custom format (compressed, restorable with
 * pg_restore, consistent as of one snapshot while the server keeps taking bookings). The file
 * appears only once the dump is complete.
 */
export const backup = (url: Redacted.Redacted, file: string) =>
  Effect.gen(function* () {
    yield* checkPgDump(yield* serverMajor);
    const sql = yield* SqlClient;
    const [{ made } = { made: false }] = yield* sql<{ made: boolean }>`SELECT to_regclass('hosts') IS NOT NULL AS made`;
    if (!made) return yield* new BackupError({ message: "the database has no Rendezvous tables yet: nothing to back up" });
    const held = yield* contents;
    const partial = `${file}.partial`;
    const { dbname, env } = connectionOf(url);
    const dump = yield* run("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", `--file=${partial}`, `--dbname=${dbname}`], env);
    if (dump.code !== 0) {
      rmSync(partial, { force: true });
      return yield* new BackupError({ message: `pg_dump failed: ${dump.stderr}` });
    }
    renameSync(partial, file);
    return { file, bytes: statSync(file).size, ...held };
  });

/**
 * Loads a backup into an empty database in one transaction (all or nothing), then applies the
 * migrations this build has and the backup's did not. A database that already has tables is
 * refused untouched: restoring over live data would mix two histories.
 */
export const restore = (url: Redacted.Redacted, file: string) =>
  Effect.gen(function* () {
    if (!existsSync(file)) return yield* new BackupError({ message: `no backup file at ${file}` });
    const sql = yield* SqlClient;
    const [{ tables } = { tables: 0 }] = yield* sql<{ tables: number }>`
      SELECT count(*)::int AS tables FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`;
    if (tables > 0) {
      return yield* new BackupError({
        message: `the database already has ${tables} tables; restore into an empty one (a new database in DATABASE_URL, or a new DATA_DIR)`,
      });
    }
    const listed = yield* run("pg_restore", ["--list", file]);
    // Also what an older pg_restore says of a newer pg_dump's file.
    if (listed.code !== 0) return yield* new BackupError({ message: `${file} is not a backup this pg_restore can read: ${listed.stderr}` });
    const { dbname, env } = connectionOf(url);
    const load = yield* run(
      "pg_restore",
      ["--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges", `--dbname=${dbname}`, file],
      env,
    );
    if (load.code !== 0) return yield* new BackupError({ message: `pg_restore failed, nothing was restored: ${load.stderr}` });
    yield* migrate;
    return { file, ...(yield* contents) };
  });
