import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PgClient } from "@effect/sql-pg";
import { SqlClient } from "@effect/sql/SqlClient";
import { Effect, Redacted } from "effect";
import { describe, expect, inject, it } from "vitest";
import { ApiKeyRepository } from "../../src/persistence/ApiKeyRepository.ts";
import { embeddedPostgresMajor } from "../../src/persistence/EmbeddedPostgres.ts";
import { bookViaApi } from "../support/api.ts";
import { useTestApp } from "../support/app.ts";
import { createHost } from "../support/fixtures.ts";
import { queryOf } from "../support/host.ts";
import { exited, spawnServer } from "../support/server.ts";
import { databaseUrlOf } from "../support/urls.ts";

const app = useTestApp();
const query = queryOf(app);
const admin = () => inject("adminDatabaseUrl");

/** One statement on the database at `url` (one connection, closed after). */
const sqlAt =
  (url: string) =>
  <T extends object>(text: string) =>
    Effect.runPromise(
      Effect.flatMap(SqlClient, (sql) => sql.unsafe<T>(text)).pipe(
        Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })),
        Effect.scoped,
      ),
    );

/** `npm run backup` / `restore` as an operator runs them. */
const cli = (args: ReadonlyArray<string>, env: Record<string, string | undefined>) =>
  spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    encoding: "utf8",
    env: { ...process.env, LOG_LEVEL: "warning", ...env },
  });

/** An empty database (not the migrated template), named so the run's teardown drops it if we do not. */
const emptyDatabase = async () => {
  const name = `rv_test_restore_${randomBytes(4).toString("hex")}`;
  await sqlAt(admin())(`CREATE DATABASE ${name}`);
  return { url: databaseUrlOf(admin(), name), drop: () => sqlAt(admin())(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
};

const slotsOf = async (base: string, hostSlug: string, eventSlug: string) => {
  const res = await fetch(`${base}/api/v1/hosts/${hostSlug}/event-types/${eventSlug}/slots`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { slots: { start: string }[] }).slots.map((s) => s.start);
};

describe("backup and restore", () => {
  it("restores a backup into a fresh database, where a server serves the bookings and hosts the first one had", async () => {
    const host = await app.runtime.runPromise(createHost());
    const [start] = await slotsOf(app.url, host.hostSlug, host.eventSlug);
    const booked = await bookViaApi(app.url, { eventTypeId: host.eventTypeId, start: start!, name: "Bea Backup" });
    expect(booked.status).toBe(201);
    const booking = (await booked.json()) as { id: string; manageToken: string };
    const { key } = await app.runtime.runPromise(Effect.flatMap(ApiKeyRepository, (r) => r.create(host.hostId, "backup", ["read"], Date.now())));

    const file = join(mkdtempSync(join(tmpdir(), "rendezvous-backup-")), "rendezvous.dump");
    const dumped = cli(["backup", file], { DATABASE_URL: Redacted.value(app.databaseUrl) });
    expect(dumped.stderr).toBe("");
    expect(dumped.status).toBe(0);
    const report = JSON.parse(dumped.stdout) as { file: string; bytes: number; hosts: number; bookings: number };
    expect(report.file).toBe(file);
    expect(report.bytes).toBe(readFileSync(file).length);
    expect(readFileSync(file).subarray(0, 5).toString(), "pg_dump's custom format").toBe("PGDMP");
    const [held] = await query<{ hosts: number; bookings: number }>("SELECT (SELECT count(*) FROM hosts)::int AS hosts, (SELECT count(*) FROM all_bookings)::int AS bookings");
    expect({ hosts: report.hosts, bookings: report.bookings }).toEqual(held);
    expect(existsSync(`${file}.partial`)).toBe(false);

    const target = await emptyDatabase();
    try {
      const restored = cli(["restore", file], { DATABASE_URL: target.url });
      expect(restored.stderr).toBe("");
      expect(restored.status).toBe(0);
      expect(JSON.parse(restored.stdout)).toEqual({ file, ...held });

      const server = await spawnServer({ DATABASE_URL: target.url });
      try {
        const read = await fetch(`${server.url}/api/v1/bookings/${booking.id}`, { headers: { authorization: `Bearer ${booking.manageToken}` } });
        expect(read.status).toBe(200);
        expect(await read.json()).toMatchObject({ id: booking.id, invitee: { name: "Bea Backup" }, start: start });
        // The host's API key is stored as a digest that needs no secret: it works on the restored server.
        const listed = await fetch(`${server.url}/api/v1/host/bookings`, { headers: { authorization: `Bearer ${key}` } });
        expect(listed.status).toBe(200);
        expect(((await listed.json()) as { bookings: { id: string }[] }).bookings.map((b) => b.id)).toEqual([booking.id]);
        // The restored booking still holds its time: the restored server does not offer it again.
        const offered = await slotsOf(server.url, host.hostSlug, host.eventSlug);
        expect(offered.length).toBeGreaterThan(0);
        expect(offered).not.toContain(start);
        const page = await fetch(`${server.url}/${host.hostSlug}/${host.eventSlug}`);
        expect(page.status).toBe(200);
      } finally {
        server.child.kill("SIGTERM");
        await exited(server.child);
      }

      // A second restore over the restored data is refused and changes nothing.
      const again = cli(["restore", file], { DATABASE_URL: target.url });
      expect(again.status).toBe(1);
      expect(again.stderr).toMatch(/^restore refused: the database already has \d+ tables; restore into an empty one/);
      const [after] = await sqlAt(target.url)<{ bookings: number }>("SELECT count(*)::int AS bookings FROM all_bookings");
      expect(after!.bookings).toBe(held!.bookings);
    } finally {
      await target.drop();
    }
  });

  it("says what is missing, and writes no file, when pg_dump cannot be found", () => {
    const file = join(mkdtempSync(join(tmpdir(), "rendezvous-backup-")), "rendezvous.dump");
    const run = cli(["backup", file], { DATABASE_URL: Redacted.value(app.databaseUrl), PATH: "/nonexistent" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("backup refused: pg_dump is not installed (or not on PATH)");
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.partial`)).toBe(false);
  });

  it("refuses a file that is not a backup, leaving the database empty", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "rendezvous-backup-")), "not-a.dump");
    writeFileSync(file, "SELECT 1;\n");
    const target = await emptyDatabase();
    try {
      const run = cli(["restore", file], { DATABASE_URL: target.url });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain("is not a backup this pg_restore can read");
      const [tables] = await sqlAt(target.url)<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'",
      );
      expect(tables!.n).toBe(0);
    } finally {
      await target.drop();
    }
    expect(cli(["restore"], {}).status, "no file named: usage").toBe(2);
  });

  it("will not start an embedded Postgres on a data folder another major made, and says what to do", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "rendezvous-major-"));
    mkdirSync(join(dataDir, "postgres"));
    writeFileSync(join(dataDir, "postgres", "PG_VERSION"), "18\n");
    const run = cli(["migrate"], { DATABASE_URL: undefined, DATA_DIR: dataDir });
    expect(run.status).not.toBe(0);
    expect(run.stdout + run.stderr).toContain(
      `was made by PostgreSQL 18, and this Rendezvous embeds PostgreSQL ${embeddedPostgresMajor()}`,
    );
    expect(readFileSync(join(dataDir, "postgres", "PG_VERSION"), "utf8"), "the folder is left as it was").toBe("18\n");
  });
});
