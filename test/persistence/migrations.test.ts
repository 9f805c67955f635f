import { layer } from "@effect/vitest";
import { SqlClient } from "@effect/sql/SqlClient";
import { Effect } from "effect";
import { readdirSync } from "node:fs";
import { expect } from "vitest";
import { migrate } from "../../src/persistence/migrations.ts";
import { TestDatabase } from "../support/core.ts";

layer(TestDatabase)("migrations", (it) => {
  it.effect("run twice, and concurrently, without error and apply nothing the second time", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient;
      // Start from nothing: the fresh database is a copy of the migrated template.
      yield* sql.unsafe(`DROP SCHEMA public CASCADE; CREATE SCHEMA public;`);
      const files = readdirSync(new URL("../../migrations/", import.meta.url)).filter((f) => f.endsWith(".sql"));
      const [first, second] = yield* Effect.all([migrate, migrate], { concurrency: "unbounded" });
      // One process applied everything, the other found nothing left to do.
      expect([first.length, second.length].sort()).toEqual([0, files.length]);
      expect(yield* migrate).toEqual([]);
      const applied = yield* sql<{ migrationId: number }>`SELECT migration_id FROM effect_sql_migrations ORDER BY migration_id`;
      expect(applied.map((r) => r.migrationId)).toEqual(files.map((f) => Number(f.split("_")[0])).sort((a, b) => a - b));
    }),
  );

  it.effect("refuse overlapping confirmed bookings of a host (the exclusion constraint)", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient;
      yield* migrate;
      const [host] = yield* sql<{ id: string }>`
        INSERT INTO hosts (slug, name, email, time_zone) VALUES ('x', 'X', 'x@example.com', 'Europe/Vienna') RETURNING id`;
      const [et] = yield* sql<{ id: string }>`
        INSERT INTO event_types (host_id, slug, title, duration_minutes) VALUES (${host!.id}, 'm', 'M', 30) RETURNING id`;
      const insert = (start: string, end: string, token: string) => sql`
        INSERT INTO bookings (id, host_id, event_type_id, invitee_name, invitee_email, invitee_time_zone, start_at, end_at, manage_token)
        VALUES (gen_random_uuid(), ${host!.id}, ${et!.id}, 'A', 'a@example.com', 'UTC', ${start}::timestamptz, ${end}::timestamptz, ${token})`;
      yield* insert("2030-01-01T10:00:00Z", "2030-01-01T10:30:00Z", "token-aaaaaaaaaaaaaaaaaaaa");
      // Touching ranges are fine ([) ranges); overlapping ones are not.
      yield* insert("2030-01-01T10:30:00Z", "2030-01-01T11:00:00Z", "token-bbbbbbbbbbbbbbbbbbbb");
      const error = yield* Effect.flip(insert("2030-01-01T10:15:00Z", "2030-01-01T10:45:00Z", "token-cccccccccccccccccccc"));
      expect((error.cause as { code?: string }).code).toBe("23P01");
      const zone = yield* Effect.flip(
        sql`INSERT INTO hosts (slug, name, email, time_zone) VALUES ('y', 'Y', 'y@example.com', 'Mars/Olympus')`,
      );
      expect((zone.cause as { code?: string }).code).toBe("23514");
    }),
  );

  it.effect("check host zones against the zone database: known names, and names newer than the list of known ones", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient;
      yield* migrate;
      const host = (slug: string, zone: string) =>
        sql`INSERT INTO hosts (slug, name, email, time_zone) VALUES (${slug}, 'Z', 'z@example.com', ${zone})`;
      yield* host("known", "America/Argentina/Buenos_Aires");
      // A zone Postgres knows but the kept list lacks (as after an upgrade) is still accepted.
      yield* sql`DELETE FROM known_time_zones WHERE name = 'Asia/Kathmandu'`;
      yield* host("newer", "Asia/Kathmandu");
      for (const [slug, zone] of [["abbrev", "PST"], ["made-up", "Mars/Olympus"], ["empty", ""]] as const) {
        const error = yield* Effect.flip(host(slug, zone));
        expect((error.cause as { code?: string }).code).toBe("23514");
      }
    }),
  );
});
