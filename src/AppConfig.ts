import { Config, ConfigError, Context, Effect, Layer, Option, Redacted } from "effect";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** Everything Rendezvous reads from the environment, with defaults that work on a laptop. */
export interface AppConfigShape {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: Option.Option<Redacted.Redacted>;
  readonly dataDir: string;
  readonly publicUrl: string;
  readonly secret: Redacted.Redacted;
  readonly redisUrl: Option.Option<Redacted.Redacted>;
  readonly holdMinutes: number;
  /** How long a hold outlives its page's last renewal (the page renews it three times as often). */
  readonly holdLeaseSeconds: number;
  readonly maxHoldsPerHost: number;
  /** Live holds one client address may have with one host: well below the host's cap. */
  readonly maxHoldsPerAddress: number;
  /** Upcoming bookings one invitee email may have with one host. */
  readonly maxBookingsPerEmail: number;
  /** Per-address request limits (RATE_LIMIT=off turns them off for load tests). */
  readonly rateLimit: boolean;
  /** Proxies in front that append to X-Forwarded-For (0: the peer is the client). */
  readonly trustProxy: number;
  /** Lets /metrics be read from outside loopback with `Authorization: Bearer <token>`. */
  readonly metricsToken: Option.Option<Redacted.Redacted>;
  readonly actorIdleMinutes: number;
  readonly logLevel: string;
  /** `logfmt` (default) or `json`: one object a line, for log collectors. */
  readonly logFormat: "logfmt" | "json";
  /** Where mail goes (nodemailer URL); unset: kept in the local mailbox on /mailbox. */
  readonly smtpUrl: Option.Option<Redacted.Redacted>;
  /** The From of every mail. */
  readonly mailFrom: string;
  readonly deliveries: DeliverySettings;
  /** A Kannel-style sendsms URL for SMS reminders (`to` and `text` are added); unset: no SMS. */
  readonly smsUrl: Option.Option<Redacted.Redacted>;
  /** Lets webhooks reach this machine and private networks (tests, or an intranet). */
  readonly webhookAllowPrivate: boolean;
  /** `invite`: only the owner's and admins' invitations make hosts; `open`: anyone may sign up with an email address. */
  readonly signup: "open" | "invite";
  /** Bookings that ended more than this many days ago move to the archive table (hourly, and `npm run archive`). */
  readonly archiveAfterDays: number;
  /** A booking's audit rows are deleted this many days after they were written. */
  readonly auditRetentionDays: number;
  /** With CLUSTER_PORT: this process is one runner of a cluster (host actors placed by @effect/cluster). */
  readonly cluster: Option.Option<ClusterSettings>;
}

export interface ClusterSettings {
  /** The runner's port (CLUSTER_PORT), for the other runners. */
  readonly port: number;
  /** The address other runners reach this one at (CLUSTER_HOST). */
  readonly host: string;
  /** Where host changes cross instances (REDIS_URL). */
  readonly redisUrl: Redacted.Redacted;
}

export interface DeliverySettings {
  /** How often workers look for due rows when no notification woke them. */
  readonly pollMs: number;
  /** How long a claim lasts; a send that runs longer is given up (and retried). */
  readonly leaseMs: number;
  /** The first retry's delay; each further one doubles, with jitter, up to an hour. */
  readonly retryBaseMs: number;
  /** Attempts before a row that keeps failing transiently is dead. */
  readonly maxAttempts: number;
  /** Finished rows (sent, dead, skipped) are deleted this long after they finished. */
  readonly retentionDays: number;
}

export class AppConfig extends Context.Tag("rendezvous/AppConfig")<AppConfig, AppConfigShape>() {}

const SECRET_FILE = "secret";

/** The SECRET from the environment, else the one kept in the data folder (made on first start). */
const loadSecret = (dataDir: string, fromEnv: Option.Option<Redacted.Redacted>) =>
  Option.match(fromEnv, {
    onSome: (secret) => Effect.succeed(secret),
    onNone: () =>
      Effect.sync(() => {
        mkdirSync(dataDir, { recursive: true, mode: 0o755 });
        const file = join(dataDir, SECRET_FILE);
        try {
          return Redacted.make(readFileSync(file, "utf8").trim());
        } catch {
          const secret = randomBytes(32).toString("base64url");
          // "wx": if another process made it first, read theirs instead of overwriting.
          try {
            writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
            return Redacted.make(secret);
          } catch {
            return Redacted.make(readFileSync(file, "utf8").trim());
          }
        }
      }),
  });

/** An optional secret-ish variable; set but empty counts as unset (`DATABASE_URL= npm start`). */
const optionalRedacted = (name: string) =>
  Config.option(Config.redacted(name)).pipe(Config.map(Option.filter((v) => Redacted.value(v).trim() !== "")));

export const appConfig = Effect.gen(function* () {
  const port = yield* Config.port("PORT").pipe(Config.withDefault(3000));
  const host = yield* Config.string("HOST").pipe(Config.withDefault("0.0.0.0"));
  const databaseUrl = yield* optionalRedacted("DATABASE_URL");
  const dataDir = resolve(yield* Config.string("DATA_DIR").pipe(Config.withDefault("./.data")));
  const publicUrl = yield* Config.string("PUBLIC_URL").pipe(Config.withDefault(`http://localhost:${port}`));
  const secret = yield* loadSecret(dataDir, yield* optionalRedacted("SECRET"));
  const redisUrl = yield* optionalRedacted("REDIS_URL");
  const holdMinutes = yield* Config.number("HOLD_MINUTES").pipe(
    Config.withDefault(5),
    Config.validate({ message: "HOLD_MINUTES must be between 1 and 60", validation: (n) => n >= 1 && n <= 60 }),
  );
  const holdLeaseSeconds = yield* Config.number("HOLD_LEASE_SECONDS").pipe(
    Config.withDefault(60),
    Config.validate({ message: "HOLD_LEASE_SECONDS must be between 1 and 3600", validation: (n) => n >= 1 && n <= 3600 }),
  );
  const maxHoldsPerHost = yield* Config.integer("MAX_HOLDS_PER_HOST").pipe(Config.withDefault(50));
  const maxHoldsPerAddress = yield* Config.integer("MAX_HOLDS_PER_ADDRESS").pipe(
    Config.withDefault(5),
    Config.validate({ message: "MAX_HOLDS_PER_ADDRESS must be at least 1", validation: (n) => n >= 1 }),
  );
  const maxBookingsPerEmail = yield* Config.integer("MAX_BOOKINGS_PER_EMAIL").pipe(
    Config.withDefault(3),
    Config.validate({ message: "MAX_BOOKINGS_PER_EMAIL must be at least 1", validation: (n) => n >= 1 }),
  );
  const rateLimit = yield* Config.literal("on", "off")("RATE_LIMIT").pipe(Config.withDefault("on"));
  const trustProxy = yield* Config.string("TRUST_PROXY").pipe(
    Config.withDefault("off"),
    Config.validate({
      message: "TRUST_PROXY must be off, on, or the number of proxies in front (0 to 10)",
      validation: (v) => /^(off|on|false|true|\d|10)$/.test(v),
    }),
    Config.map((v) => (v === "off" || v === "false" ? 0 : v === "on" || v === "true" ? 1 : Number(v))),
  );
  const metricsToken = yield* optionalRedacted("METRICS_TOKEN");
  const actorIdleMinutes = yield* Config.number("ACTOR_IDLE_MINUTES").pipe(Config.withDefault(10));
  const logLevel = yield* Config.string("LOG_LEVEL").pipe(Config.withDefault("info"));
  const logFormat = yield* Config.literal("logfmt", "json")("LOG_FORMAT").pipe(Config.withDefault("logfmt" as const));
  const smtpUrl = yield* optionalRedacted("SMTP_URL");
  const mailFrom = yield* Config.string("MAIL_FROM").pipe(Config.withDefault(`Rendezvous <no-reply@${new URL(publicUrl).hostname}>`));
  const positive = (name: string, fallback: number, max: number) =>
    Config.number(name).pipe(
      Config.withDefault(fallback),
      Config.validate({ message: `${name} must be a number above 0 and at most ${max}`, validation: (n) => n > 0 && n <= max }),
    );
  const deliveries: DeliverySettings = {
    pollMs: (yield* positive("NOTIFY_POLL_SECONDS", 5, 3600)) * 1000,
    leaseMs: (yield* positive("NOTIFY_LEASE_SECONDS", 120, 3600)) * 1000,
    retryBaseMs: (yield* positive("NOTIFY_RETRY_SECONDS", 30, 3600)) * 1000,
    maxAttempts: Math.floor(yield* positive("NOTIFY_MAX_ATTEMPTS", 8, 100)),
    retentionDays: yield* positive("NOTIFY_RETENTION_DAYS", 30, 3650),
  };
  const webhookAllowPrivate = yield* Config.boolean("WEBHOOK_ALLOW_PRIVATE").pipe(Config.withDefault(false));
  const smsUrl = yield* optionalRedacted("SMS_URL");
  const signup = yield* Config.literal("open", "invite")("SIGNUP").pipe(Config.withDefault("invite" as const));
  // Longer than the 30-day idempotency window, so a replay never misses its booking.
  const archiveAfterDays = yield* Config.integer("ARCHIVE_AFTER_DAYS").pipe(
    Config.withDefault(90),
    Config.validate({ message: "ARCHIVE_AFTER_DAYS must be a whole number of days from 31 to 36500", validation: (n) => n >= 31 && n <= 36500 }),
  );
  const auditRetentionDays = yield* Config.integer("AUDIT_RETENTION_DAYS").pipe(
    Config.withDefault(730),
    Config.validate({ message: "AUDIT_RETENTION_DAYS must be a whole number of days from 1 to 36500", validation: (n) => n >= 1 && n <= 36500 }),
  );
  const clusterPort = yield* Config.option(Config.port("CLUSTER_PORT"));
  const clusterHost = yield* Config.string("CLUSTER_HOST").pipe(Config.withDefault(host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host));
  if (Option.isSome(clusterPort) && Option.isNone(databaseUrl)) {
    return yield* Effect.fail(
      ConfigError.InvalidData(["CLUSTER_PORT"], "CLUSTER_PORT needs DATABASE_URL: the processes of a cluster share one Postgres, and the embedded one cannot be shared"),
    );
  }
  if (Option.isSome(clusterPort) && Option.isNone(redisUrl)) {
    return yield* Effect.fail(ConfigError.InvalidData(["CLUSTER_PORT"], "CLUSTER_PORT needs REDIS_URL: open pages learn of other instances' changes through Redis"));
  }
  const cluster = Option.map(Option.all({ port: clusterPort, redisUrl }), ({ port, redisUrl }) => ({ port, host: clusterHost, redisUrl }));
  return {
    port,
    host,
    databaseUrl,
    dataDir,
    publicUrl: publicUrl.replace(/\/+$/, ""),
    secret,
    redisUrl,
    holdMinutes,
    holdLeaseSeconds,
    maxHoldsPerHost,
    maxHoldsPerAddress,
    maxBookingsPerEmail,
    rateLimit: rateLimit === "on",
    trustProxy,
    metricsToken,
    actorIdleMinutes,
    logLevel,
    logFormat,
    smtpUrl,
    mailFrom,
    deliveries,
    smsUrl,
    webhookAllowPrivate,
    signup,
    archiveAfterDays,
    auditRetentionDays,
    cluster,
  } satisfies AppConfigShape;
});

export const AppConfigLive = Layer.effect(AppConfig, appConfig);

/** For tests and tools that build the config in code. */
export const AppConfigOf = (config: AppConfigShape) => Layer.succeed(AppConfig, config);
