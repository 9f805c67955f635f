import { SqlClient } from "@effect/sql/SqlClient";
import { Effect, Queue, Schema } from "effect";
import { BookingId, BookingStatus, HostId } from "../domain/model.ts";
import { decodeFirst, decodeRows, EpochColumn, iso } from "./rows.ts";

/** The channel workers LISTEN on for "notices were queued". */
export const OUTBOX_CHANNEL = "rendezvous_outbox";

export const NoticeKind = Schema.Literal(
  "booking_confirmed",
  "booking_cancelled",
  "booking_rescheduled",
  "booking_reminder",
  "booking_requested",
  "booking_accepted",
  "booking_declined",
);
export type NoticeKind = typeof NoticeKind.Type;

export const Recipient = Schema.Literal("invitee", "host", "webhook", "sms");

/** The meeting as it was when the notice was written: retries send exactly the same message. */
const NoticePayload = Schema.Struct({
  start: Schema.Number,
  end: Schema.Number,
  sequence: Schema.Number,
  reason: Schema.optional(Schema.NullOr(Schema.String)),
  by: Schema.optional(Schema.NullOr(Schema.String)),
  previousStart: Schema.optional(Schema.Number),
  minutesBefore: Schema.optional(Schema.Number),
  /** For an SMS reminder: the number the invitee gave. */
  phone: Schema.optional(Schema.String),
});

/** A claimed outbox row with what its message needs from the booking, host and event type. */
const DeliveryRow = Schema.Struct({
  id: Schema.NumberFromString,
  attempt: Schema.Number,
  /** The previous attempt was claimed and never finished: its outcome is unknown. */
  reclaimed: Schema.Boolean,
  kind: NoticeKind,
  recipient: Recipient,
  /** For a webhook delivery: where it goes and what signs it. */
  webhookUrl: Schema.NullOr(Schema.String),
  webhookSecret: Schema.NullOr(Schema.String),
  payload: NoticePayload,
  createdAt: EpochColumn,
  bookingId: BookingId,
  bookingStatus: BookingStatus,
  bookingStart: EpochColumn,
  manageToken: Schema.String,
  inviteeName: Schema.String,
  inviteeEmail: Schema.String,
  inviteeTimeZone: Schema.String,
  inviteeLocale: Schema.String,
  answers: Schema.Record({ key: Schema.String, value: Schema.String }),
  hostName: Schema.String,
  hostEmail: Schema.String,
  hostTimeZone: Schema.String,
  hostLocale: Schema.String,
  eventTitle: Schema.String,
  eventDescription: Schema.String,
  eventLocation: Schema.String,
  questions: Schema.Array(Schema.Struct({ id: Schema.String, label: Schema.String })),
});
export type Delivery = typeof DeliveryRow.Type;

export type Outcome =
  | { readonly outcome: "sent" }
  | { readonly outcome: "skipped"; readonly error: string }
  | { readonly outcome: "permanent"; readonly error: string }
  | { readonly outcome: "transient"; readonly error: string; readonly retryInMs: number };

export interface Finished {
  readonly id: number;
  readonly attempt: number;
  readonly result: Outcome;
}

/** The outbox as operators watch it (on /metrics). */
const Backlog = Schema.Struct({
  due: Schema.Number,
  oldestDueSeconds: Schema.Number,
  dead: Schema.Number,
});
export type Backlog = typeof Backlog.Type;

const UndeliveredRow = Schema.Struct({
  id: Schema.NumberFromString,
  kind: NoticeKind,
  recipient: Recipient,
  webhookUrl: Schema.NullOr(Schema.String),
  attempts: Schema.Number,
  lastError: Schema.NullOr(Schema.String),
  finishedAt: EpochColumn,
  bookingId: BookingId,
  inviteeName: Schema.String,
  inviteeEmail: Schema.String,
  hostEmail: Schema.String,
});
export type Undelivered = typeof UndeliveredRow.Type;

const MailboxRow = Schema.Struct({
  id: Schema.NumberFromString,
  messageId: Schema.String,
  recipient: Schema.String,
  subject: Schema.String,
  textBody: Schema.String,
  htmlBody: Schema.String,
  calendar: Schema.NullOr(Schema.String),
  raw: Schema.String,
  receivedAt: EpochColumn,
});
export type MailboxMessage = typeof MailboxRow.Type;

export interface NewMailboxMessage {
  readonly messageId: string;
  readonly recipient: string;
  readonly subject: string;
  readonly textBody: string;
  readonly htmlBody: string;
  readonly calendar: string | null;
  readonly raw: string;
}

/**
 * The outbox as a work queue. A claim is one statement: it picks due rows nobody holds (or
 * whose holder's lease ran out), leases them to the worker, and records the attempt, all
 * committed before any mail server is contacted.
 */
export class DeliveryRepository extends Effect.Service<DeliveryRepository>()("rendezvous/DeliveryRepository", {
  scoped: Effect.gen(function* () {
    const sql = yield* SqlClient;

    /**
     * Wake-ups for workers, after a write that queued notices has committed: this process's
     * workers at once, other processes' through NOTIFY on the channel they LISTEN to. The
     * NOTIFY is its own statement, at most one per 100 ms, not part of the writing
     * transaction: a NOTIFY there serializes commits (measured: a third fewer booking commits
     * per second under pgbench).
     */
    const wakeups = yield* Queue.sliding<void>(4);
    const notifyRequests = yield* Queue.sliding<void>(1);
    yield* Queue.take(notifyRequests).pipe(
      Effect.zipRight(sql`SELECT pg_notify(${OUTBOX_CHANNEL}, 'due')`),
      Effect.zipRight(Effect.sleep("100 millis")),
      Effect.ignoreLogged,
      Effect.forever,
      Effect.forkScoped,
    );
    const written = Effect.zipRight(Queue.offerAll(wakeups, [undefined, undefined]), Queue.offer(notifyRequests, undefined));

    const claim = (worker: string, limit: number, leaseMs: number) =>
      sql`
        WITH pending AS (
          SELECT id, false AS reclaimed FROM notification_outbox
          WHERE status = 'pending' AND available_at <= now()
          ORDER BY available_at
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED
        ), leased AS (
          SELECT id, true AS reclaimed FROM notification_outbox
          WHERE status = 'sending' AND lease_until < now()
          ORDER BY lease_until
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED
        ), due AS (
          -- Two index walks that stop at the limit: a backlog of any size costs a claim the same.
          SELECT * FROM leased UNION ALL SELECT * FROM pending LIMIT ${limit}
        ), claimed AS (
          UPDATE notification_outbox o
          SET status = 'sending', lease_owner = ${worker}, lease_until = now() + make_interval(secs => ${leaseMs / 1000}),
            attempts = o.attempts + 1
          FROM due WHERE o.id = due.id
          RETURNING o.id, o.attempts, due.reclaimed, o.kind, o.recipient, o.payload, o.created_at, o.booking_id, o.webhook_id
        ), a AS (
          INSERT INTO notification_attempts (outbox_id, attempt, worker) SELECT id, attempts, ${worker} FROM claimed
        )
        SELECT c.id, c.attempts AS attempt, c.reclaimed, c.kind, c.recipient, c.payload, c.created_at, c.booking_id,
          w.url AS webhook_url, w.secret AS webhook_secret,
          b.status AS booking_status, b.start_at AS booking_start, b.manage_token, b.invitee_name, b.invitee_email,
          b.invitee_time_zone, b.invitee_locale, b.answers, h.name AS host_name, h.email AS host_email, h.time_zone AS host_time_zone,
          h.locale AS host_locale, et.title AS event_title, et.description AS event_description, et.location AS event_location, et.questions
        FROM claimed c
        JOIN bookings b ON b.id = c.booking_id
        JOIN hosts h ON h.id = b.host_id
        JOIN event_types et ON et.id = b.event_type_id
        LEFT JOIN webhooks w ON w.id = c.webhook_id
        ORDER BY c.id`.pipe(Effect.flatMap(decodeRows(DeliveryRow)));

    /**
     * Records how each attempt ended, in one statement. A row whose lease passed to another
     * worker meanwhile (attempt or owner differ) is left to that worker.
     */
    const finish = (worker: string, maxAttempts: number, done: ReadonlyArray<Finished>) =>
      done.length === 0
        ? Effect.void
        : sql`
        WITH r AS (
          SELECT * FROM unnest(${done.map((d) => String(d.id))}::bigint[], ${done.map((d) => d.attempt)}::int[],
            ${done.map((d) => d.result.outcome)}::text[], ${done.map((d) => ("error" in d.result ? d.result.error : null))}::text[],
            ${done.map((d) => (d.result.outcome === "transient" ? d.result.retryInMs : 0))}::float8[])
            AS r(id, attempt, outcome, error, retry_ms)
        ), o AS (
          UPDATE notification_outbox o SET
            status = CASE
              WHEN r.outcome = 'transient' AND r.attempt - o.attempts_before_retry < ${maxAttempts} THEN 'pending'
              WHEN r.outcome IN ('transient', 'permanent') THEN 'dead'
              ELSE r.outcome END,
            available_at = CASE WHEN r.outcome = 'transient' THEN now() + make_interval(secs => r.retry_ms / 1000) ELSE o.available_at END,
            sent_at = CASE WHEN r.outcome = 'sent' THEN now() END,
            finished_at = CASE WHEN r.outcome = 'transient' AND r.attempt - o.attempts_before_retry < ${maxAttempts} THEN NULL ELSE now() END,
            last_error = r.error, lease_owner = NULL, lease_until = NULL
          FROM r WHERE o.id = r.id AND o.attempts = r.attempt AND o.lease_owner = ${worker} AND o.status = 'sending'
        )
        UPDATE notification_attempts a SET finished_at = now(), outcome = r.outcome, error = r.error
        FROM r WHERE a.outbox_id = r.id AND a.attempt = r.attempt`.pipe(Effect.asVoid);

    /** Deletes finished rows (and their attempts) that finished before `cutoff`; says how many. */
    const prune = (cutoff: number) =>
      sql`
        DELETE FROM notification_outbox
        WHERE status IN ('sent', 'dead', 'skipped') AND finished_at < ${iso(cutoff)}::timestamptz
        RETURNING id`.pipe(Effect.map((rows) => rows.length));

    /** How many notices are due and not sent, how long the oldest has waited, how many are dead. */
    const backlog = sql`
      SELECT count(*) FILTER (WHERE status = 'pending' AND available_at <= now())::int AS due,
        COALESCE(EXTRACT(EPOCH FROM now() - min(available_at) FILTER (WHERE status = 'pending' AND available_at <= now())), 0)::float8 AS oldest_due_seconds,
        count(*) FILTER (WHERE status = 'dead')::int AS dead
      FROM notification_outbox WHERE status IN ('pending', 'dead')`.pipe(
      Effect.flatMap(decodeFirst(Backlog)),
      Effect.map((b) => b ?? { due: 0, oldestDueSeconds: 0, dead: 0 }),
    );

    /** A host's notices that could not be delivered, newest first. */
    const undelivered = (hostId: HostId) =>
      sql`
        SELECT o.id, o.kind, o.recipient, o.attempts, o.last_error, o.finished_at, o.booking_id,
          b.invitee_name, b.invitee_email, h.email AS host_email, w.url AS webhook_url
        FROM notification_outbox o JOIN bookings b ON b.id = o.booking_id JOIN hosts h ON h.id = b.host_id
        LEFT JOIN webhooks w ON w.id = o.webhook_id
        WHERE b.host_id = ${hostId} AND o.status = 'dead'
        ORDER BY o.finished_at DESC, o.id DESC
        LIMIT 50`.pipe(Effect.flatMap(decodeRows(UndeliveredRow)));

    /** Puts one of the host's dead notices back in the queue with a fresh allowance of attempts. */
    const retry = (hostId: HostId, id: string) =>
      sql`
        UPDATE notification_outbox o SET status = 'pending', available_at = now(), attempts_before_retry = o.attempts,
          finished_at = NULL, last_error = NULL
        FROM bookings b
        WHERE o.id = ${id}::bigint AND b.id = o.booking_id AND b.host_id = ${hostId} AND o.status = 'dead'
        RETURNING o.id`.pipe(
        Effect.map((rows) => rows.length === 1),
        Effect.tap((retried) => (retried ? written : Effect.void)),
      );

    const keepInMailbox = (m: NewMailboxMessage) =>
      sql`
        INSERT INTO local_mailbox (message_id, recipient, subject, text_body, html_body, calendar, raw)
        VALUES (${m.messageId}, ${m.recipient}, ${m.subject}, ${m.textBody}, ${m.htmlBody}, ${m.calendar}, ${m.raw})
        ON CONFLICT (message_id) DO NOTHING`.pipe(Effect.asVoid);

    const mailbox = (limit: number) =>
      sql`SELECT * FROM local_mailbox ORDER BY id DESC LIMIT ${limit}`.pipe(Effect.flatMap(decodeRows(MailboxRow)));

    const mailboxMessage = (id: string) =>
      sql`SELECT * FROM local_mailbox WHERE id = ${id}::bigint`.pipe(Effect.flatMap(decodeFirst(MailboxRow)));

    return { wakeups, written, claim, finish, prune, backlog, undelivered, retry, keepInMailbox, mailbox, mailboxMessage } as const;
  }),
}) {}
