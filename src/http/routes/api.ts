import { Effect, Either, Schema } from "effect";
import { Book, Cancel, Reschedule } from "../../actors/protocol.ts";
import { InvalidInput, NotFound, Unauthorized } from "../../domain/errors.ts";
import { BookingId, EventTypeId, type Booking, type Party } from "../../domain/model.ts";
import { DAY_MS, formatInstant, type EpochMs } from "../../domain/time.ts";
import { BookingRepository } from "../../persistence/BookingRepository.ts";
import { HostSessionRepository } from "../../persistence/HostSessionRepository.ts";
import { isReply, type Reply, type Request } from "../exchange.ts";
import { Answers, Email, fieldErrorsOf, Instant, jsonDepthExceeds, mediaTypeOf, Name, Reason, Text, TimeZone, Token } from "../forms.ts";
import { isAppError, problemOf, retryAfterOf, UnsupportedMediaType, type AppError } from "../problems.ts";
import { sameToken } from "../session.ts";
import { askHost, isSlug, json, runOrFail, snapshotBySlug, type Web } from "../web.ts";

/** Request bodies of the JSON API: decoded once, here; the same Schemas describe the API in OpenAPI. */
export const BookingRequest = Schema.Struct({
  eventTypeId: EventTypeId,
  start: Instant,
  invitee: Schema.Struct({ name: Name, email: Email, timeZone: TimeZone }),
  answers: Schema.optionalWith(Answers, { default: () => ({}) }),
  holdToken: Schema.optionalWith(Schema.NullOr(Token), { default: () => null }),
});

export const CancelRequest = Schema.Struct({
  reason: Schema.optionalWith(Schema.NullOr(Reason), { default: () => null }),
});

export const RescheduleRequest = Schema.Struct({ start: Instant });

export const HostSessionRequest = Schema.Struct({ signInToken: Text });

const MAX_RANGE_MS = 366 * DAY_MS;
/** Compared against when there is no booking, so that case costs what a wrong token costs. */
const UNKNOWN_TOKEN = "0".repeat(22);
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

const invalid = (web: Web, field: string, message: string) => problemReply(web, new InvalidInput({ field, message }));

/** A JSON body decoded with a Schema, or the 400/415 reply that says what is wrong. */
const decodeBody = <A, I>(web: Web, request: Request, schema: Schema.Schema<A, I>): A | Reply => {
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
export const bookingJson = (web: Web, b: Booking, by: Party = "invitee") => ({
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

export const apiRoutes = (web: Web) => {
  const slots = async (request: Request): Promise<Reply> => {
    const [hostSlug, eventSlug] = request.params as [string, string];
    const snapshot = await snapshotBySlug(web, hostSlug);
    if (isAppError(snapshot)) return problemReply(web, snapshot);
    const eventType = isSlug(eventSlug) ? snapshot.eventTypeBySlug(eventSlug) : undefined;
    if (eventType === undefined || !eventType.active) return problemReply(web, new NotFound({ what: "event type" }));
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
    const zone = parse("tz", TimeZone, snapshot.host.timeZone);
    if (isReply(zone)) return zone;
    if (to <= from) return invalid(web, "to", "must be after from");
    if (to - from > MAX_RANGE_MS) return invalid(web, "to", "the range may be at most 366 days long");
    const durationMs = eventType.durationMinutes * 60_000;
    return json(200, {
      eventTypeId: eventType.id,
      timeZone: zone,
      slots: snapshot.slots(eventType, from, to, now).map((s) => ({ start: formatInstant(s), end: formatInstant((s + durationMs) as EpochMs) })),
    });
  };

  const book = async (request: Request): Promise<Reply> => {
    const key = request.headers.get("idempotency-key");
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) return invalid(web, "Idempotency-Key", "must be 1 to 200 visible ASCII characters");
    const body = decodeBody(web, request, BookingRequest);
    if (isReply(body)) return body;
    // Decoded above: the constructor need not validate it again.
    const message = new Book(
      {
        eventTypeId: body.eventTypeId,
        start: body.start,
        invitee: body.invitee,
        answers: body.answers,
        idempotencyKey: key ?? null,
        holdToken: body.holdToken,
        visitor: null,
      },
      true,
    );
    const hostId = web.actors.peekEventTypeHost(body.eventTypeId);
    const booked =
      hostId !== undefined
        ? await askHost(web, hostId, message)
        : await runOrFail(web, Effect.flatMap(web.actors.hostIdOfEventType(body.eventTypeId), (id) => web.actors.ask(id, message)));
    if (isAppError(booked)) return problemReply(web, booked);
    return json(201, bookingJson(web, booked), [["Location", `/api/v1/bookings/${booked.id}`]]);
  };

  /**
   * The booking named in the path and who acts on it: the invitee when the bearer holds its
   * manage token, its host when the bearer holds a session of that host. Anyone else gets a
   * 404 that reveals nothing, not even whether the booking exists.
   */
  const authorized = async (request: Request): Promise<{ booking: Booking; by: Party } | Reply> => {
    const [id] = request.params as [string];
    const token = /^Bearer (\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
    const notFound = problemReply(web, new NotFound({ what: "booking" }));
    if (token === undefined || !Schema.is(BookingId)(id)) return notFound;
    // Both lookups and the comparison happen whether or not the booking exists, so the time
    // taken does not tell an unknown booking from a wrong token.
    const found = await runOrFail(
      web,
      Effect.gen(function* () {
        const [booking, host] = yield* Effect.all(
          [(yield* BookingRepository).findById(id), (yield* HostSessionRepository).hostOfSession(token, web.now())],
          { concurrency: "unbounded" },
        );
        const isInvitee = sameToken(booking?.manageToken ?? UNKNOWN_TOKEN, token);
        if (booking === undefined) return undefined;
        if (isInvitee) return { booking, by: "invitee" as const };
        return host === booking.hostId ? { booking, by: "host" as const } : undefined;
      }),
    );
    if (isAppError(found)) return problemReply(web, found);
    return found ?? notFound;
  };

  const get = async (request: Request): Promise<Reply> => {
    const found = await authorized(request);
    return isReply(found) ? found : json(200, bookingJson(web, found.booking, found.by));
  };

  const cancel = async (request: Request): Promise<Reply> => {
    const found = await authorized(request);
    if (isReply(found)) return found;
    const body = request.body.length === 0 ? { reason: null } : decodeBody(web, request, CancelRequest);
    if (isReply(body)) return body;
    const cancelled = await askHost(web, found.booking.hostId, new Cancel({ bookingId: found.booking.id, by: found.by, reason: body.reason }));
    return isAppError(cancelled) ? problemReply(web, cancelled) : json(200, bookingJson(web, cancelled, found.by));
  };

  const reschedule = async (request: Request): Promise<Reply> => {
    const found = await authorized(request);
    if (isReply(found)) return found;
    const body = decodeBody(web, request, RescheduleRequest);
    if (isReply(body)) return body;
    const moved = await askHost(web, found.booking.hostId, new Reschedule({ bookingId: found.booking.id, start: body.start, by: found.by }));
    return isAppError(moved) ? problemReply(web, moved) : json(200, bookingJson(web, moved, found.by));
  };

  /** Trades a sign-in link's token for a session token, for hosts who use the API from scripts. */
  const startHostSession = async (request: Request): Promise<Reply> => {
    const body = decodeBody(web, request, HostSessionRequest);
    if (isReply(body)) return body;
    const now = web.now();
    const started = await runOrFail(web, Effect.flatMap(HostSessionRepository, (r) => r.redeemSignInLink(body.signInToken, now)));
    if (isAppError(started)) return problemReply(web, started);
    if (started === undefined) {
      return problemReply(web, new Unauthorized({ message: "This sign-in token was used already, is older than 15 minutes, or was never made." }));
    }
    return json(201, { sessionToken: started.session, hostId: started.hostId, expiresAt: formatInstant(started.expiresAt as EpochMs) });
  };

  const notFound = (): Reply => problemReply(web, new NotFound({ what: "page" }));

  return { slots, book, get, cancel, reschedule, startHostSession, notFound };
};

