import { PgClient } from "@effect/sql-pg";
import { Clock, Context, Duration, Effect, Layer, Option, Queue, Redacted, Schedule, Stream } from "effect";
import { randomBytes } from "node:crypto";
import { AppConfig, type DeliverySettings } from "../AppConfig.ts";
import { noticesUnknownOutcome, recordNotice } from "../ops/metrics.ts";
import { DeliveryRepository, OUTBOX_CHANNEL, type Delivery, type Finished, type Outcome } from "../persistence/DeliveryRepository.ts";
import { Agent } from "undici";
import { Mailer, type SendFailure } from "./Mailer.ts";
import { sendSms, smsTextOf } from "./sms.ts";
import { makeWebhookAgent, postWebhook, webhookBodyOf, webhookEventOf } from "./webhooks.ts";
import { composeMail, type MailSettings } from "./messages.ts";

/** Rows one claim takes; they are sent concurrently (the SMTP pool bounds the connections). */
const BATCH = 64;
/** Rows a round takes while requests keep the process busy (a storm): 8 a second per loop. */
const BUSY_BATCH = 8;
/** Claim loops per process: while one waits for its batch's replies, the others claim the next. */
const LOOPS = 4;
const MAX_BACKOFF_MS = 3_600_000;
/**
 * When a round waits, bookings coming before their mail: 16 requests in flight, or 200 a second
 * arriving (a loop that has just built many messages finds few requests in flight: the rest
 * still wait in the kernel, so the arrival rate is the better sign).
 */
const BUSY_IN_FLIGHT = 16;
const BUSY_ARRIVALS_PER_SECOND = 200;
/** How often a waiting round looks again. */
const SAMPLE_MS = 50;
/** How long a round may wait for a quieter loop before it runs anyway. */
const MAX_DEFERRAL_MS = 5_000;

/** How busy the request path is: the HTTP server keeps it, the worker defers to it. */
export interface RequestPressure {
  inFlight: number;
  /** Requests arriving per second, averaged over about the last quarter second. */
  readonly arrivalRate: () => number;
  /** The server calls this for each request it receives. */
  readonly arrived: () => void;
}

const RATE_WINDOW_MS = 250;

/** An exponentially decaying count of arrivals: one multiply per request, read any time. */
const makePressure = (): RequestPressure => {
  let rate = 0;
  let last = performance.now();
  const decayed = (now: number) => rate * Math.exp(-(now - last) / RATE_WINDOW_MS);
  return {
    inFlight: 0,
    arrivalRate: () => decayed(performance.now()),
    arrived: () => {
      const now = performance.now();
      rate = decayed(now) + 1000 / RATE_WINDOW_MS;
      last = now;
    },
  };
};

export class Pressure extends Context.Tag("rendezvous/Pressure")<Pressure, RequestPressure>() {}

/** Exponential backoff with full jitter over the upper half: base·2^(n-1)·[0.5, 1), at most an hour. */
export const retryDelayMs = (settings: DeliverySettings, attempt: number, random: number) =>
  Math.min(MAX_BACKOFF_MS, settings.retryBaseMs * 2 ** Math.min(attempt - 1, 30)) * (0.5 + random / 2);

/** A mail through the mailer, or a signed POST to the webhook the row names. */
/** Where a worker sends besides mail. */
interface Channels {
  readonly settings: MailSettings;
  /** Reaches public addresses only (unless WEBHOOK_ALLOW_PRIVATE). */
  readonly webhookAgent: Agent;
  /** The operator's own gateway, wherever it runs. */
  readonly smsAgent: Agent;
  readonly smsGateway: string | undefined;
}

const send = (d: Delivery, channels: Channels, now: number): Effect.Effect<Outcome | undefined, SendFailure, Mailer> => {
  const { settings, webhookAgent: agent, smsGateway } = channels;
  if (d.recipient === "sms") {
    if (smsGateway === undefined) return Effect.succeed({ outcome: "skipped", error: "no SMS gateway (SMS_URL) is set" });
    const text = smsTextOf(d, settings, now);
    if (typeof text !== "string") return Effect.succeed({ outcome: "skipped", error: text.skip });
    return sendSms(channels.smsAgent, smsGateway, d.payload.phone ?? "", text).pipe(Effect.as(undefined));
  }
  if (d.recipient === "webhook") {
    if (d.webhookUrl === null || d.webhookSecret === null) return Effect.succeed({ outcome: "skipped", error: "the webhook was removed" });
    const body = webhookBodyOf(d);
    return postWebhook(agent, d.webhookUrl, d.webhookSecret, webhookEventOf(d.kind) ?? "", `notice-${d.id}`, body, now).pipe(Effect.as(undefined));
  }
  const mail = composeMail(d, settings, now);
  if ("skip" in mail) return Effect.succeed({ outcome: "skipped", error: mail.skip });
  return Effect.flatMap(Mailer, (mailer) => mailer.send(mail)).pipe(Effect.as(undefined));
};

const deliver = (d: Delivery, channels: Channels, deliveries: DeliverySettings) =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis;
    // A send may not outlive its lease: past it another worker could claim the row.
    return yield* send(d, channels, now).pipe(
      Effect.timeoutFail({ duration: Duration.millis(deliveries.leaseMs * 0.8), onTimeout: () => ({ permanent: false, reason: "timed out" }) }),
      Effect.map((skipped): Outcome => skipped ?? { outcome: "sent" }),
      Effect.catchAll(
        (failure): Effect.Effect<Outcome> =>
          failure.permanent
            ? Effect.succeed({ outcome: "permanent", error: failure.reason })
            : Effect.sync(() => ({ outcome: "transient", error: failure.reason, retryInMs: retryDelayMs(deliveries, d.attempt, Math.random()) })),
      ),
    );
  });

/**
 * The outbox worker: woken by NOTIFY from the writing transaction, and by a poll in case a
 * notification was lost. Each loop claims a batch, sends it, and records every outcome in one
 * statement. Any number of workers, in any number of processes, share one outbox.
 */
export const DeliveryWorkerLive = Layer.scopedContext(
  Effect.gen(function* () {
    const config = yield* AppConfig;
    const repository = yield* DeliveryRepository;
    const pg = yield* PgClient.PgClient;
    const settings: MailSettings = { publicUrl: config.publicUrl, mailFrom: config.mailFrom };
    const { deliveries } = config;
    const worker = `worker-${process.pid}-${randomBytes(4).toString("hex")}`;
    const pressure = makePressure();
    const wake = yield* Queue.sliding<void>(LOOPS);
    const agentOf = (make: () => Agent) => Effect.acquireRelease(Effect.sync(make), (a) => Effect.promise(() => a.close()));
    const channels: Channels = {
      settings,
      webhookAgent: yield* agentOf(() => makeWebhookAgent(config.webhookAllowPrivate)),
      smsAgent: yield* agentOf(() => new Agent({ headersTimeout: 10_000, bodyTimeout: 10_000, connect: { timeout: 10_000 } })),
      smsGateway: Option.getOrUndefined(Option.map(config.smsUrl, Redacted.value)),
    };
    // This process's own writes wake its loops directly.
    yield* Queue.take(repository.wakeups).pipe(Effect.zipRight(Queue.offer(wake, undefined)), Effect.forever, Effect.forkScoped);

    // Every process hears every notification: each wakes one loop, not all of them (with several
    // processes, all loops of all of them raced to claim the same rows, most finding none). A
    // backlog brings the rest in: a round that claims a full batch wakes another loop.
    // A dropped LISTEN connection goes silent rather than failing (see notes), so it is also
    // re-established on a timer; the poll covers the gap either way.
    yield* pg.listen(OUTBOX_CHANNEL).pipe(
      Stream.runForEach(() => Queue.offer(wake, undefined)),
      Effect.timeout(Duration.minutes(5)),
      Effect.catchTag("TimeoutException", () => Effect.void),
      Effect.ignoreLogged,
      Effect.repeat(Schedule.spaced(Duration.seconds(1))),
      Effect.forkScoped,
    );

    const count = (done: ReadonlyArray<Finished>, claimed: ReadonlyArray<Delivery>) => {
      for (const d of claimed) if (d.reclaimed) noticesUnknownOutcome.unsafeUpdate(1, []);
      for (const { result, attempt } of done) {
        recordNotice(
          result.outcome === "sent" || result.outcome === "skipped"
            ? result.outcome
            : result.outcome === "permanent" || attempt >= deliveries.maxAttempts
              ? "dead"
              : "retrying",
        );
      }
    };

    /** One claim, sent and recorded; true when it found work (so the loop claims again at once). */
    const round = (batch: number) => Effect.gen(function* () {
      const claimed = yield* repository.claim(worker, batch, deliveries.leaseMs);
      if (claimed.length === 0) return false;
      if (claimed.length === batch) yield* Queue.offer(wake, undefined);
      for (const d of claimed) if (d.reclaimed) yield* Effect.logWarning("retrying a notice whose last attempt has no known outcome").pipe(Effect.annotateLogs({ id: d.id, attempt: d.attempt }));
      const done = yield* Effect.forEach(claimed, (d) => Effect.map(deliver(d, channels, deliveries), (result): Finished => ({ id: d.id, attempt: d.attempt, result })), {
        concurrency: "unbounded",
      });
      yield* repository.finish(worker, deliveries.maxAttempts, done);
      count(done, claimed);
      // Retries due before the next poll: wake a loop when the first one is due.
      const retryIn = Math.min(...done.map(({ result }) => (result.outcome === "transient" ? result.retryInMs : Infinity)));
      if (retryIn < deliveries.pollMs) yield* Effect.forkScoped(Effect.sleep(Duration.millis(retryIn)).pipe(Effect.zipRight(Queue.offer(wake, undefined))));
      for (const { id, result } of done) {
        if (result.outcome === "skipped") yield* Effect.logDebug("notice skipped").pipe(Effect.annotateLogs({ id, ...result }));
        else if (result.outcome !== "sent") {
          // Mail servers quote the recipient in their refusals: log lines carry no addresses.
          const error = "error" in result ? result.error.replace(/[^\s<>"'@]+@[^\s<>"'@]+/g, "<address>") : undefined;
          yield* Effect.logWarning("notice not delivered").pipe(Effect.annotateLogs({ id, outcome: result.outcome, error }));
        }
      }
      return true;
    });

    // Bookings first: while requests keep the process busy (a booking storm), a round waits,
    // for at most MAX_DEFERRAL_MS, so mail catches up after the storm rather than slowing it.
    const busy = () => pressure.inFlight >= BUSY_IN_FLIGHT || pressure.arrivalRate() >= BUSY_ARRIVALS_PER_SECOND;

    /** The rows the next round takes, after waiting (up to MAX_DEFERRAL_MS) while requests keep coming. */
    const yieldToRequests = Effect.suspend(() =>
      !busy()
        ? Effect.succeed(BATCH)
        : Effect.sleep(Duration.millis(SAMPLE_MS)).pipe(
            Effect.repeat({ while: busy, times: MAX_DEFERRAL_MS / SAMPLE_MS - 1 }),
            // Still busy after waiting: a small round, so mail trickles out without taking the CPU.
            Effect.map(() => (busy() ? BUSY_BATCH : BATCH)),
          ),
    );

    const idle = Queue.take(wake).pipe(Effect.timeout(Duration.millis(deliveries.pollMs)), Effect.ignore);

    // A database that is down makes a round fail: wait a poll interval and go on.
    const loop = () =>
      yieldToRequests.pipe(
        Effect.flatMap(round),
        Effect.catchAll((error) => Effect.logWarning("delivery round failed; trying again", error).pipe(Effect.zipRight(idle), Effect.as(true))),
        Effect.flatMap((busy) => (busy ? Effect.void : idle)),
        Effect.forever,
      );
    yield* Effect.forkScoped(Effect.all(Array.from({ length: LOOPS }, loop), { concurrency: "unbounded" }));

    yield* Effect.logInfo("deliveries started").pipe(Effect.annotateLogs({ worker, mail: config.smtpUrl._tag === "Some" ? "smtp" : "local mailbox" }));
    return Context.make(Pressure, pressure);
  }),
);
