import { Cause, Effect, Exit, Option, Schema, type Request as EffectRequest } from "effect";
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Agent } from "undici";
import { orUnavailable, type HostActorsShape } from "../actors/HostActors.ts";
import { holdIsFor, type HostSnapshot } from "../actors/HostSnapshot.ts";
import { Accept, Book, DECODED, Cancel, Decline, Hold, Release, Renew, Reschedule, type HostMessage } from "../actors/protocol.ts";
import { IdempotencyKeyReused, InvalidInput, NotFound, RequestInProgress, Unauthorized } from "../domain/errors.ts";
import type { MailSettings, OutgoingMail } from "../notify/messages.ts";
import { postWebhook, webhookUrlProblem } from "../notify/webhooks.ts";
import { WebhookRepository, type Webhook } from "../persistence/WebhookRepository.ts";
import { asBooked, BookingId, NOTE, withDuration, type WebhookEvent, type Booking, type EventType, type EventTypeId, type Host, type HostId, type Invitee, type Party } from "../domain/model.ts";
import { SLUG } from "../domain/validation.ts";
import { BookingRepository } from "../persistence/BookingRepository.ts";
import { DeliveryRepository } from "../persistence/DeliveryRepository.ts";
import { HostRepository } from "../persistence/HostRepository.ts";
import { HostSessionRepository } from "../persistence/HostSessionRepository.ts";
import type { MeetingQuery } from "../domain/meetings.ts";
import { MeetingsRepository } from "../persistence/MeetingsRepository.ts";
import type { AgendaRepository } from "../persistence/AgendaRepository.ts";
import { isBookingError, type BookingError } from "./errors.ts";
import { recordBooking } from "../ops/metrics.ts";
import { makeHostSetup } from "./HostSetup.ts";
import { makeApiKeys } from "./ApiKeys.ts";
import { ApiKeyRepository, API_KEY_SCOPES, isApiKey, type ApiKeyScope } from "../persistence/ApiKeyRepository.ts";
import { IdempotencyRepository, type KeptAnswer } from "../persistence/IdempotencyRepository.ts";

/**
 * The one place the web layer asks about bookings: what a host offers, booking and holding,
 * who may act on a booking (its invitee by manage token, its host by session), cancelling and
 * moving. Routes read the request, call one of these and render the answer; the pages, the form
 * posts and the JSON API therefore cannot disagree about a rule.
 *
 * Answers are values (`A | BookingError`), and a read of a running host answers synchronously
 * (no promise), so the slot-list hot path stays inside the uWS handler.
 */

export type BookingServices = HostRepository | BookingRepository | HostSessionRepository | DeliveryRepository | WebhookRepository | MeetingsRepository | AgendaRepository | ApiKeyRepository | IdempotencyRepository;

export interface ContextDeps {
  readonly actors: HostActorsShape;
  /** Sends webhook test calls (the worker has its own). */
  readonly webhookAgent: Agent;
  readonly webhookAllowPrivate: boolean;
  readonly run: <A, E>(effect: Effect.Effect<A, E, BookingServices>) => Promise<Exit.Exit<A, E>>;
  readonly now: () => number;
  /** Sends account mail (sign-in links, invitations) in the background. */
  readonly sendMail: (mail: OutgoingMail) => void;
  readonly mailSettings: MailSettings;
  readonly signupOpen: boolean;
}

type Answer<A> = A | BookingError;
type MaybeNow<A> = Answer<A> | Promise<Answer<A>>;

/** An active event type with its host's latest snapshot. */
export interface Offering {
  readonly snapshot: HostSnapshot;
  readonly eventType: EventType;
}

/** A booking found by its manage token, with what its pages show around it. */
export interface ManagedBooking extends Offering {
  readonly booking: Booking;
}

export interface BookRequest {
  readonly eventTypeId: EventTypeId;
  readonly start: number;
  readonly invitee: Invitee;
  readonly answers: Readonly<Record<string, string>>;
  /** The free-text note every event type takes; empty for none. */
  readonly note: string;
  readonly idempotencyKey: string | null;
  readonly holdToken: string | null;
  /** The anonymous visitor booking (their own hold counts for them), or null for the API. */
  readonly visitor: string | null;
  /** One of the event type's lengths; left out, its first. */
  readonly durationMinutes?: number | undefined;
}

/** Who acts on a booking, as the audit trail records it. */
export interface Acting {
  readonly booking: Booking;
  readonly by: Party;
}

/** Compared against when there is no booking, so that case costs what a wrong token costs. */
const UNKNOWN_TOKEN = "0".repeat(22);
const MANAGE_TOKEN = /^[A-Za-z0-9_-]{22,64}$/;

const notFound = (what: NotFound["what"]) => new NotFound({ what });

const MAX_WEBHOOKS = 10;

export const makeBookingContext = (deps: ContextDeps) => {
  const { actors } = deps;

  /** The value, or the typed failure; a defect is thrown (the server answers it with a 500). */
  const settle = <A>(exit: Exit.Exit<A, unknown>): Answer<A> => {
    if (Exit.isSuccess(exit)) return exit.value;
    const failure = Cause.failureOption(exit.cause);
    if (Option.isSome(failure) && isBookingError(failure.value)) return failure.value;
    throw Option.isSome(failure) ? failure.value : Cause.squash(exit.cause);
  };

  /** A database that cannot be reached answers `StorageUnavailable` (503: try again), here as in the actors. */
  const run = async <A, E>(effect: Effect.Effect<A, E, BookingServices>): Promise<Answer<A>> => settle(await deps.run(orUnavailable(effect)));

  /**
   * A command for a host's actor: answered from its snapshot or told to its mailbox when it
   * runs (no fiber of our own: the booking hot path), else started through `ask`.
   */
  const ask = <M extends HostMessage>(hostId: HostId, message: M): Promise<Answer<EffectRequest.Request.Success<M>>> =>
    new Promise((resolve, reject) => {
      const answer = (exit: Exit.Exit<EffectRequest.Request.Success<M>, unknown>) => {
        try {
          resolve(settle(exit));
        } catch (error) {
          reject(error);
        }
      };
      if (!actors.tryAsk(hostId, message, deps.now(), answer)) deps.run(actors.ask(hostId, message)).then(answer, reject);
    });

  /** A host's latest snapshot by slug: at once when its actor runs, else started from Postgres. */
  const hostBySlug = (slug: string): MaybeNow<HostSnapshot> => {
    if (!SLUG.test(slug)) return notFound("host");
    const known = actors.peekSlug(slug);
    const running = known === undefined ? undefined : actors.peek(known);
    if (running !== undefined) return running;
    return run(Effect.flatMap(actors.hostIdOfSlug(slug), actors.snapshot));
  };

  const activeEventType = (snapshot: HostSnapshot, slug: string): Answer<Offering> => {
    const eventType = SLUG.test(slug) ? snapshot.eventTypeBySlug(slug) : undefined;
    return eventType !== undefined && eventType.active && snapshot.host.active ? { snapshot, eventType } : notFound("event type");
  };

  /** What `/:host/:event` offers: the host's snapshot and that active event type. */
  const offering = (hostSlug: string, eventSlug: string): MaybeNow<Offering> => {
    const host = hostBySlug(hostSlug);
    const pick = (s: Answer<HostSnapshot>) => (isBookingError(s) ? s : activeEventType(s, eventSlug));
    return host instanceof Promise ? host.then(pick) : pick(host);
  };

  /** The offering at one of its lengths (`d` of a link); a length it does not offer shows its first. */
  const atLength = (offer: Offering, minutes: string | null): Offering => {
    const sized = minutes === null ? undefined : withDuration(offer.eventType, Number(minutes));
    return sized === undefined ? offer : { ...offer, eventType: sized };
  };

  /** A live hold by its token, when it is for this offering (its event type and length). */
  const heldFor = (offer: Offering, token: string | null) => {
    const held = token === null ? undefined : offer.snapshot.holds.get(token);
    return held !== undefined && holdIsFor(held, offer.eventType) ? held : undefined;
  };

  /** The event types a host offers, by title. */
  const offeredEventTypes = (snapshot: HostSnapshot): EventType[] =>
    [...snapshot.eventTypes.values()].filter((e) => e.active && snapshot.host.active).sort((a, b) => a.title.localeCompare(b.title));

  /** Every host and what it offers, for the front page. */
  const listing = () =>
    run(
      Effect.gen(function* () {
        const repo = yield* HostRepository;
        const hosts = yield* repo.listHosts;
        const eventTypes = yield* repo.listEventTypes(hosts.map((h) => h.id));
        return hosts.map((host: Host) => ({ host, eventTypes: eventTypes.filter((e) => e.hostId === host.id) }));
      }),
    );

  /** The latest snapshot of a running host (a refusal is re-shown against it). */
  const latest = (snapshot: HostSnapshot): HostSnapshot => actors.peek(snapshot.host.id) ?? snapshot;

  /** Holds a time at the length asked (as posted: the actor refuses one not offered), else the first. */
  const hold = (offer: Offering, start: number, visitor: { readonly id: string; readonly address: string | null }, durationMinutes?: number) =>
    ask(
      offer.snapshot.host.id,
      new Hold({ eventTypeId: offer.eventType.id, start, visitor: visitor.id, address: visitor.address, ...(durationMinutes === undefined ? {} : { durationMinutes }) }, DECODED),
    );

  /** Lets a held time go at once (the invitee went back, or left the page). */
  const release = (offer: Offering, token: string) => ask(offer.snapshot.host.id, new Release({ token }, DECODED));

  /** Keeps a hold alive for another lease while its page is open; false when it is gone. */
  const renew = (offer: Offering, token: string) => ask(offer.snapshot.host.id, new Renew({ token }, DECODED));

  /**
   * Books a time. A hold that ran out (or was lost) is no refusal: the actor checks the time
   * itself, in the same trip, for the form and the API alike.
   */
  const book = async (r: BookRequest): Promise<Answer<Booking>> => {
    const message = new Book(
      {
        eventTypeId: r.eventTypeId,
        start: r.start,
        invitee: r.invitee,
        answers: r.note === "" ? r.answers : { ...r.answers, [NOTE]: r.note },
        idempotencyKey: r.idempotencyKey,
        holdToken: r.holdToken,
        visitor: r.visitor,
        ...(r.durationMinutes === undefined ? {} : { durationMinutes: r.durationMinutes }),
      },
      DECODED,
    );
    const known = actors.peekEventTypeHost(r.eventTypeId);
    const hostId = known ?? (await run(actors.hostIdOfEventType(r.eventTypeId)));
    const answer = isBookingError(hostId) ? hostId : await ask(hostId, message);
    recordBooking(isBookingError(answer) ? { refused: answer._tag } : { status: answer.status });
    return answer;
  };

  /** A booking by its manage token; an unknown token is a 404 that says nothing more. */
  const byManageToken = (token: string): Promise<Answer<ManagedBooking>> => {
    if (!MANAGE_TOKEN.test(token)) return Promise.resolve(notFound("booking"));
    return run(
      Effect.gen(function* () {
        const booking = yield* (yield* BookingRepository).findByManageToken(token);
        if (booking === undefined) return yield* notFound("booking");
        const snapshot = yield* actors.snapshot(booking.hostId);
        const eventType = snapshot.eventTypes.get(booking.eventTypeId);
        if (eventType === undefined) return yield* notFound("booking");
        return { booking, snapshot, eventType: asBooked(eventType, booking) };
      }),
    );
  };

  /** The host a bearer token speaks for and what it may do: a session may do anything, an API key what its scopes say. */
  const bearerOf = (bearer: string) =>
    isApiKey(bearer)
      ? Effect.flatMap(ApiKeyRepository, (r) => r.authenticate(bearer, deps.now()))
      : Effect.map(
          Effect.flatMap(HostSessionRepository, (r) => r.hostOfSession(bearer, deps.now())),
          (hostId) => (hostId === undefined ? undefined : { hostId, scopes: API_KEY_SCOPES }),
        );

  /** Write includes read: a key that may change things may look at them. */
  const allows = (scopes: ReadonlyArray<ApiKeyScope>, need: ApiKeyScope) => scopes.includes(need) || scopes.includes("write");

  const outOfScope = (need: ApiKeyScope) =>
    new Unauthorized({ message: `This API key may not ${need}: make a key with the ${need} scope on your API keys page.` });

  /** The host whose session or API key the request bears (undefined: none that works), when it may do what is needed. */
  const hostOfBearer = async (bearer: string | undefined, need: ApiKeyScope): Promise<Answer<HostId | undefined>> => {
    if (bearer === undefined) return undefined;
    const found = await run(bearerOf(bearer));
    if (found === undefined || isBookingError(found)) return found;
    return allows(found.scopes, need) ? found.hostId : outOfScope(need);
  };

  /**
   * Who may act on a booking by bearer token: its invitee (the manage token) or its host (a
   * session or an API key of that host, with the scope needed). Anyone else gets the same 404
   * as an unknown booking, after the same work: both lookups and the comparison run whether or
   * not the booking exists.
   */
  const actingByBearer = (id: string, bearer: string | undefined, need: ApiKeyScope): Promise<Answer<Acting>> => {
    if (bearer === undefined || !Schema.is(BookingId)(id)) return Promise.resolve(notFound("booking"));
    return run(
      Effect.gen(function* () {
        // Stryker disable next-line ObjectLiteral,StringLiteral: both lookups at once is speed only
        const [booking, host] = yield* Effect.all([(yield* BookingRepository).findById(id), bearerOf(bearer)], { concurrency: "unbounded" });
        const isInvitee = sameSecret(booking?.manageToken ?? UNKNOWN_TOKEN, bearer);
        if (booking !== undefined && isInvitee) return { booking, by: "invitee" as const };
        if (booking !== undefined && host?.hostId === booking.hostId) {
          return allows(host.scopes, need) ? { booking, by: "host" as const } : yield* outOfScope(need);
        }
        return yield* notFound("booking");
      }),
    );
  };

  /** One of a host's own bookings; another host's is the same 404 as an unknown one. */
  const hostsBooking = (hostId: HostId, id: string): Promise<Answer<Acting>> => {
    if (!Schema.is(BookingId)(id)) return Promise.resolve(notFound("booking"));
    return run(
      Effect.flatMap(BookingRepository, (repo) => repo.findById(id)).pipe(
        Effect.flatMap((booking) => (booking === undefined || booking.hostId !== hostId ? notFound("booking") : Effect.succeed({ booking, by: "host" as const }))),
      ),
    );
  };

  const cancel = (acting: Acting, reason: string | null) =>
    ask(acting.booking.hostId, new Cancel({ bookingId: acting.booking.id, by: acting.by, reason }, DECODED));

  /** The host confirms a pending booking of theirs. */
  const accept = (acting: Acting) =>
    acting.by === "host" ? ask(acting.booking.hostId, new Accept({ bookingId: acting.booking.id }, DECODED)) : Promise.resolve(notFound("booking"));

  /** The host declines a pending booking of theirs; its time is free again. */
  const decline = (acting: Acting, reason: string | null) =>
    acting.by === "host" ? ask(acting.booking.hostId, new Decline({ bookingId: acting.booking.id, reason }, DECODED)) : Promise.resolve(notFound("booking"));

  const reschedule = (acting: Acting, start: number, reason: string | null = null) =>
    ask(acting.booking.hostId, new Reschedule({ bookingId: acting.booking.id, start, by: acting.by, reason }, DECODED));

  const sessions = <A, E>(f: (repo: HostSessionRepository) => Effect.Effect<A, E>) => run(Effect.flatMap(HostSessionRepository, f));

  /** The host a session token belongs to, while it is current. */
  const hostOfSession = (token: string | undefined): Promise<Answer<HostId | undefined>> =>
    token === undefined ? Promise.resolve(undefined) : sessions((r) => r.hostOfSession(token, deps.now()));

  /** The host a sign-in link is for, while it is unused and fresh (looking does not use it up). */
  const signInLinkHost = async (token: string): Promise<Answer<HostSnapshot | undefined>> => {
    const hostId = await sessions((r) => r.hostOfSignInLink(token, deps.now()));
    if (hostId === undefined || isBookingError(hostId)) return hostId;
    return run(actors.snapshot(hostId));
  };

  /**
   * Uses up a sign-in link; `device` names where the session was started (shown in the host's
   * session list). With `retryToken` (derived from the request's Idempotency-Key) the session
   * gets that token, and a retry of the same request while the link is fresh gets the same
   * session back instead of a refusal; nothing secret is kept for it.
   */
  const signIn = async (token: string, device: string, retryToken?: string) => {
    const started = await sessions((r) => r.redeemSignInLink(token, deps.now(), device, retryToken));
    if (started !== undefined || retryToken === undefined) return started;
    return sessions((r) => r.sessionOfRetry(token, retryToken, deps.now()));
  };

  const signOut = (token: string | undefined): Promise<Answer<void>> =>
    token === undefined ? Promise.resolve(undefined) : sessions((r) => r.endSession(token, deps.now()));

  const hostSnapshot = (hostId: HostId) => run(actors.snapshot(hostId));

  /** The host's mail that could not be delivered (dead notices), newest first. */
  const undeliveredNotices = (hostId: HostId) => run(Effect.flatMap(DeliveryRepository, (r) => r.undelivered(hostId)));

  const webhooks = <A, E>(f: (repo: WebhookRepository) => Effect.Effect<A, E>) => run(Effect.flatMap(WebhookRepository, f));

  /** The host's webhooks, secrets included (the host verifies signatures with them). */
  const listWebhooks = (hostId: HostId) => webhooks((r) => r.list(hostId));

  /** Registers a webhook with a fresh secret; a URL that cannot be one is refused with why. */
  const addWebhook = async (hostId: HostId, url: string, events: ReadonlyArray<WebhookEvent>): Promise<Answer<Webhook>> => {
    const problem = webhookUrlProblem(url, deps.webhookAllowPrivate);
    if (problem !== undefined) return new InvalidInput({ field: "url", message: problem });
    if (events.length === 0) return new InvalidInput({ field: "events", message: "must name at least one event" });
    const existing = await listWebhooks(hostId);
    if (isBookingError(existing)) return existing;
    if (existing.length >= MAX_WEBHOOKS) return new InvalidInput({ field: "url", message: `a host may have at most ${MAX_WEBHOOKS} webhooks` });
    return webhooks((r) => r.add(hostId, url, [...new Set(events)], randomBytes(32).toString("base64url")));
  };

  const removeWebhook = async (hostId: HostId, id: string): Promise<Answer<void>> => {
    if (!Schema.is(Schema.UUID)(id)) return notFound("webhook");
    const removed = await webhooks((r) => r.remove(hostId, id));
    return removed === true ? undefined : isBookingError(removed) ? removed : notFound("webhook");
  };

  /** Sends a signed `ping` to one of the host's webhooks now, and says how it answered. */
  const testWebhook = async (hostId: HostId, id: string): Promise<Answer<{ readonly delivered: boolean; readonly detail: string }>> => {
    if (!Schema.is(Schema.UUID)(id)) return notFound("webhook");
    const webhook = await webhooks((r) => r.find(hostId, id));
    if (isBookingError(webhook)) return webhook;
    if (webhook === undefined) return notFound("webhook");
    const at = deps.now();
    const delivery = `ping-${randomBytes(8).toString("hex")}`;
    const body = JSON.stringify({ id: delivery, type: "ping", createdAt: new Date(at).toISOString(), data: { webhookId: webhook.id } });
    const sent = await Effect.runPromise(Effect.either(postWebhook(deps.webhookAgent, webhook.url, webhook.secret, "ping", delivery, body, at)));
    return sent._tag === "Right" ? { delivered: true, detail: "answered 2xx" } : { delivered: false, detail: sent.left.reason };
  };

  const meetingsRepo = <A, E>(f: (repo: MeetingsRepository) => Effect.Effect<A, E>) => run(Effect.flatMap(MeetingsRepository, f));

  /** One page of the host's meetings matching the query, with notes and history. */
  const meetings = (hostId: HostId, query: MeetingQuery, pageSize: number, page: number) =>
    meetingsRepo((r) => r.list(hostId, query, deps.now(), pageSize, pageSize * page));

  /** Every matching meeting (up to `limit`), for a CSV export. */
  const exportMeetings = (hostId: HostId, query: MeetingQuery, limit: number) => meetingsRepo((r) => r.all(hostId, query, deps.now(), limit));

  /** The host's private note and no-show mark on one of their own meetings; another host's is a 404. */
  const keepMeetingNote = async (hostId: HostId, id: string, note: string, noShow: boolean): Promise<Answer<void>> => {
    if (!Schema.is(BookingId)(id)) return notFound("booking");
    if (note.length > 5000 || note.includes("\u0000") || !note.isWellFormed()) return new InvalidInput({ field: "note", message: "Note must be at most 5000 characters of text" });
    const kept = await meetingsRepo((r) => r.keepNote(hostId, id, note, noShow));
    return kept === true ? undefined : isBookingError(kept) ? kept : notFound("booking");
  };

  /** A page of the host's meetings after a cursor (see MeetingsRepository.pageAfter). */
  const meetingsAfter = (hostId: HostId, query: MeetingQuery, limit: number, after: { readonly start: number; readonly id: string } | null) =>
    meetingsRepo((r) => r.pageAfter(hostId, query, deps.now(), limit, after));

  /** Whether the invitee of one of the host's own meetings came; another host's is a 404. */
  const markNoShow = async (acting: Acting, noShow: boolean): Promise<Answer<void>> => {
    if (acting.by !== "host") return notFound("booking");
    const marked = await meetingsRepo((r) => r.markNoShow(acting.booking.hostId, acting.booking.id, noShow));
    return marked === true ? undefined : isBookingError(marked) ? marked : notFound("booking");
  };

  /**
   * Does the work once per Idempotency-Key of a host: the first request claims the key and its
   * answer is kept; a retry with the same request gets that answer again, one with another
   * request `IdempotencyKeyReused`, one while the first is still working `RequestInProgress`.
   * An answer the server could not give (5xx, a defect) lets the key go, so a retry tries again.
   */
  const idempotent = async (hostId: HostId, key: string, digest: string, work: () => Promise<KeptAnswer>): Promise<Answer<KeptAnswer>> => {
    const keys = <A, E>(f: (repo: IdempotencyRepository) => Effect.Effect<A, E>) => run(Effect.flatMap(IdempotencyRepository, f));
    const held = await keys((r) => r.claim(hostId, key, digest, deps.now()));
    if (isBookingError(held)) return held;
    if (held !== "claimed") {
      if (held.requestDigest !== digest) return new IdempotencyKeyReused();
      // Stryker disable next-line LogicalOperator,ConditionalExpression: status and body are kept together, so either tells
      return held.status === null || held.body === null ? new RequestInProgress() : { status: held.status, body: held.body, location: held.location };
    }
    const answer = await work().catch(async (defect: unknown) => {
      await keys((r) => r.release(hostId, key));
      throw defect;
    });
    // The work is done: its answer goes back even if it could not be kept (a retry within a
    // minute is then told the request is in progress; only a later one would do it again).
    await keys((r) => (answer.status >= 500 ? r.release(hostId, key) : r.keep(hostId, key, answer)).pipe(Effect.tapError((e) => Effect.logError("idempotency key not kept", e))));
    return answer;
  };

  /** The local mailbox (mail kept when no SMTP_URL is set), newest first. */
  const mailbox = () => run(Effect.flatMap(DeliveryRepository, (r) => r.mailbox(200)));

  const mailboxMessage = async (id: string) => {
    if (!/^[1-9]\d{0,17}$/.test(id)) return notFound("page");
    const found = await run(Effect.flatMap(DeliveryRepository, (r) => r.mailboxMessage(id)));
    return found === undefined ? notFound("page") : found;
  };

  /** Queues one of the host's dead notices again; another host's (or no) notice is a 404. */
  const retryNotice = async (hostId: HostId, id: string): Promise<Answer<void>> => {
    if (!/^[1-9]\d{0,17}$/.test(id)) return notFound("notice");
    const retried = await run(Effect.flatMap(DeliveryRepository, (r) => r.retry(hostId, id)));
    return retried === true ? undefined : isBookingError(retried) ? retried : notFound("notice");
  };

  return {
    offering,
    atLength,
    heldFor,
    hostBySlug,
    offeredEventTypes,
    listing,
    latest,
    hold,
    release,
    renew,
    book,
    byManageToken,
    actingByBearer,
    hostsBooking,
    cancel,
    accept,
    decline,
    reschedule,
    hostOfSession,
    hostOfBearer,
    signInLinkHost,
    signIn,
    signOut,
    hostSnapshot,
    undeliveredNotices,
    retryNotice,
    meetings,
    exportMeetings,
    meetingsAfter,
    markNoShow,
    idempotent,
    keepMeetingNote,
    ...makeApiKeys({ run, now: deps.now }),
    ...makeHostSetup({ actors, run, ask, now: deps.now, sendMail: deps.sendMail, mailSettings: deps.mailSettings, signupOpen: deps.signupOpen }),
    mailbox,
    mailboxMessage,
    listWebhooks,
    addWebhook,
    removeWebhook,
    testWebhook,
  };
};

export type BookingContext = ReturnType<typeof makeBookingContext>;

/** Compares secrets in time that does not depend on where they differ. */
export const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};
