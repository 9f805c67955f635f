import { Effect } from "effect";
import { createHmac } from "node:crypto";
import { lookup } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { Agent, request } from "undici";
import type { Delivery } from "../persistence/DeliveryRepository.ts";
import type { SendFailure } from "./Mailer.ts";

/** Addresses a webhook may not reach unless WEBHOOK_ALLOW_PRIVATE=1: this machine and private networks. */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12],
  ["192.0.0.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["224.0.0.0", 4], ["240.0.0.0", 4],
] as const) PRIVATE.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [["::", 128], ["::1", 128], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8], ["64:ff9b::", 96]] as const) PRIVATE.addSubnet(net, prefix, "ipv6");

export const isPrivateAddress = (address: string): boolean => {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, "ipv4");
  if (family !== 6) return true;
  // ::ffff:10.0.0.1 is 10.0.0.1.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped !== null ? PRIVATE.check(mapped[1]!, "ipv4") : PRIVATE.check(address, "ipv6");
};

/** Why a URL cannot be a webhook, or undefined when it can. */
export const webhookUrlProblem = (text: string, allowPrivate: boolean): string | undefined => {
  if (/[\u0000-\u001f\u007f]/.test(text) || !text.isWellFormed()) return "may not hold control characters";
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "is not a URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must start with https:// or http://";
  if (url.username !== "" || url.password !== "") return "may not hold a user name or password";
  if (text.length > 2000) return "is longer than 2,000 characters";
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (!allowPrivate && (host === "localhost" || host.endsWith(".localhost") || (isIP(host) !== 0 && isPrivateAddress(host)))) {
    return "must be a public address (this machine and private networks are refused)";
  }
  return undefined;
};

/** Resolves names as usual, but refuses to connect to a private address (names can point anywhere). */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) =>
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error !== null) return (callback as (e: NodeJS.ErrnoException | null) => void)(error);
    const allowed = addresses.filter((a) => !isPrivateAddress(a.address));
    if (allowed.length === 0) {
      const refused = Object.assign(new Error(`${hostname} resolves to a private address`), { code: "EPRIVATE" });
      return (callback as (e: NodeJS.ErrnoException | null) => void)(refused);
    }
    if (options.all === true) return (callback as (e: null, a: typeof allowed) => void)(null, allowed);
    return callback(null, allowed[0]!.address, allowed[0]!.family);
  });

export const makeWebhookAgent = (allowPrivate: boolean) =>
  new Agent({ headersTimeout: 10_000, bodyTimeout: 10_000, connect: { timeout: 10_000, ...(allowPrivate ? {} : { lookup: publicOnlyLookup }) } });

/**
 * `Rendezvous-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by the
 * webhook's secret>`. Receivers recompute it and refuse a `t` more than a few minutes old.
 */
export const signatureOf = (secret: string, timestamp: number, body: string) =>
  `t=${timestamp},v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;

const EVENT_OF = {
  booking_confirmed: "booking.created",
  booking_rescheduled: "booking.rescheduled",
  booking_cancelled: "booking.cancelled",
  booking_reminder: undefined,
  booking_requested: "booking.pending",
  booking_accepted: "booking.accepted",
  booking_declined: "booking.declined",
} as const;

/** The booking's status as of the change a delivery announces. */
const STATUS_OF: Record<Delivery["kind"], string> = {
  booking_confirmed: "confirmed",
  booking_rescheduled: "confirmed",
  booking_cancelled: "cancelled",
  booking_reminder: "confirmed",
  booking_requested: "pending",
  booking_accepted: "confirmed",
  booking_declined: "declined",
};

export const webhookEventOf = (kind: Delivery["kind"]) => EVENT_OF[kind];

const iso = (ms: number) => new Date(ms).toISOString();

/** The JSON a webhook receives: the same for every attempt (its `id` lets receivers drop repeats). */
export const webhookBodyOf = (d: Delivery) =>
  JSON.stringify({
    id: `notice-${d.id}`,
    type: EVENT_OF[d.kind],
    createdAt: iso(d.createdAt),
    data: {
      booking: {
        id: d.bookingId,
        status: STATUS_OF[d.kind],
        start: iso(d.payload.start),
        end: iso(d.payload.end),
        sequence: d.payload.sequence,
        ...(d.payload.previousStart === undefined ? {} : { previousStart: iso(d.payload.previousStart) }),
        ...(d.kind === "booking_cancelled" ? { cancelledBy: d.payload.by ?? null, cancelReason: d.payload.reason ?? null } : {}),
        ...(d.kind === "booking_declined" ? { declineReason: d.payload.reason ?? null } : {}),
        eventType: { title: d.eventTitle, location: d.eventLocation },
        host: { name: d.hostName, email: d.hostEmail, timeZone: d.hostTimeZone },
        invitee: { name: d.inviteeName, email: d.inviteeEmail, timeZone: d.inviteeTimeZone },
        answers: d.answers,
      },
    },
  });

/**
 * POSTs a signed body. A 2xx is delivered; a redirect is never followed and never will be
 * (permanent); anything else, or no answer, is retried like a mail server's 4xx.
 */
export const postWebhook = (agent: Agent, url: string, secret: string, event: string, deliveryId: string, body: string, now: number) =>
  Effect.tryPromise({
    try: async () => {
      const res = await request(url, {
        method: "POST",
        dispatcher: agent,
        headers: {
          "content-type": "application/json",
          "user-agent": "Rendezvous-Webhooks/1",
          "rendezvous-event": event,
          "rendezvous-delivery": deliveryId,
          "rendezvous-signature": signatureOf(secret, Math.floor(now / 1000), body),
        },
        body,
      });
      await res.body.dump();
      return res.statusCode;
    },
    catch: (error): SendFailure => ({ permanent: false, reason: String((error as { code?: string }).code ?? "") + " " + String(error) }),
  }).pipe(
    Effect.flatMap((status) =>
      status >= 200 && status < 300
        ? Effect.void
        : Effect.fail<SendFailure>({ permanent: status >= 300 && status < 400, reason: status >= 300 && status < 400 ? `HTTP ${status}: redirects are not followed` : `HTTP ${status}` }),
    ),
  );
