import { Context, Effect, Layer, Option, Redacted } from "effect";
import nodemailer, { type SendMailOptions } from "nodemailer";
import { AppConfig } from "../AppConfig.ts";
import { DeliveryRepository } from "../persistence/DeliveryRepository.ts";
import type { OutgoingMail } from "./messages.ts";

/** Why a send failed: a permanent one is never retried. */
export interface SendFailure {
  readonly permanent: boolean;
  readonly reason: string;
}

export interface MailerShape {
  /** "smtp" (SMTP_URL) or "mailbox" (kept in the database, shown on /mailbox). */
  readonly kind: "smtp" | "mailbox";
  readonly send: (mail: OutgoingMail) => Effect.Effect<void, SendFailure>;
}

export class Mailer extends Context.Tag("rendezvous/Mailer")<Mailer, MailerShape>() {}

export const mailOptionsOf = (mail: OutgoingMail): SendMailOptions => ({
  messageId: mail.messageId,
  from: mail.from,
  to: { name: mail.to.name, address: mail.to.email },
  subject: mail.subject,
  text: mail.text,
  html: mail.html,
  // The text/calendar alternative with `method=` equal to the body's METHOD, and an invite.ics.
  ...(mail.calendar === undefined ? {} : { icalEvent: { method: mail.calendar.method, content: mail.calendar.content, filename: "invite.ics" } }),
});

interface SmtpError {
  readonly code?: string;
  readonly responseCode?: number;
  readonly permanent?: boolean;
  readonly message?: string;
}

/**
 * 5xx replies (but 503) are permanent, as are addresses nodemailer cannot even put on the
 * envelope; everything else (4xx, refused or dropped connections, timeouts) is worth a retry.
 */
export const classifySmtpError = (error: unknown): SendFailure => {
  const e = (typeof error === "object" && error !== null ? error : {}) as SmtpError;
  const permanent = e.permanent === true || (e.responseCode === undefined && e.code === "EENVELOPE");
  const reason = [e.code, e.responseCode, e.message ?? String(error)].filter((x) => x !== undefined).join(" ");
  return { permanent, reason: reason.slice(0, 1000) };
};

/** Pooled SMTP with bounded waits, so a stuck server costs a retry, not a lease. */
export const smtpUrlWithDefaults = (url: string) => {
  const u = new URL(url);
  const defaults: Record<string, string> = { pool: "true", maxConnections: "5", connectionTimeout: "10000", greetingTimeout: "10000", socketTimeout: "30000" };
  for (const [key, value] of Object.entries(defaults)) if (!u.searchParams.has(key)) u.searchParams.set(key, value);
  return u.toString();
};

const smtpMailer = (url: string) =>
  Effect.acquireRelease(
    Effect.sync(() => nodemailer.createTransport(smtpUrlWithDefaults(url))),
    (transport) => Effect.sync(() => transport.close()),
  ).pipe(
    Effect.map(
      (transport): MailerShape => ({
        kind: "smtp",
        send: (mail) =>
          Effect.tryPromise({ try: () => transport.sendMail(mailOptionsOf(mail)), catch: classifySmtpError }).pipe(Effect.asVoid),
      }),
    ),
  );

/** No SMTP server: messages are built exactly as they would be sent and kept for /mailbox. */
const mailboxMailer = Effect.gen(function* () {
  const repository = yield* DeliveryRepository;
  const { publicUrl } = yield* AppConfig;
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  return {
    kind: "mailbox",
    send: (mail) =>
      Effect.tryPromise({ try: () => composer.sendMail(mailOptionsOf(mail)), catch: (e) => ({ permanent: true, reason: String(e) }) }).pipe(
        Effect.flatMap((info) =>
          repository.keepInMailbox({
            messageId: mail.messageId,
            recipient: mail.to.email,
            subject: mail.subject,
            textBody: mail.text,
            htmlBody: mail.html,
            calendar: mail.calendar?.content ?? null,
            raw: Buffer.isBuffer(info.message) ? info.message.toString("utf8") : String(info.message),
          }),
        ),
        Effect.tap(() => Effect.logInfo("mail kept in the local mailbox").pipe(Effect.annotateLogs({ messageId: mail.messageId, see: `${publicUrl}/mailbox` }))),
        Effect.catchTag("SqlError", (e) => Effect.fail<SendFailure>({ permanent: false, reason: String(e) })),
      ),
  } satisfies MailerShape;
});

export const MailerLive = Layer.scoped(
  Mailer,
  Effect.gen(function* () {
    const config = yield* AppConfig;
    return yield* Option.match(config.smtpUrl, {
      onSome: (url) => smtpMailer(Redacted.value(url)),
      onNone: () => mailboxMailer,
    });
  }),
);
