import { PgClient } from "@effect/sql-pg";
import { SqlClient } from "@effect/sql/SqlClient";
import { Effect, Layer, ManagedRuntime, Option, Redacted } from "effect";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { AppConfigOf, type AppConfigShape } from "../../src/AppConfig.ts";
import { Core, Repositories } from "../../src/cli/core.ts";
import { pgClientLayer } from "../../src/persistence/Database.ts";
import { databaseUrlOf, TEMPLATE_DATABASE } from "./urls.ts";

// Apart from app.ts so that tests without a web server do not load it (a mutation run loads a test file's imports once per mutant).

/** Runs SQL on the server's admin database (to make, drop or close the test databases). */
export const onAdmin = <A, E>(effect: Effect.Effect<A, E, SqlClient>) =>
  effect.pipe(
    Effect.provide(PgClient.layer({ url: Redacted.make(inject("adminDatabaseUrl")), maxConnections: 1 })),
    Effect.scoped,
    Effect.orDie,
  );

/** A database of its own for one test file, copied from the migrated template, dropped afterwards. */
export const freshDatabase = Effect.acquireRelease(
  Effect.gen(function* () {
    const name = `rv_test_${randomBytes(6).toString("hex")}`;
    yield* onAdmin(Effect.flatMap(SqlClient, (sql) => sql.unsafe(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`)));
    return { name, url: Redacted.make(databaseUrlOf(inject("adminDatabaseUrl"), name)) };
  }),
  ({ name }) => onAdmin(Effect.flatMap(SqlClient, (sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
);

/** The SQL client of a fresh database (with the app's column-name transforms). */
export const TestDatabase = Layer.unwrapScoped(Effect.map(freshDatabase, ({ url }) => pgClientLayer(url)));

export const testConfig = (databaseUrl: Redacted.Redacted, port: number, overrides: Partial<AppConfigShape> = {}): AppConfigShape => ({
  port,
  host: "127.0.0.1",
  databaseUrl: Option.some(databaseUrl),
  dataDir: mkdtempSync(join(tmpdir(), "rendezvous-test-")),
  publicUrl: `http://127.0.0.1:${port}`,
  secret: Redacted.make(randomBytes(32).toString("base64url")),
  redisUrl: Option.none(),
  holdMinutes: 5,
  holdLeaseSeconds: 60,
  maxHoldsPerHost: 50,
  maxHoldsPerAddress: 5,
  maxBookingsPerEmail: 3,
  // Every test client books from 127.0.0.1: the per-address limits have their own tests.
  rateLimit: false,
  trustProxy: 0,
  metricsToken: Option.none(),
  actorIdleMinutes: 10,
  logLevel: "warning",
  logFormat: "logfmt",
  smtpUrl: Option.none(),
  mailFrom: "Rendezvous <no-reply@127.0.0.1>",
  // Quick retries and short leases, so delivery tests see a retry without waiting minutes.
  deliveries: { pollMs: 1_000, leaseMs: 5_000, retryBaseMs: 100, maxAttempts: 4, retentionDays: 30 },
  // Webhook receivers in tests listen on loopback.
  webhookAllowPrivate: true,
  smsUrl: Option.none(),
  signup: "invite",
  archiveAfterDays: 90,
  auditRetentionDays: 730,
  cluster: Option.none(),
  ...overrides,
});

/** Actors, repositories and bus on a fresh database (no web server). */
export const testCore = (overrides: Partial<AppConfigShape> = {}) =>
  Layer.unwrapScoped(
    Effect.map(freshDatabase, ({ url }) => Core.pipe(Layer.provideMerge(AppConfigOf(testConfig(url, 0, overrides))))),
  );

/** A fresh database with the repositories on it, and its URL for a server started separately. */
export const openTestDatabase = async () => {
  let url: Redacted.Redacted | undefined;
  const runtime = ManagedRuntime.make(
    Layer.unwrapScoped(
      Effect.map(freshDatabase, (d) => {
        url = d.url;
        return Repositories.pipe(Layer.provideMerge(pgClientLayer(d.url)));
      }),
    ),
  );
  await runtime.runPromise(Effect.void);
  return { url: url!, runtime, close: () => runtime.dispose() };
};
