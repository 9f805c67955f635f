import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqlClient } from "@effect/sql/SqlClient";
import { Effect, Redacted } from "effect";
import { describe, expect, it, vi } from "vitest";
import { freeLoopbackPort } from "../../src/persistence/EmbeddedPostgres.ts";
import { useOpenHostDatabase } from "../support/fixtures.ts";
import { bookViaApi } from "../support/api.ts";
import { exited, spawnServer } from "../support/server.ts";
import { offeredStarts } from "../support/storm.ts";
import { forwardedBy, shardsSettledOn, startRedis } from "./support.ts";

/** `serve` with the given environment, expected to refuse before it starts anything. */
const serve = (env: Record<string, string>) =>
  spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "serve"], {
    encoding: "utf8",
    env: { ...process.env, DATABASE_URL: "", REDIS_URL: "", PORT: "39999", DATA_DIR: mkdtempSync(join(tmpdir(), "rendezvous-cluster-config-")), ...env },
    timeout: 60_000,
  });

describe("asking for a cluster", () => {
  it("is refused without DATABASE_URL: the embedded Postgres cannot be shared", () => {
    const run = serve({ CLUSTER_PORT: "34999", REDIS_URL: "redis://127.0.0.1:6379" });
    expect(run.status).not.toBe(0);
    expect(run.stdout + run.stderr).toContain("CLUSTER_PORT needs DATABASE_URL: the processes of a cluster share one Postgres, and the embedded one cannot be shared");
  });

  it("is refused without REDIS_URL, and with a port that is not one", () => {
    const noRedis = serve({ CLUSTER_PORT: "34999", DATABASE_URL: "postgres://postgres@127.0.0.1:1/none" });
    expect(noRedis.status).not.toBe(0);
    expect(noRedis.stdout + noRedis.stderr).toContain("CLUSTER_PORT needs REDIS_URL");
    const badPort = serve({ CLUSTER_PORT: "http", DATABASE_URL: "postgres://postgres@127.0.0.1:1/none", REDIS_URL: "redis://127.0.0.1:6379" });
    expect(badPort.status).not.toBe(0);
    expect(badPort.stdout + badPort.stderr).toContain("CLUSTER_PORT");
  });
});

describe("a cluster process whose Redis does not answer", () => {
  const database = useOpenHostDatabase();

  it("starts, and says so through the app's logger (LOG_FORMAT=json)", async () => {
    const server = await spawnServer({
      DATABASE_URL: Redacted.value(database.url),
      REDIS_URL: `redis://127.0.0.1:${await freeLoopbackPort()}`,
      CLUSTER_PORT: String(await freeLoopbackPort()),
      LOG_FORMAT: "json",
      RATE_LIMIT: "off",
    });
    try {
      const line = server.output().split("\n").find((l) => l.includes("other instances' changes reach this one"));
      expect(JSON.parse(line ?? "")).toMatchObject({ level: "WARN", message: "redis unavailable; other instances' changes reach this one once it is back" });
    } finally {
      server.child.kill("SIGTERM");
      await exited(server.child);
    }
  }, 60_000);
});

describe("CLUSTER_HOST", () => {
  const database = useOpenHostDatabase();

  it("is the address a process registers for the others, and the one they reach it at", async () => {
    const redis = await startRedis();
    // A name, not the listening address: the others resolve it to reach the runner.
    const ports = [await freeLoopbackPort(), await freeLoopbackPort()];
    const instances = [];
    try {
      for (const port of ports) {
        instances.push(
          await spawnServer({
            DATABASE_URL: Redacted.value(database.url),
            REDIS_URL: redis.url,
            CLUSTER_PORT: String(port),
            CLUSTER_HOST: "localhost",
            LOG_LEVEL: "warning",
            RATE_LIMIT: "off",
          }),
        );
      }
      await vi.waitFor(
        async () => {
          if (!(await shardsSettledOn(database, 2))) throw new Error("the cluster's shards have not settled on its processes");
        },
        { timeout: 60_000, interval: 200 },
      );
      const registered = await database.runtime.runPromise(Effect.flatMap(SqlClient, (sql) => sql<{ address: string }>`SELECT address FROM cluster_runners ORDER BY address`));
      expect(registered.map((r) => r.address)).toEqual(ports.map((p) => `localhost:${p}`).sort());

      // Through each process once: the one that does not own the host reaches its owner by that name.
      const { eventTypeId, slots } = await offeredStarts(instances[0]!.url, database.host.hostSlug, database.host.eventSlug);
      for (const [i, instance] of instances.entries()) {
        const booked = await bookViaApi(instance.url, { eventTypeId, start: slots[i]!.start });
        expect(booked.status).toBe(201);
      }
      expect((await forwardedBy(instances[0]!)) + (await forwardedBy(instances[1]!))).toBeGreaterThanOrEqual(1);
    } finally {
      for (const instance of instances) instance.child.kill("SIGKILL");
      await redis.kill();
    }
  }, 120_000);
});
