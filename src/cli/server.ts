import { NodeContext, NodeRuntime } from "@effect/platform-node";
import { Cause, Effect, HashMap, Layer, Logger } from "effect";
import { AppConfig } from "../AppConfig.ts";
import { HttpServer } from "../http/server.ts";
import { HostRepository } from "../persistence/HostRepository.ts";
import { HostSessionRepository, SIGN_IN_LINK_MINUTES } from "../persistence/HostSessionRepository.ts";
import { MigratedDatabase, MigratedSharedDatabase, Repositories } from "./core.ts";
import { App, withEnvironment } from "./layers.ts";
import { backup, restore } from "../ops/backup.ts";
import { retainOnce, retentionOf } from "../ops/retention.ts";
import { pgClientLayer, sharedDatabaseUrl } from "../persistence/Database.ts";
import { resolve } from "node:path";
import { DEMO_EVENT_SLUG, DEMO_HOST_SLUG, seedDemo } from "./seed.ts";

/** Effect's log lines in the request log's JSON shape: `{"timestamp","level","message",…annotations}`. */
const jsonLogger = Logger.replace(
  Logger.defaultLogger,
  Logger.make(({ logLevel, message, annotations, date, cause }) => {
    const parts = Array.isArray(message) ? message : [message];
    const [first, ...rest] = parts;
    const entry: Record<string, unknown> = { timestamp: date.toISOString(), level: logLevel.label, message: String(first) };
    if (rest.length > 0) entry["details"] = rest.map(String);
    for (const [key, value] of HashMap.toEntries(annotations)) entry[key] = value;
    if (!Cause.isEmpty(cause)) entry["cause"] = Cause.pretty(cause);
    process.stdout.write(`${JSON.stringify(entry)}\n`);
  }),
);

/**
 * A single-use sign-in link for the host with that slug; none for an unknown slug, nor for a
 * deactivated host (who cannot sign in: the link would only fail when opened).
 */
const signInLink = (slug: string) =>
  Effect.gen(function* () {
    const hosts = yield* HostRepository;
    const hostId = yield* hosts.findHostIdBySlug(slug);
    if (hostId === undefined) return { refused: `no host has the slug ${JSON.stringify(slug)}` } as const;
    const host = yield* hosts.load(hostId);
    if (host !== undefined && !host.host.active) return { refused: `the host ${JSON.stringify(slug)} is deactivated; an owner or admin reactivates them on Team` } as const;
    const token = yield* (yield* HostSessionRepository).issueSignInLink(hostId, Date.now());
    return { link: `${(yield* AppConfig).publicUrl}/host/sign-in/${token}` } as const;
  });

const printLinks = (seeded: boolean) =>
  Effect.gen(function* () {
    const server = yield* HttpServer;
    const { publicUrl: base, smtpUrl, logFormat } = yield* AppConfig;
    if (logFormat === "json") {
      // Log collectors get one object a line, and no sign-in link: a token never goes to a log.
      yield* Effect.logInfo("Rendezvous is running").pipe(
        Effect.annotateLogs({ port: server.port, url: base, signIn: "npm run -s sign-in -- <host-slug>" }),
      );
      return;
    }
    const hostLink = seeded ? (yield* signInLink(DEMO_HOST_SLUG)).link : undefined;
    process.stdout.write(
      `\nRendezvous is running on port ${server.port}\n` +
        `  all booking pages: ${base}/\n` +
        (seeded ? `  demo booking page: ${base}/${DEMO_HOST_SLUG}/${DEMO_EVENT_SLUG}\n` : "") +
        (hostLink === undefined ? "" : `  owner sign-in:     ${hostLink} (the demo host; once, within ${SIGN_IN_LINK_MINUTES} minutes)\n`) +
        (smtpUrl._tag === "None" ? `  mailbox:           ${base}/mailbox (no SMTP_URL: mail is kept there; this machine only)\n` : "") +
        `  health:            ${base}/health\n\n`,
    );
  });

const serve = (seed: boolean) =>
  Layer.launch(
    Layer.effectDiscard(printLinks(seed)).pipe(
      Layer.provideMerge(App),
      Layer.provideMerge(seed ? Layer.effectDiscard(seedDemo) : Layer.empty),
      Layer.provideMerge(Repositories),
      Layer.provideMerge(MigratedDatabase),
      withEnvironment,
    ),
  );

const migrateOnly = Effect.void.pipe(Effect.provide(withEnvironment(MigratedSharedDatabase)));

const OneOff = withEnvironment(Repositories.pipe(Layer.provideMerge(MigratedSharedDatabase)));

const seedOnly = seedDemo.pipe(
  Effect.tap((id) => Effect.logInfo("demo host ready").pipe(Effect.annotateLogs({ id }))),
  Effect.provide(OneOff),
);

const signInOnly = (slug: string | undefined) =>
  Effect.gen(function* () {
    const made = slug === undefined ? { refused: "usage: npm run -s sign-in -- <host-slug>" } : yield* signInLink(slug);
    if ("refused" in made) {
      process.stderr.write(`${made.refused}\n`);
      process.exitCode = 2;
      return;
    }
    process.stdout.write(`${made.link}\n`);
  }).pipe(Effect.provide(OneOff));

/** One retention run now (the server also runs one every hour): prints what it moved and pruned as JSON. */
const archiveOnly = Effect.gen(function* () {
  const report = yield* retainOnce(retentionOf(yield* AppConfig), Date.now());
  process.stdout.write(`${JSON.stringify(report)}\n`);
}).pipe(Effect.provide(OneOff));

/**
 * `backup <file>` and `restore <file>` on the database the server uses (DATABASE_URL, or the
 * embedded one of DATA_DIR, running or not); each prints what the file holds as JSON.
 */
const backupOrRestore = (command: "backup" | "restore", file: string | undefined) =>
  Effect.gen(function* () {
    if (file === undefined) {
      process.stderr.write(`usage: npm run -s ${command} -- <file>\n`);
      process.exitCode = 2;
      return;
    }
    const url = yield* sharedDatabaseUrl;
    const report = yield* (command === "backup" ? backup : restore)(url, resolve(file)).pipe(Effect.provide(pgClientLayer(url)));
    process.stdout.write(`${JSON.stringify(report)}\n`);
  }).pipe(
    Effect.catchTag("BackupError", (e) =>
      Effect.sync(() => {
        process.stderr.write(`${command} refused: ${e.message}\n`);
        process.exitCode = 1;
      }),
    ),
    Effect.scoped,
    Effect.provide(withEnvironment(NodeContext.layer)),
  );

/** Runs until done or until SIGINT/SIGTERM, which close every scope (server, actors, Postgres). */
export const runServerCommand = (
  command: "serve" | "migrate" | "seed" | "sign-in" | "archive" | "backup" | "restore",
  args: ReadonlyArray<string>,
) => {
  const program: Effect.Effect<unknown, unknown> =
    command === "backup" || command === "restore"
      ? backupOrRestore(command, args[0])
      : command === "serve"
      ? serve(args.includes("--seed-demo"))
      : command === "migrate"
        ? migrateOnly
        : command === "sign-in"
          ? signInOnly(args[0])
          : command === "archive"
            ? archiveOnly
            : seedOnly;
  // One line per event, in the same shape as the request log: logfmt, or JSON with LOG_FORMAT=json.
  const logger = process.env["LOG_FORMAT"] === "json" ? jsonLogger : Logger.logFmt;
  NodeRuntime.runMain(program.pipe(Effect.provide(logger)), { disablePrettyLogger: true });
};
