import { simpleParser, type ParsedMail } from "mailparser";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  readonly parsed: ParsedMail;
  readonly messageId: string;
  readonly to: ReadonlyArray<string>;
  readonly raw: string;
  /** The text/calendar alternative (with its Content-Type `method`) and .ics attachments. */
  readonly calendars: ReadonlyArray<{ readonly contentMethod: string | undefined; readonly filename: string | undefined; readonly text: string }>;
}

/** An SMTP reply to inject: 4xx (try again later) or 5xx (refused for good). */
export type Refusal = { readonly code: number; readonly message: string } | undefined;

/**
 * A real SMTP server on loopback (the `smtp-server` package) that parses what it accepts
 * with `mailparser`. `respond` decides per message whether to refuse it; `hold` delays the
 * 250 to a message already kept, so a test can act while mails are in flight.
 */
export const startSmtpSink = async (
  options: { readonly port?: number; respond?: (to: ReadonlyArray<string>) => Refusal; hold?: () => Promise<void> } = {},
) => {
  const mails: ReceivedMail[] = [];
  const waiters: Array<{ readonly done: () => boolean; readonly resolve: () => void }> = [];
  let attempts = 0;
  const settle = () => {
    for (const w of [...waiters]) if (w.done()) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  const wait = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      waiters.push({ done, resolve });
      settle();
    });
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    // Closing waits this long for clients that keep a connection open (nodemailer's pool).
    closeTimeout: 500,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", async () => {
        attempts++;
        const to = session.envelope.rcptTo.map((r) => r.address);
        const refusal = options.respond?.(to);
        if (refusal !== undefined) {
          callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
          return;
        }
        const raw = Buffer.concat(chunks).toString("utf8");
        const parsed = await simpleParser(raw);
        const calendars = parsed.attachments
          .filter((a) => a.contentType === "text/calendar" || a.contentType === "application/ics")
          .map((a) => {
            const type = a.headers.get("content-type") as { params?: Record<string, string> } | undefined;
            return { contentMethod: type?.params?.["method"], filename: a.filename, text: a.content.toString("utf8") };
          });
        // Kept before the reply, as a real server commits before its 250: a sender that dies
        // before reading the reply does not know the message arrived.
        mails.push({ parsed, messageId: parsed.messageId ?? "", to, raw, calendars });
        settle();
        if (options.hold !== undefined) await options.hold();
        callback();
      });
    },
  });
  // A client that drops its connection (a server killed mid-send) is part of the test, not a failure.
  server.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    mails,
    options,
    /** Messages that reached DATA's end, refused ones included. */
    get attempts() {
      return attempts;
    },
    /** Resolves once `n` messages were accepted. */
    until: (n: number) => wait(() => mails.length >= n),
    /** Resolves with the first accepted message that matches. */
    waitFor: async (match: (mail: ReceivedMail) => boolean) => {
      await wait(() => mails.some(match));
      return mails.find(match)!;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

export type SmtpSink = Awaited<ReturnType<typeof startSmtpSink>>;
