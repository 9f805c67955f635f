import { SqlClient } from "@effect/sql/SqlClient";
import { Effect, Layer, Option, Redacted } from "effect";
import { randomBytes, randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { appConfig } from "../AppConfig.ts";
import type { HostId } from "../domain/model.ts";
import { wallMinutes } from "../domain/time.ts";
import { pgClientLayer } from "../persistence/Database.ts";
import { runningEmbeddedPostgres } from "../persistence/EmbeddedPostgres.ts";
import { HostRepository, newEventType } from "../persistence/HostRepository.ts";

export interface StormOptions {
  readonly url: string;
  /** Further instances of the same cluster: attempts go round robin over `url` and these. */
  readonly alsoUrls?: ReadonlyArray<string>;
  readonly hosts: number;
  readonly concurrency: number;
  readonly durationSeconds: number;
  /** Each host offers this many slots to aim at (its first offered ones). */
  readonly slotsPerHost: number;
  readonly maxAttempts: number;
  readonly databaseUrl: Redacted.Redacted;
  readonly progress: boolean;
}

export interface StormSummary {
  readonly url: string;
  /** Whether the server stormed had its per-address limits on (its /health says). */
  readonly serverRateLimits: "on" | "off" | "unknown";
  readonly hosts: number;
  readonly slotsPerHost: number;
  readonly concurrency: number;
  readonly seconds: number;
  readonly attempts: number;
  readonly confirmed: number;
  readonly conflicts: number;
  readonly errors: number;
  readonly attemptsPerSecond: number;
  readonly confirmedPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number };
  readonly doubleBookings: number;
  readonly acknowledgedMissing: number;
  readonly errorSamples: ReadonlyArray<string>;
}

interface StormHost {
  readonly id: HostId;
  readonly slug: string;
  readonly eventTypeId: string;
  readonly starts: ReadonlyArray<string>;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/**
 * Storm hosts, made with the app's own repository (a few transactions at a time): open around
 * the clock, 30-minute meetings.
 */
const createHosts = (count: number, runId: string) =>
  Effect.gen(function* () {
    const repo = yield* HostRepository;
    const sql = yield* SqlClient;
    return yield* Effect.forEach(
      Array.from({ length: count }, (_, i) => i),
      (i) => {
        const slug = `storm-${runId}-${i}`;
        return sql
          .withTransaction(
            Effect.gen(function* () {
              const hostId = yield* repo.insertHost({ slug, name: `Storm host ${i}`, email: `${slug}@example.com`, timeZone: "Europe/Vienna" });
              yield* repo.insertEventType(hostId, newEventType({ slug: "storm", title: "Storm meeting" }));
              yield* repo.replaceWeeklyRules(hostId, [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start: wallMinutes(0), end: wallMinutes(1440) })));
              return hostId;
            }),
          )
          .pipe(Effect.map((id) => ({ id, slug })));
      },
      { concurrency: 8 },
    );
  });

const verify = (hostIds: ReadonlyArray<HostId>, acknowledged: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient;
    const [overlaps] = yield* sql<{ n: number }>`
      SELECT count(*)::int AS n FROM bookings a JOIN bookings b
        ON a.host_id = b.host_id AND a.id < b.id
       AND tstzrange(a.start_at, a.end_at, '[)') && tstzrange(b.start_at, b.end_at, '[)')
      WHERE a.host_id = ANY(${hostIds}::uuid[]) AND a.status = 'confirmed' AND b.status = 'confirmed'`;
    const found = new Set<string>();
    for (let i = 0; i < acknowledged.length; i += 10_000) {
      const rows = yield* sql<{ id: string }>`
        SELECT id FROM bookings WHERE id = ANY(${acknowledged.slice(i, i + 10_000)}::uuid[]) AND status = 'confirmed'`;
      for (const r of rows) found.add(r.id);
    }
    return { doubleBookings: overlaps?.n ?? 0, acknowledgedMissing: acknowledged.filter((id) => !found.has(id)).length };
  });

const percentile = (sorted: Float64Array, p: number) =>
  sorted.length === 0 ? 0 : Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 100) / 100;

/**
 * Books random slots over HTTP as invitees would (the JSON API, one new Idempotency-Key per
 * attempt), from `concurrency` clients for `durationSeconds`, then checks Postgres: no two
 * confirmed bookings of a host overlap, and every acknowledged (201) booking is there.
 */
export const runStorm = async (options: StormOptions): Promise<StormSummary> => {
  // undici's pool: per request it costs the storm about half of what node:http does, and the
  // storm shares this machine's cores with the server it measures.
  const pools = [options.url, ...(options.alsoUrls ?? [])].map(
    (url) => new Pool(url, { connections: options.concurrency, pipelining: 1, headersTimeout: 10_000, bodyTimeout: 10_000 }),
  );
  let turn = 0;
  const request = async (method: "GET" | "POST", path: string, body?: string, headers: Record<string, string> = {}) => {
    const res = await pools[turn++ % pools.length]!.request({
      method,
      path,
      body,
      headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
    });
    return { status: res.statusCode, body: await res.body.text() };
  };

  const database = pgClientLayer(options.databaseUrl);
  const onDatabase = <A, E>(effect: Effect.Effect<A, E, SqlClient | HostRepository>) =>
    Effect.runPromise(effect.pipe(Effect.provide(HostRepository.Default.pipe(Layer.provideMerge(database))), Effect.scoped));

  const runId = randomBytes(4).toString("hex");
  const made = await onDatabase(createHosts(options.hosts, runId));
  // Storm hosts are open around the clock with half-hour meetings: list just the days that
  // hold the slots aimed at (at most 10,000: 210 days), a few hosts at a time, so setting up
  // 1,000 hosts stays quick.
  const from = Date.now() + 3_600_000;
  const days = Math.ceil(options.slotsPerHost / 48) + 1;
  const range = `from=${new Date(from).toISOString()}&to=${new Date(from + days * 86_400_000).toISOString()}`;
  const hosts: StormHost[] = new Array(made.length);
  let next = 0;
  const listSlots = async () => {
    for (let i = next++; i < made.length; i = next++) {
      const h = made[i]!;
      const res = await request("GET", `/api/v1/hosts/${h.slug}/event-types/storm/slots?${range}`);
      if (res.status !== 200) throw new Error(`the server did not list the storm host's slots (${res.status}): ${res.body.slice(0, 200)}`);
      const body = JSON.parse(res.body) as { eventTypeId: string; slots: { start: string }[] };
      hosts[i] = { id: h.id, slug: h.slug, eventTypeId: body.eventTypeId, starts: body.slots.slice(0, options.slotsPerHost).map((s) => s.start) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, options.concurrency) }, listSlots));

  const latencies: number[] = [];
  const acknowledged: string[] = [];
  const errorSamples = new Set<string>();
  let attempts = 0;
  let conflicts = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + options.durationSeconds * 1000;
  const pick = <A>(xs: ReadonlyArray<A>) => xs[Math.floor(Math.random() * xs.length)]!;

  const progress = options.progress
    ? setInterval(() => {
        const elapsed = (performance.now() - started) / 1000;
        const done = Math.min(1, elapsed / options.durationSeconds);
        const bar = "#".repeat(Math.round(done * 30)).padEnd(30, ".");
        process.stderr.write(`\r[${bar}] ${elapsed.toFixed(1)}s attempts=${attempts} confirmed=${acknowledged.length} conflicts=${conflicts} errors=${errors} `);
      }, 200)
    : undefined;

  const worker = async (w: number) => {
    for (let n = 0; performance.now() < deadline && attempts < options.maxAttempts; n++) {
      attempts++;
      const host = pick(hosts);
      const body = JSON.stringify({
        eventTypeId: host.eventTypeId,
        start: pick(host.starts),
        invitee: { name: `Storm invitee ${w}-${n}`, email: `invitee-${w}-${n}@example.com`, timeZone: "UTC" },
      });
      const t0 = performance.now();
      try {
        const res = await request("POST", "/api/v1/bookings", body, { "idempotency-key": randomUUID() });
        latencies.push(performance.now() - t0);
        if (res.status === 201) acknowledged.push((JSON.parse(res.body) as { id: string }).id);
        else if (res.status === 409) conflicts++;
        else {
          errors++;
          if (errorSamples.size < 5) errorSamples.add(`${res.status} ${res.body.slice(0, 200)}`);
        }
      } catch (error) {
        latencies.push(performance.now() - t0);
        errors++;
        if (errorSamples.size < 5) errorSamples.add(String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, w) => worker(w)));
  const seconds = (performance.now() - started) / 1000;
  if (progress !== undefined) {
    clearInterval(progress);
    process.stderr.write("\n");
  }
  await Promise.all(pools.map((pool) => pool.close()));

  const checked = await onDatabase(verify(hosts.map((h) => h.id), acknowledged));
  const health = await fetch(`${options.url}/health`).then((r) => r.json() as Promise<{ rateLimits?: "on" | "off" }>).catch(() => ({ rateLimits: undefined }));
  const sorted = Float64Array.from(latencies).sort();
  return {
    url: options.url,
    serverRateLimits: health.rateLimits ?? "unknown",
    hosts: hosts.length,
    slotsPerHost: options.slotsPerHost,
    concurrency: options.concurrency,
    seconds: Math.round(seconds * 100) / 100,
    attempts,
    confirmed: acknowledged.length,
    conflicts,
    errors,
    attemptsPerSecond: Math.round(attempts / seconds),
    confirmedPerSecond: Math.round(acknowledged.length / seconds),
    latencyMs: { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: percentile(sorted, 100) },
    ...checked,
    errorSamples: [...errorSamples],
  };
};

const usage = `usage: npm run storm -- --url http://127.0.0.1:3000 [--hosts 1] [--concurrency 64] [--duration 10]
       [--slots 320] [--max-attempts 1000000] [--database-url postgres://…] [--allow-remote]`;

/** `storm`: prints one JSON summary; exits 1 on any double booking or lost acknowledgement, 2 on bad arguments. */
export const stormCommand = async (argv: ReadonlyArray<string>): Promise<number> => {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        url: { type: "string", default: "http://127.0.0.1:3000" },
        hosts: { type: "string", default: "1" },
        concurrency: { type: "string", default: "64" },
        duration: { type: "string", default: "10" },
        slots: { type: "string", default: "320" },
        "max-attempts": { type: "string", default: "1000000" },
        "database-url": { type: "string" },
        "allow-remote": { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`);
    return 2;
  }
  const int = (name: string, value: string, min: number, max: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
  try {
    const url = new URL(values.url);
    if (!LOOPBACK.has(url.hostname) && !values["allow-remote"]) {
      throw new Error(`--url must be on this machine (127.0.0.1); pass --allow-remote to storm ${url.hostname}`);
    }
    const numbers = {
      hosts: int("hosts", values.hosts, 1, 10_000),
      concurrency: int("concurrency", values.concurrency, 1, 1_024),
      durationSeconds: int("duration", values.duration, 1, 600),
      slotsPerHost: int("slots", values.slots, 1, 10_000),
      maxAttempts: int("max-attempts", values["max-attempts"], 1, 100_000_000),
    };
    const config = await Effect.runPromise(appConfig);
    const databaseUrl =
      values["database-url"] !== undefined
        ? Redacted.make(values["database-url"])
        : Option.getOrUndefined(config.databaseUrl) ?? runningEmbeddedPostgres(config.dataDir);
    if (databaseUrl === undefined) {
      throw new Error(`no database: set DATABASE_URL or --database-url, or start the server first (its embedded Postgres lives in ${config.dataDir})`);
    }
    const summary = await runStorm({
      url: url.toString().replace(/\/$/, ""),
      ...numbers,
      databaseUrl,
      progress: process.stderr.isTTY === true,
    });
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return summary.doubleBookings === 0 && summary.acknowledgedMissing === 0 ? 0 : 1;
  } catch (error) {
    process.stderr.write(`storm: ${(error as Error).message}\n`);
    return 2;
  }
};
