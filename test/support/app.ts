import { PgClient } from "@effect/sql-pg";
import { SqlClient } from "@effect/sql/SqlClient";
import { Effect, Layer, Logger, LogLevel, ManagedRuntime, Option, Redacted } from "effect";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, inject } from "vitest";
import { AppConfigOf, type AppConfigShape } from "../../src/AppConfig.ts";
import { App, Core, Repositories } from "../../src/cli/layers.ts";
import { pgClientLayer } from "../../src/persistence/Database.ts";
import { freeLoopbackPort } from "../../src/persistence/EmbeddedPostgres.ts";
import { databaseUrlOf, TEMPLATE_DATABASE } from "./urls.ts";

const onAdmin = <A, E>(effect: Effect.Effect<A, E, SqlClient>) =>
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
  ...overrides,
});

/** Actors, repositories and bus on a fresh database (no web server). */
export const testCore = (overrides: Partial<AppConfigShape> = {}) =>
  Layer.unwrapScoped(
    Effect.map(freshDatabase, ({ url }) => Core.pipe(Layer.provideMerge(AppConfigOf(testConfig(url, 0, overrides))))),
  );

/** The whole app on a fresh database and a free port, as a runtime tests can drive. */
export const startTestApp = async (overrides: Partial<AppConfigShape> = {}): Promise<StartedApp> => {
  // The port is free when picked, but another process may take it before we listen (servers
  // listen exclusively): then pick again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(await freeLoopbackPort(), overrides);
    } catch (error) {
      if (attempt >= 5 || !String(error).includes("port is in use")) throw error;
    }
  }
};

interface StartedApp {
  readonly runtime: ManagedRuntime.ManagedRuntime<Layer.Layer.Success<typeof App>, unknown>;
  readonly url: string;
  readonly databaseUrl: Redacted.Redacted;
  readonly close: () => Promise<void>;
}

const startOnce = async (port: number, overrides: Partial<AppConfigShape>): Promise<StartedApp> => {
  let databaseUrl: Redacted.Redacted | undefined;
  const layer = Layer.unwrapScoped(
    Effect.map(freshDatabase, ({ url }) => {
      databaseUrl = url;
      return App.pipe(Layer.provideMerge(AppConfigOf(testConfig(url, port, overrides))));
    }),
  ).pipe(Layer.provide(Logger.minimumLogLevel(LogLevel.Warning)));
  const runtime = ManagedRuntime.make(layer);
  try {
    await runtime.runPromise(Effect.void);
  } catch (error) {
    await runtime.dispose();
    throw error;
  }
  return { runtime, url: `http://127.0.0.1:${port}`, databaseUrl: databaseUrl!, close: () => runtime.dispose() };
};

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

export type TestApp = Awaited<ReturnType<typeof startTestApp>>;

/**
 * One app for a whole test file: started before its tests, closed after. The returned object
 * reads through to the running app (`app.url`, `app.runtime`), so tests use it as the app.
 */
export const useTestApp = (overrides: Partial<AppConfigShape> = {}): TestApp => {
  let started: TestApp | undefined;
  beforeAll(async () => {
    started = await startTestApp(overrides);
  });
  afterAll(() => started?.close());
  const running = () => {
    if (started === undefined) throw new Error("the test app is used before its beforeAll ran");
    return started;
  };
  return {
    get runtime() {
      return running().runtime;
    },
    get url() {
      return running().url;
    },
    get databaseUrl() {
      return running().databaseUrl;
    },
    close: () => running().close(),
  };
};
