import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redacted } from "effect";
import { describe, expect, it } from "vitest";
import { freeLoopbackPort } from "../../src/persistence/EmbeddedPostgres.ts";
import { useOpenHostDatabase } from "../support/fixtures.ts";
import { exited, spawnServer } from "../support/server.ts";

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
