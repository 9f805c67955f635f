import { PgClient } from "@effect/sql-pg";
import { SqlClient } from "@effect/sql/SqlClient";
import { Effect, Exit, Layer, Redacted, Scope } from "effect";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { clusterMajor, embeddedPostgresMajor, startEmbeddedPostgres } from "../../src/persistence/EmbeddedPostgres.ts";
import { migrate } from "../../src/persistence/migrations.ts";
import { adminUrlOf, databaseUrlOf, TEMPLATE_DATABASE } from "./urls.ts";

declare module "vitest" {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}

/**
 * One Postgres for the whole run: the one named by DATABASE_URL, or else our own embedded one
 * (under the system temp folder, which the `postgres` user can reach when we run as root).
 * A migrated template database lets every test file start from a fresh copy in milliseconds.
 */
export default async function setup(project: TestProject) {
  const scope = Effect.runSync(Scope.make());
  const given = process.env["DATABASE_URL"];
  const embeddedDir = join(tmpdir(), "rendezvous-test-postgres");
  // A cluster left by a build that embedded another major holds only test data: start afresh.
  const made = clusterMajor(join(embeddedDir, "postgres"));
  if (made !== undefined && made !== embeddedPostgresMajor()) rmSync(embeddedDir, { recursive: true, force: true });
  const serverUrl =
    given !== undefined && given !== ""
      ? given
      : Redacted.value(
          await Effect.runPromise(
            startEmbeddedPostgres(embeddedDir).pipe(Scope.extend(scope)),
          ),
        );
  const admin = adminUrlOf(serverUrl);
  const onAdmin = <A, E>(effect: Effect.Effect<A, E, SqlClient>) =>
    Effect.runPromise(effect.pipe(Effect.provide(PgClient.layer({ url: Redacted.make(admin), maxConnections: 1 })), Effect.scoped));
  await onAdmin(
    Effect.gen(function* () {
      const sql = yield* SqlClient;
      yield* sql.unsafe(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
      yield* sql.unsafe(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
    }),
  );
  await Effect.runPromise(
    migrate.pipe(
      Effect.provide(Layer.orDie(PgClient.layer({ url: Redacted.make(databaseUrlOf(admin, TEMPLATE_DATABASE)), maxConnections: 1 }))),
      Effect.scoped,
    ),
  );
  project.provide("adminDatabaseUrl", admin);
  return async () => {
    await onAdmin(
      Effect.gen(function* () {
        const sql = yield* SqlClient;
        const leftovers = yield* sql<{ datname: string }>`SELECT datname FROM pg_database WHERE datname LIKE 'rv_test_%'`;
        for (const { datname } of leftovers) yield* sql.unsafe(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
        yield* sql.unsafe(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
      }),
    ).catch(() => undefined);
    await Effect.runPromise(Scope.close(scope, Exit.void));
  };
}
