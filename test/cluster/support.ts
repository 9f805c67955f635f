import { SqlClient } from "@effect/sql/SqlClient";
import { Effect, Redacted } from "effect";
import { afterAll, beforeAll, vi } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { freeLoopbackPort } from "../../src/persistence/EmbeddedPostgres.ts";
import type { useOpenHostDatabase } from "../support/fixtures.ts";
import { spawnServer, type SpawnedServer } from "../support/server.ts";
import { offeredStarts } from "../support/storm.ts";

type Database = ReturnType<typeof useOpenHostDatabase>;

/** One process of a cluster on the database and Redis given, as an operator starts it. */
export const startInstance = async (database: Database, redisUrl: string) =>
  spawnServer({
    DATABASE_URL: Redacted.value(database.url),
    REDIS_URL: redisUrl,
    CLUSTER_PORT: String(await freeLoopbackPort()),
    LOG_LEVEL: "warning",
    RATE_LIMIT: "off",
  });

const metric = async (instance: SpawnedServer, name: string) => {
  const text = await (await fetch(`${instance.url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)`, "m").exec(text)?.[1] ?? Number.NaN);
};

/** How many host actors an instance runs (its /metrics, read from loopback): the host's owner runs one. */
export const actorsRunning = (instance: SpawnedServer) => metric(instance, "rendezvous_host_actors");

/** Commands an instance forwarded to another host's owner. */
export const forwardedBy = (instance: SpawnedServer) => metric(instance, "rendezvous_cluster_forward_seconds_count");

/** What Postgres holds of the host after a storm: its confirmed bookings, and pairs of them that overlap. */
export const storedBookings = (database: Database) =>
  database.runtime.runPromise(
    Effect.flatMap(SqlClient, (sql) =>
      Effect.all({
        confirmed: sql<{ id: string }>`SELECT id FROM bookings WHERE host_id = ${database.host.hostId} AND status = 'confirmed'`,
        overlapping: sql<{ n: number }>`
          SELECT count(*)::int AS n FROM bookings x JOIN bookings y
            ON x.host_id = y.host_id AND x.id < y.id AND tstzrange(x.start_at, x.end_at) && tstzrange(y.start_at, y.end_at)
          WHERE x.host_id = ${database.host.hostId} AND x.status = 'confirmed' AND y.status = 'confirmed'`,
      }),
    ),
  ).then(({ confirmed, overlapping }) => ({ ids: new Set(confirmed.map((r) => r.id)), overlapping: overlapping[0]!.n }));

/** The starts an instance offers for the host: its own snapshot's answer. */
export const offeredOn = async (instance: SpawnedServer, database: Database) =>
  new Set((await offeredStarts(instance.url, database.host.hostSlug, database.host.eventSlug)).slots.map((s) => s.start));

/**
 * Whether the cluster's shards have settled on `runners` processes: each holds some and all
 * are held (a runner owns its shards by Postgres advisory locks on a connection of its own;
 * the cluster has 300 shards). Runners that just joined take their share over a few seconds,
 * and a command for a shard in motion costs a retry, so tests about something else wait.
 */
export const shardsSettledOn = async (database: Database, runners: number) => {
  const held = await database.runtime.runPromise(
    Effect.flatMap(SqlClient, (sql) => sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_locks
      WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
      GROUP BY pid`),
  );
  return held.length === runners && held.reduce((sum, r) => sum + r.n, 0) === 300;
};

/** A Redis of the test's own on loopback (no persistence), to stop and start again on the same port. */
export const startRedis = async (port?: number) => {
  const listen = port ?? (await freeLoopbackPort());
  const child: ChildProcess = spawn("redis-server", ["--port", String(listen), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("Ready to accept connections")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
  });
  return {
    port: listen,
    url: `redis://127.0.0.1:${listen}`,
    kill: () => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once("exit", () => resolve()), child.kill("SIGKILL")))),
  };
};

type TestRedis = Awaited<ReturnType<typeof startRedis>>;

/**
 * `size` processes of one cluster on the file's database and a Redis of the file's own,
 * started before its tests and killed after. Tests may replace processes and the Redis.
 */
export const useCluster = (database: Database, size = 3) => {
  const cluster = { instances: [] as SpawnedServer[], redis: undefined as TestRedis | undefined };
  beforeAll(async () => {
    const redis = await startRedis();
    cluster.redis = redis;
    for (let i = 0; i < size; i++) cluster.instances.push(await startInstance(database, redis.url));
    await vi.waitFor(
      async () => {
        if (!(await shardsSettledOn(database, size))) throw new Error("the cluster's shards have not settled on its processes");
      },
      { timeout: 60_000, interval: 200 },
    );
  }, 120_000);
  afterAll(async () => {
    for (const instance of cluster.instances) instance.child.kill("SIGKILL");
    await cluster.redis?.kill();
  });
  return cluster;
};

/**
 * What a load balancer does: each new connection (HTTP, WebSocket, or any TCP) goes to the port
 * it points at now; with none, connections are refused, as while the balancer has no healthy
 * instance. Counts connections per port; `drop` cuts the open ones (a network blip).
 */
export const startBalancer = async () => {
  let target: number | undefined;
  const connections = new Map<number, number>();
  const open = new Set<Socket>();
  const server = createServer((client) => {
    if (target === undefined) return void client.destroy();
    connections.set(target, (connections.get(target) ?? 0) + 1);
    const upstream = connect(target, "127.0.0.1");
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on("error", () => undefined);
      socket.on("close", () => {
        open.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const drop = () => {
    for (const socket of open) socket.destroy();
  };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    routeTo: (to: number | undefined) => (target = to),
    connectionsTo: (to: number) => connections.get(to) ?? 0,
    drop,
    close: () => {
      drop();
      server.close();
    },
  };
};
