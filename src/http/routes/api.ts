import { Either, Schema } from "effect";
import { createHash } from "node:crypto";
import type { Offering } from "../../booking/BookingContext.ts";
import { InvalidInput, NotFound, Unauthorized } from "../../domain/errors.ts";
import { localeOf } from "../../i18n/i18n.ts";
import { EventTypeId, WEBHOOK_EVENTS, withDuration, WebhookEvent, type Booking, type HostId, type Party } from "../../domain/model.ts";
import { DAY_MS, formatInstant, type EpochMs } from "../../domain/time.ts";
import { isReply, type Reply, type Request } from "../exchange.ts";
import { Answers, Email, fieldErrorsOf, Instant, jsonDepthExceeds, mediaTypeOf, Name, Reason, Text, TimeZone, Token } from "../forms.ts";
import { isAppError, problemOf, retryAfterOf, UnsupportedMediaType, type AppError } from "../problems.ts";
import { json, type Web } from "../web.ts";
import type { BookingJson, SessionJson, SlotsJson, WebhookJson } from "../apiReplies.ts";
import { deviceOf, retrySessionTokenOf } from "../session.ts";

/** Request bodies of the JSON API: decoded once, here; the same Schemas describe the API in OpenAPI. */
export const BookingRequest = Schema.Struct({
  eventTypeId: EventTypeId,
  start: Instant,
  invitee: Schema.Struct({
    name: Name,
    email: Email,
    timeZone: TimeZone,
    /** A BCP 47 tag: their mails speak its language when Rendezvous speaks it, else English. */
    locale: Schema.optional(Schema.String.pipe(Schema.pattern(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/, { message: () => "must be a language tag such as de or fr-CA" }))),
  }),
  answers: Schema.optionalWith(Answers, { default: () => ({}) }),
  holdToken: Schema.optionalWith(Schema.NullOr(Token), { default: () => null }),
  /** One of the event type's `durationChoices`; left out, its first. */
  durationMinutes: Schema.optional(Schema.Int),
});

export const CancelRequest = Schema.Struct({
  reason: Schema.optionalWith(Schema.NullOr(Reason), { default: () => null }),
});

export const RescheduleRequest = Schema.Struct({
  start: Instant,
  reason: Schema.optionalWith(Schema.NullOr(Reason), { default: () => null }),
});

export const HostSessionRequest = Schema.Struct({ signInToken: Text });

export const NoShowRequest = Schema.Struct({ noShow: Schema.Boolean });

export const WebhookRequest = Schema.Struct({
  url: Text,
  events: Schema.optionalWith(Schema.Array(WebhookEvent).pipe(Schema.maxItems(WEBHOOK_EVENTS.length)), { default: () => [...WEBHOOK_EVENTS] }),
});

const MAX_RANGE_MS = 366 * DAY_MS;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/** RFC 9457 problem details; `type` ends in the error's stable name (e.g. `slot-taken`). */
export const problemReply = (web: Web, error: AppError): Reply => {
  const p = problemOf(error);
  const extra: Record<string, unknown> =
    error._tag === "SlotTaken"
      ? { alternatives: error.alternatives.map((s) => formatInstant(s as EpochMs)) }
      : error._tag === "InvalidInput"
        ? { field: error.field }
        : error._tag === "RateLimited"
          ? { retryAfterSeconds: error.retryAfterSeconds }
          : {};
  return {
    status: p.status,
    headers: [["Content-Type", "application/problem+json"], ["Cache-Control", "no-store"], ...retryAfterOf(error)],
    body: JSON.stringify({ type: `${web.config.publicUrl}/problems/${p.type}`, title: p.title, status: p.status, detail: p.detail, ...extra }),
  };
};

export const invalid = (web: Web, field: string, message: string) => problemReply(web, new InvalidInput({ field, message }));

/** A JSON body decoded with a Schema, or the 400/415 reply that says what is wrong. */
export const decodeBody = <A, I>(web: Web, request: Request, schema: Schema.Schema<A, I>): A | Reply => {
  if (mediaTypeOf(request.headers.get("content-type")) !== "application/json") {
    return problemReply(web, new UnsupportedMediaType({ expected: "application/json" }));
  }
  const text = request.body.toString("utf8");
  if (jsonDepthExceeds(text)) return invalid(web, "body", "is nested too deeply");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return invalid(web, "body", "is not valid JSON");
  }
  const decoded = Schema.decodeUnknownEither(schema, { errors: "first", onExcessProperty: "error" })(body);
  if (Either.isRight(decoded)) return decoded.right;
  const [field, message] = [...fieldErrorsOf(decoded.left)][0] ?? ["body", "is not valid"];
  return invalid(web, field, message);
};


/**
 * A booking as the API shows it. The manage token is the invitee's credential: it is shown to
 * whoever booked or holds it, never to the host.
 */
export const bookingJson = (web: Web, b: Booking, by: Party = "invitee"): typeof BookingJson.Encoded => ({
  id: b.id,
  status: b.status,
  hostId: b.hostId,
  eventTypeId: b.eventTypeId,
  start: formatInstant(b.start),
  end: formatInstant(b.end),
  invitee: b.invitee,
  answers: b.answers,
  ...(by === "invitee" ? { manageToken: b.manageToken, manageUrl: `${web.config.publicUrl}/booking/${b.manageToken}` } : {}),
  version: b.version,
  cancelledBy: b.cancelledBy,
  cancelReason: b.cancelReason,
  createdAt: formatInstant(b.createdAt),
});

const bearerOf = (request: Request) => /^Bearer (\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];

/** What an API key needs for a request: reads need `read`, everything else `write`. */
const scopeOf = (request: Request) => (request.method === "GET" || request.method === "HEAD" ? "read" : "write");

/** The request's Idempotency-Key (undefined when none was sent), or the 400 that says it is malformed. */
const idempotencyKeyOf = (web: Web, request: Request): string | undefined | Reply => {
  const key = request.headers.get("idempotency-key");
  return key === undefined || IDEMPOTENCY_KEY.test(key) ? key : invalid(web, "Idempotency-Key", "must be 1 to 200 visible ASCII characters");
};

/**
 * A creating POST of a host's, answered once per `Idempotency-Key`: a retry gets the first
 * answer again (status, body and Location) and creates nothing twice. Without the header it
 * simply runs.
 */
export const idempotently = async (web: Web, request: Request, hostId: HostId, handler: () => Promise<Reply>): Promise<Reply> => {
  const key = idempotencyKeyOf(web, request);
  if (key === undefined) return handler();
  if (isReply(key)) return key;
  const digest = createHash("sha256").update(`${request.method} ${request.path}\n`).update(request.body).digest("base64url");
  const answer = await web.booking.idempotent(hostId, key, digest, async () => {
    const reply = await handler();
    const location = reply.headers.find(([name]) => name === "Location")?.[1] ?? null;
    return { status: reply.status, body: typeof reply.body === "string" ? reply.body : Buffer.from(reply.body).toString("utf8"), location };
  });
  if (isAppError(answer)) return problemReply(web, answer);
  return {
    status: answer.status,
    headers: [
      ["Content-Type", answer.status >= 400 ? "application/problem+json" : "application/json"],
      ["Cache-Control", "no-store"],
      ...(answer.location === null ? [] : [["Location", answer.location] as const]),
    ],
    body: answer.body,
  };
};

/** The host whose session token or API key the request bears, or the 403 that says what it needs. */
export const hostBearing = async (web: Web, request: Request): Promise<HostId | Reply> => {
  const hostId = await web.booking.hostOfBearer(bearerOf(request), scopeOf(request));
  if (isAppError(hostId)) return problemReply(web, hostId);
  return (
    hostId ??
    problemReply(web, new Unauthorized({ message: "Send an API key (made on your API keys page) or a host session token (from POST /api/v1/host/sessions): Authorization: Bearer <key>." }))
  );
};

export const apiRoutes = (web: Web) => {
  const { booking: context } = web;
  const problem = (error: AppError) => problemReply(web, error);

  const slots = (request: Request): Reply | Promise<Reply> => {
    const [hostSlug, eventSlug] = request.params as [string, string];
    const found = context.offering(hostSlug, eventSlug);
    return found instanceof Promise ? found.then((o) => slotsOf(request, o)) : slotsOf(request, found);
  };

  const slotsOf = (request: Request, offer: Offering | AppError): Reply => {
    if (isAppError(offer)) return problem(offer);
    const range = slotRange(web, request, offer.snapshot.host.timeZone);
    if (isReply(range)) return range;
    const asked = request.query.get("duration");
    const eventType = asked === null ? offer.eventType : withDuration(offer.eventType, Number(asked));
    if (eventType === undefined) return invalid(web, "duration", `must be one of ${offer.eventType.durationChoices.join(", ")} minutes`);
    const durationMs = eventType.durationMinutes * 60_000;
    return json(200, {
      eventTypeId: eventType.id,
      timeZone: range.zone,
      durationMinutes: eventType.durationMinutes,
      durationChoices: eventType.durationChoices,
      slots: offer.snapshot.slots(eventType, range.from, range.to, range.now).map((s) => ({ start: formatInstant(s), end: formatInstant((s + durationMs) as EpochMs) })),
    } satisfies typeof SlotsJson.Encoded);
  };

  const book = async (request: Request): Promise<Reply> => {
    const key = idempotencyKeyOf(web, request);
    if (isReply(key)) return key;
    const body = decodeBody(web, request, BookingRequest);
    if (isReply(body)) return body;
    const booked = await context.book({ ...body, invitee: { ...body.invitee, locale: localeOf(body.invitee.locale) }, note: "", idempotencyKey: key ?? null, visitor: null });
    if (isAppError(booked)) return problem(booked);
    return json(201, bookingJson(web, booked), [["Location", `/api/v1/bookings/${booked.id}`]]);
  };

  const get = async (request: Request): Promise<Reply> => {
    const acting = await context.actingByBearer(request.params[0]!, bearerOf(request), scopeOf(request));
    return isAppError(acting) ? problem(acting) : json(200, bookingJson(web, acting.booking, acting.by));
  };

  const cancel = async (request: Request): Promise<Reply> => {
    const acting = await context.actingByBearer(request.params[0]!, bearerOf(request), scopeOf(request));
    if (isAppError(acting)) return problem(acting);
    const body = request.body.length === 0 ? { reason: null } : decodeBody(web, request, CancelRequest);
    if (isReply(body)) return body;
    const cancelled = await context.cancel(acting, body.reason);
    return isAppError(cancelled) ? problem(cancelled) : json(200, bookingJson(web, cancelled, acting.by));
  };

  const reschedule = async (request: Request): Promise<Reply> => {
    const acting = await context.actingByBearer(request.params[0]!, bearerOf(request), scopeOf(request));
    if (isAppError(acting)) return problem(acting);
    const body = decodeBody(web, request, RescheduleRequest);
    if (isReply(body)) return body;
    const moved = await context.reschedule(acting, body.start, body.reason === "" ? null : body.reason);
    return isAppError(moved) ? problem(moved) : json(200, bookingJson(web, moved, acting.by));
  };

  /**
   * The host's answer to a pending booking: `POST /api/v1/bookings/:id/accept` or `…/decline`
   * (`{"reason"?}`), with the host's session token; its invitee (or anyone else) gets a 404.
   */
  const answerRequest = (verdict: "accept" | "decline") => async (request: Request): Promise<Reply> => {
    const acting = await context.actingByBearer(request.params[0]!, bearerOf(request), scopeOf(request));
    if (isAppError(acting)) return problem(acting);
    const body = request.body.length === 0 ? { reason: null } : decodeBody(web, request, CancelRequest);
    if (isReply(body)) return body;
    const answered = verdict === "accept" ? await context.accept(acting) : await context.decline(acting, body.reason);
    return isAppError(answered) ? problem(answered) : json(200, bookingJson(web, answered, acting.by));
  };

  /** `POST /api/v1/bookings/:id/no-show` `{"noShow"}`: the host marks whether the invitee came. */
  const noShow = async (request: Request): Promise<Reply> => {
    const acting = await context.actingByBearer(request.params[0]!, bearerOf(request), scopeOf(request));
    if (isAppError(acting)) return problem(acting);
    const body = decodeBody(web, request, NoShowRequest);
    if (isReply(body)) return body;
    const marked = await context.markNoShow(acting, body.noShow);
    return isAppError(marked) ? problem(marked) : json(200, { ...bookingJson(web, acting.booking, acting.by), noShow: body.noShow });
  };

  /** Trades a sign-in link's token for a session token, for hosts who use the API from scripts. */
  const startHostSession = async (request: Request): Promise<Reply> => {
    const body = decodeBody(web, request, HostSessionRequest);
    if (isReply(body)) return body;
    const key = idempotencyKeyOf(web, request);
    if (isReply(key)) return key;
    const retryToken = key === undefined ? undefined : retrySessionTokenOf(web.secret, body.signInToken, key);
    const started = await context.signIn(body.signInToken, `API (${deviceOf(request.headers.get("user-agent"))})`, retryToken);
    if (isAppError(started)) return problem(started);
    if (started === undefined) {
      return problem(new Unauthorized({ message: "This sign-in token was used already, is older than 15 minutes, or was never made." }));
    }
    return json(201, { sessionToken: started.session, hostId: started.hostId, expiresAt: formatInstant(started.expiresAt as EpochMs) } satisfies typeof SessionJson.Encoded);
  };

  const bearingHost = (request: Request) => hostBearing(web, request);

  const webhookJson = (w: { id: string; url: string; secret: string; events: ReadonlyArray<WebhookEvent>; createdAt: number }): typeof WebhookJson.Encoded => ({
    id: w.id,
    url: w.url,
    events: w.events,
    secret: w.secret,
    createdAt: formatInstant(w.createdAt as EpochMs),
  });

  const listWebhooks = async (request: Request): Promise<Reply> => {
    const hostId = await bearingHost(request);
    if (isReply(hostId)) return hostId;
    const webhooks = await context.listWebhooks(hostId);
    return isAppError(webhooks) ? problem(webhooks) : json(200, { webhooks: webhooks.map(webhookJson) });
  };

  const addWebhook = async (request: Request): Promise<Reply> => {
    const hostId = await bearingHost(request);
    if (isReply(hostId)) return hostId;
    return idempotently(web, request, hostId, async () => {
      const body = decodeBody(web, request, WebhookRequest);
      if (isReply(body)) return body;
      const added = await context.addWebhook(hostId, body.url, body.events);
      return isAppError(added) ? problem(added) : json(201, webhookJson(added), [["Location", `/api/v1/host/webhooks/${added.id}`]]);
    });
  };

  const removeWebhook = async (request: Request): Promise<Reply> => {
    const hostId = await bearingHost(request);
    if (isReply(hostId)) return hostId;
    const removed = await context.removeWebhook(hostId, request.params[0]!);
    return isAppError(removed) ? problem(removed) : { status: 204, headers: [["Cache-Control", "no-store"]], body: "" };
  };

  const notFound = (): Reply => problem(new NotFound({ what: "page" }));

  return { slots, book, get, cancel, reschedule, accept: answerRequest("accept"), decline: answerRequest("decline"), noShow, startHostSession, listWebhooks, addWebhook, removeWebhook, notFound };
};

/** `from`, `to` and `tz` of a slot-list query, with their defaults, or the 400 that names the bad one. */
const slotRange = (web: Web, request: Request, hostZone: string) => {
  const now = web.now();
  const parse = <A>(name: string, schema: Schema.Schema<A, string>, fallback: A): A | Reply => {
    const raw = request.query.get(name);
    if (raw === null) return fallback;
    const decoded = Schema.decodeUnknownEither(schema)(raw);
    return Either.isRight(decoded) ? decoded.right : invalid(web, name, [...fieldErrorsOf(decoded.left).values()][0] ?? "is not valid");
  };
  const from = parse("from", Instant, now as EpochMs);
  if (isReply(from)) return from;
  const to = parse("to", Instant, (from + 7 * DAY_MS) as EpochMs);
  if (isReply(to)) return to;
  const zone = parse("tz", TimeZone, hostZone);
  if (isReply(zone)) return zone;
  if (to <= from) return invalid(web, "to", "must be after from");
  if (to - from > MAX_RANGE_MS) return invalid(web, "to", "the range may be at most 366 days long");
  return { from, to, zone, now };
};
