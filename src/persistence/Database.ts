import { PgClient } from "@effect/sql-pg";
import { Effect, Layer, Option, String, type Redacted } from "effect";
import { AppConfig } from "../AppConfig.ts";
import { runningEmbeddedPostgres, startEmbeddedPostgres } from "./EmbeddedPostgres.ts";

/** The SQL client for one database URL. Columns are snake_case in SQL and camelCase in code. */
export const pgClientLayer = (url: Redacted.Redacted) =>
  PgClient.layer({
    url,
    maxConnections: 20,
    idleTimeout: "60 seconds",
    connectTimeout: "10 seconds",
    applicationName: "rendezvous",
    transformResultNames: String.snakeToCamel,
    transformQueryNames: String.camelToSnake,
  });

/**
 * The SQL client: the server named by DATABASE_URL, or else our own embedded Postgres, which
 * lives exactly as long as this layer.
 */
export const DatabaseLive = Layer.unwrapScoped(
  Effect.gen(function* () {
    const config = yield* AppConfig;
    const url = Option.isSome(config.databaseUrl)
      ? config.databaseUrl.value
      : yield* startEmbeddedPostgres(config.dataDir);
    return pgClientLayer(url);
  }),
);

/**
 * The database one-off commands (migrate, seed, sign-in, backup) use: DATABASE_URL, else the
 * embedded Postgres a running Rendezvous already serves from DATA_DIR, else one started for
 * the command's scope.
 */
export const sharedDatabaseUrl = Effect.gen(function* () {
  const config = yield* AppConfig;
  return Option.isSome(config.databaseUrl)
    ? config.databaseUrl.value
    : (runningEmbeddedPostgres(config.dataDir) ?? (yield* startEmbeddedPostgres(config.dataDir)));
});

/** Like DatabaseLive, on the database of `sharedDatabaseUrl`. */
export const SharedDatabaseLive = Layer.unwrapScoped(Effect.map(sharedDatabaseUrl, pgClientLayer));
