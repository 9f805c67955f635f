import { PgClient } from "@effect/sql-pg";
import { SqlClient } from "@effect/sql/SqlClient";
import { Effect, Redacted } from "effect";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runningEmbeddedPostgres } from "../../src/persistence/EmbeddedPostgres.ts";
import { useOpenHostDatabase } from "../support/fixtures.ts";
import { exited, spawnServer } from "../support/server.ts";
import { offeredStarts, startStorm } from "../support/storm.ts";

/** The operator's side of the hardening issue: ports, signals and a database that dies. */
const database = useOpenHostDatabase();

const confirmedOf = (ids: ReadonlyArray<string>, url: Redacted.Redacted = database.url) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient;
      const rows = yield* sql<{ id: string }>`SELECT id FROM bookings WHERE id = ANY(${ids}::uuid[]) AND status = 'confirmed'`;
      const [overlaps] = yield* sql<{ n: number }>`
        SELECT count(*)::int AS n FROM bookings a JOIN bookings b ON a.host_id = b.host_id AND a.id < b.id
         AND tstzrange(a.start_at, a.end_at, '[)') && tstzrange(b.start_at, b.end_at, '[)')
        WHERE a.status = 'confirmed' AND b.status = 'confirmed'`;
      return { found: new Set(rows.map((r) => r.id)), overlaps: overlaps!.n };
    }).pipe(Effect.provide(PgClient.layer({ url, maxConnections: 1 })), Effect.scoped),
  );

describe("the listening port", () => {
  it("is exclusive: a second server on the same port refuses to start and says why", async () => {
    const first = await spawnServer({ DATABASE_URL: Redacted.value(database.url), LOG_LEVEL: "warning" });
    try {
      const second = spawnServer({ DATABASE_URL: Redacted.value(database.url), PORT: String(first.port), DATA_DIR: mkdtempSync(join(tmpdir(), "rv-other-")) });
      await expect(second).rejects.toThrow(/port is in use/);
      expect((await fetch(`${first.url}/health`)).status).toBe(200);
    } finally {
      first.child.kill("SIGTERM");
      await exited(first.child);
    }
  });
});

describe("SIGTERM under a 32-client storm", () => {
  it("answers every request it received, closes no connection without an answer, and keeps every 201", async () => {
    const server = await spawnServer({ DATABASE_URL: Redacted.value(database.url), LOG_LEVEL: "warning", RATE_LIMIT: "off" });
    const { slots } = await offeredStarts(server.url, database.host.hostSlug, database.host.eventSlug);
    const storm = startStorm({ url: () => server.url, eventTypeId: database.host.eventTypeId, starts: slots.map((s) => s.start), clients: 32, maxPerClient: 10_000 });
    await storm.until((o) => o.acknowledged.length >= 200);
    server.child.kill("SIGTERM");
    expect(await exited(server.child)).toBe(0);
    const outcome = await storm.stop();
    expect(outcome.unanswered).toEqual([]);
    expect(outcome.refused).toBeGreaterThan(0); // the clients did go on past the stop
    const { found, overlaps } = await confirmedOf(outcome.acknowledged.map((b) => b.id));
    expect(outcome.acknowledged.filter((b) => !found.has(b.id))).toEqual([]);
    expect(overlaps).toBe(0);
  });
});

describe("the embedded Postgres killed mid-storm", () => {
  it("is started again within 30 s; nothing acknowledged is lost and nothing overlaps", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "rendezvous-pgkill-"));
    const server = await spawnServer({ DATA_DIR: dataDir, DATABASE_URL: "", RATE_LIMIT: "off", LOG_LEVEL: "warning" }, ["--seed-demo"]);
    try {
      const { eventTypeId: demoType, slots } = await offeredStarts(server.url, "demo", "intro");
      const storm = startStorm({ url: () => server.url, eventTypeId: demoType, starts: slots.map((s) => s.start), clients: 8, maxPerClient: 100_000 });
      await storm.until((o) => o.acknowledged.length >= 30);
      const postmaster = Number(readFileSync(join(dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0]);
      process.kill(postmaster, "SIGKILL");
      const killedAt = performance.now();
      // Bookings fail while it is down (503 with Retry-After), then succeed again.
      await storm.until((o) => (o.statuses.get(503) ?? 0) > 0);
      const before = storm.outcome.acknowledged.length;
      await storm.until((o) => o.acknowledged.length > before + 10);
      const recoveredWithinMs = performance.now() - killedAt;
      const outcome = await storm.stop();
      expect(recoveredWithinMs).toBeLessThan(30_000);
      expect(outcome.unanswered).toEqual([]);
      expect([...outcome.retryAfter503]).toEqual(["5"]);
      const outage = await fetch(`${server.url}/health`);
      expect(outage.status).toBe(200);

      const url = runningEmbeddedPostgres(dataDir)!;
      const { found, overlaps } = await confirmedOf(outcome.acknowledged.map((b) => b.id), url);
      expect(outcome.acknowledged.filter((b) => !found.has(b.id))).toEqual([]);
      expect(overlaps).toBe(0);
    } finally {
      server.child.kill("SIGTERM");
      await exited(server.child);
    }
  }, 120_000);
});
