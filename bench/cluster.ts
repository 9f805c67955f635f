/**
 * `npm run bench:cluster`: the same booking storm against one process and against three
 * processes of one cluster (CLUSTER_PORT, one Postgres, one Redis) on this machine. Prints
 * attempts/s and latency of each, the ratio three/one, the share of commands forwarded to
 * another process (the host's owner) and what a forward took there and back (from the
 * processes' /metrics histograms, so percentiles are bucket bounds).
 *
 * On two cores three processes cannot be faster than one: the question is overhead. Goals:
 * three processes ≥ 0.8× one process's attempts/s; a forward's p99 ≤ the one-process booking p99
 * (so a forwarded booking's p99 stays within 2× a local one).
 *
 * Postgres: BENCH_DATABASE_URL (databases rv_bench_cluster_* are made there), else an embedded
 * one in a temporary folder. Redis: BENCH_REDIS_URL (default redis://127.0.0.1:6379), which must
 * answer. BENCH_SECONDS sets each run's length (default 10), BENCH_HOSTS the storm's hosts
 * (default 30: enough for each process to own some), BENCH_SLOTS each host's bookable times
 * (default 2,000: both runs then mostly book; with few times the faster run would spend its
 * second half on cheap refusals of taken times and the two would not do the same work),
 * BENCH_WARMUP_SECONDS the storm on other hosts before each measured one (default 8: runners
 * that just joined move shards meanwhile).
 *
 * It also prints the servers' CPU per attempt in each run (from /proc: Linux only), what three
 * processes spend beyond one per forwarded command, and from those an estimate of what 8 and
 * 32 machines could serve; and, as a baseline, the storm split over three independent processes
 * (a database each, no cluster): what three processes alone cost on this machine. Last, the
 * engine's floor: what @effect/cluster alone spends per forwarded Book command (a runner whose
 * handlers answer at once, see `engineFloor.ts`), and the most three processes could serve if
 * they spent nothing beyond the independent ones but that floor per forward.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Exit, Logger, LogLevel, Redacted, Scope } from "effect";
import { Redis } from "ioredis";
import { runStorm, type StormSummary } from "../src/cli/storm.ts";
import { freeLoopbackPort, startEmbeddedPostgres } from "../src/persistence/EmbeddedPostgres.ts";
import { psql, withDatabase } from "./postgres.ts";
import { measureEngineFloor } from "./engineFloor.ts";
import { startBenchServer } from "./server.ts";
import { startSmtpSinkProcess } from "./smtpSink.ts";
import { round } from "./stats.ts";

const SECONDS = Number(process.env["BENCH_SECONDS"] ?? 10);
const WARMUP_SECONDS = Number(process.env["BENCH_WARMUP_SECONDS"] ?? 8);
const HOSTS = Number(process.env["BENCH_HOSTS"] ?? 30);
const CLIENTS = 64;
const SLOTS = Number(process.env["BENCH_SLOTS"] ?? 2000);
const REDIS_URL = process.env["BENCH_REDIS_URL"] ?? "redis://127.0.0.1:6379";

const freshDatabase = (serverUrl: string, name: string) => {
  psql(withDatabase(serverUrl, "postgres"), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  psql(withDatabase(serverUrl, "postgres"), `CREATE DATABASE ${name}`);
  return withDatabase(serverUrl, name);
};

const requireRedis = async () => {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2_000 });
  try {
    await client.connect();
    return (await client.info("server")).match(/redis_version:(\S+)/)?.[1] ?? "unknown";
  } catch {
    throw new Error(`Redis does not answer at ${REDIS_URL} (set BENCH_REDIS_URL)`);
  } finally {
    client.disconnect();
  }
};

/** The cumulative buckets of one histogram in /metrics texts, summed over processes, less what `before` had. */
const histogramOf = (texts: ReadonlyArray<string>, name: string, before: ReadonlyArray<string>) => {
  const buckets = new Map<number, number>();
  let count = 0;
  let sum = 0;
  const add = (text: string, sign: 1 | -1) => {
    for (const line of text.split("\n")) {
      const bucket = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)`).exec(line);
      if (bucket !== null) {
        const le = bucket[1] === "+Inf" ? Number.POSITIVE_INFINITY : Number(bucket[1]);
        buckets.set(le, (buckets.get(le) ?? 0) + sign * Number(bucket[2]));
      } else if (line.startsWith(`${name}_count `)) count += sign * Number(line.split(" ")[1]);
      else if (line.startsWith(`${name}_sum `)) sum += sign * Number(line.split(" ")[1]);
    }
  };
  for (const text of texts) add(text, 1);
  for (const text of before) add(text, -1);
  /** The upper bound of the bucket that holds the p-th percentile, in milliseconds. */
  const percentile = (p: number) => {
    const wanted = (p / 100) * count;
    for (const [le, n] of [...buckets].sort(([a], [b]) => a - b)) if (n >= wanted) return le * 1000;
    return Number.NaN;
  };
  return { count, meanMs: count === 0 ? 0 : round((sum / count) * 1000, 2), p50Ms: round(percentile(50), 2), p99Ms: round(percentile(99), 2) };
};

const summaryOf = (s: StormSummary) => ({
  attemptsPerSecond: s.attemptsPerSecond,
  confirmed: s.confirmed,
  conflicts: s.conflicts,
  errors: s.errors,
  latencyMs: s.latencyMs,
  doubleBookings: s.doubleBookings,
  acknowledgedMissing: s.acknowledgedMissing,
});

type BenchServer = Awaited<ReturnType<typeof startBenchServer>>;

/** CPU seconds the servers have used so far, together. */
const cpuSecondsOf = (servers: ReadonlyArray<BenchServer>) => servers.reduce((sum, s) => sum + s.cpuSeconds(), 0);

/** A storm of `seconds` against `url` on hosts of its own in `database`. */
const stormOptions = (url: string, database: string, hosts: number, clients: number, seconds: number) => ({
  url,
  hosts,
  concurrency: clients,
  durationSeconds: seconds,
  slotsPerHost: SLOTS,
  maxAttempts: 100_000_000,
  databaseUrl: Redacted.make(database),
  progress: false,
});

const storm = async (serverUrl: string, name: string, processes: number, work: string) => {
  const database = freshDatabase(serverUrl, name);
  const smtp = await startSmtpSinkProcess();
  const cluster = async () => ({ REDIS_URL, CLUSTER_PORT: String(await freeLoopbackPort()) });
  const servers: BenchServer[] = [];
  try {
    for (let i = 0; i < processes; i++) {
      servers.push(await startBenchServer(database, join(work, `${name}-${i}`), smtp.url, processes > 1 ? await cluster() : {}));
    }
    // Runners that just joined move shards between them for some seconds (a command for a shard
    // in motion is retried every 100 ms): warm up until that settles, on hosts of its own.
    const stormOf = (seconds: number) => ({ ...stormOptions(servers[0]!.url, database, HOSTS, CLIENTS, seconds), alsoUrls: servers.slice(1).map((s) => s.url) });
    await runStorm({ ...stormOf(WARMUP_SECONDS), hosts: 3 });
    const before = await Promise.all(servers.map(async (s) => (await fetch(`${s.url}/metrics`)).text()));
    const cpuBefore = cpuSecondsOf(servers);
    const summary = await runStorm(stormOf(SECONDS));
    const cpuSeconds = cpuSecondsOf(servers) - cpuBefore;
    const metrics = await Promise.all(servers.map(async (s) => (await fetch(`${s.url}/metrics`)).text()));
    return { summary, cpuMsPerAttempt: round((cpuSeconds * 1000) / summary.attempts, 2), forward: histogramOf(metrics, "rendezvous_cluster_forward_seconds", before) };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    smtp.stop();
  }
};

/**
 * The same storm split over three independent single processes, each with a database of its
 * own and a third of the hosts and clients: what three processes cost on this machine without
 * a cluster between them.
 */
const independentStorms = async (serverUrl: string, work: string) => {
  const smtp = await startSmtpSinkProcess();
  const runs = [0, 1, 2].map((i) => ({ database: freshDatabase(serverUrl, `rv_bench_cluster_alone_${i}`), clients: Math.floor((CLIENTS + i) / 3) }));
  const servers: BenchServer[] = [];
  try {
    for (const [i, run] of runs.entries()) servers.push(await startBenchServer(run.database, join(work, `alone-${i}`), smtp.url));
    const stormsOf = (seconds: number, hosts: number) => Promise.all(runs.map((run, i) => runStorm(stormOptions(servers[i]!.url, run.database, hosts, run.clients, seconds))));
    await stormsOf(WARMUP_SECONDS, 1);
    const cpuBefore = cpuSecondsOf(servers);
    const summaries = await stormsOf(SECONDS, Math.ceil(HOSTS / 3));
    const cpuSeconds = cpuSecondsOf(servers) - cpuBefore;
    const attempts = summaries.reduce((sum, s) => sum + s.attempts, 0);
    return {
      attemptsPerSecond: summaries.reduce((sum, s) => sum + s.attemptsPerSecond, 0),
      confirmed: summaries.reduce((sum, s) => sum + s.confirmed, 0),
      p99Ms: Math.max(...summaries.map((s) => s.latencyMs.p99)),
      doubleBookings: summaries.reduce((sum, s) => sum + s.doubleBookings, 0),
      acknowledgedMissing: summaries.reduce((sum, s) => sum + s.acknowledgedMissing, 0),
      cpuMsPerAttempt: round((cpuSeconds * 1000) / attempts, 2),
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    smtp.stop();
  }
};

const main = async () => {
  const redis = await requireRedis();
  const work = mkdtempSync(join(tmpdir(), "rendezvous-bench-cluster-"));
  chmodSync(work, 0o755); // the embedded Postgres runs as `postgres` when we are root
  const scope = Effect.runSync(Scope.make());
  try {
    const serverUrl =
      process.env["BENCH_DATABASE_URL"] ??
      Redacted.value(
        await Effect.runPromise(startEmbeddedPostgres(join(work, "pg")).pipe(Scope.extend(scope), Logger.withMinimumLogLevel(LogLevel.Warning))),
      );
    const one = await storm(serverUrl, "rv_bench_cluster_one", 1, work);
    const three = await storm(serverUrl, "rv_bench_cluster_three", 3, work);
    const alone = await independentStorms(serverUrl, work);
    // As many in flight as each process of three has: the engine costs more per message when fewer share a write.
    const floor = await measureEngineFloor(freshDatabase(serverUrl, "rv_bench_cluster_floor"), 5_000, Math.round(CLIENTS / 3));
    const ratio = round(three.summary.attemptsPerSecond / one.summary.attemptsPerSecond, 2);
    const forwardedShare = round(three.forward.count / three.summary.attempts, 3);
    const cores = cpus().length;
    // Everything three processes spend beyond one (forwarding, copies kept over Redis, the
    // cluster's own upkeep) charged to the forwarded commands.
    const cpuMsPerForward = round((three.cpuMsPerAttempt - one.cpuMsPerAttempt) / forwardedShare, 2);
    // At best three processes of a cluster cost what three independent ones do plus the engine's
    // own cost per forward: on the same cores they then serve this many attempts a second.
    const atEngineFloor = Math.round((alone.attemptsPerSecond * alone.cpuMsPerAttempt) / (alone.cpuMsPerAttempt + forwardedShare * floor.cpuMsPerMessage));
    const ceilingAt = (machines: number) => {
      const forwarded = (machines - 1) / machines; // hosts' owners spread evenly, requests not routed to them
      return Math.round((machines * cores * 1000) / (one.cpuMsPerAttempt + forwarded * cpuMsPerForward));
    };
    console.log(
      JSON.stringify(
        {
          postgres: psql(withDatabase(serverUrl, "postgres"), "SHOW server_version"),
          redis,
          machineCores: cores,
          storm: { hosts: HOSTS, slotsPerHost: SLOTS, clients: CLIENTS, seconds: SECONDS, spread: "round robin over the processes" },
          oneProcess: { ...summaryOf(one.summary), cpuMsPerAttempt: one.cpuMsPerAttempt },
          threeProcesses: { ...summaryOf(three.summary), cpuMsPerAttempt: three.cpuMsPerAttempt, forwarded: { share: forwardedShare, ...three.forward } },
          threeIndependentProcesses: { ...alone, attemptsRatio: round(alone.attemptsPerSecond / one.summary.attemptsPerSecond, 2) },
          cpuMsPerForward,
          engineFloor: {
            what: "@effect/cluster alone: Book commands from one process to the Host entity on another, answered at once (no actor, no database), CPU of both",
            ...floor,
            bestThreeProcessAttemptsPerSecond: atEngineFloor,
            bestAttemptsRatio: round(atEngineFloor / one.summary.attemptsPerSecond, 2),
          },
          cpuPerAttemptRatio: round(three.cpuMsPerAttempt / one.cpuMsPerAttempt, 2),
          estimate: {
            assumes: `${cores} cores per machine all busy with the app, requests spread evenly, the CPU per attempt and per forward measured here; Postgres not counted (it caps confirmed bookings on its own)`,
            attemptsPerSecondAt8Machines: ceilingAt(8),
            attemptsPerSecondAt32Machines: ceilingAt(32),
            ifRoutedToOwnersPerMachine: Math.round((cores * 1000) / one.cpuMsPerAttempt),
          },
          attemptsRatio: ratio,
          forwardP99ToOneProcessP99: round(three.forward.p99Ms / one.summary.latencyMs.p99, 2),
          goal: { attemptsRatio: 0.8, forwardedP99: "≤ 2× a local booking's p99" },
          meetsGoal:
            ratio >= 0.8 &&
            three.forward.p99Ms <= one.summary.latencyMs.p99 &&
            one.summary.doubleBookings + three.summary.doubleBookings + alone.doubleBookings === 0 &&
            one.summary.acknowledgedMissing + three.summary.acknowledgedMissing + alone.acknowledgedMissing === 0,
        },
        null,
        2,
      ),
    );
  } finally {
    await Effect.runPromise(Scope.close(scope, Exit.void));
    rmSync(work, { recursive: true, force: true });
  }
};

await main();
