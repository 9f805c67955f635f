import { SqlClient } from "@effect/sql/SqlClient";
import { Context, Effect, Exit, Layer, Option, Redacted, Runtime } from "effect";
import { HostActors } from "../actors/HostActors.ts";
import { AppConfig } from "../AppConfig.ts";
import { HostChanges } from "../live/HostChanges.ts";
import { InvalidInput, NotFound, RateLimited, Unauthorized } from "../domain/errors.ts";
import { ErrorPage } from "../views/ErrorPage.tsx";
import { loadAssets } from "./assets.ts";
import { clientAddress, isLocalRequest, peerAddress } from "./clientAddress.ts";
import {
  BodyAborted,
  BodyTooLarge,
  MalformedPath,
  MAX_BODY_BYTES,
  receive,
  respond,
  statusLine,
  watchAbort,
  type ExchangeState,
  type Reply,
  type Request,
} from "./exchange.ts";
import { installHostLiveRoute, installLiveRoute, LiveAudience, relayChanges, type LiveSocket } from "./live.ts";
import { logEvent, logs, setLogFormat, setLogLevel } from "./log.ts";
import { metricsReply, startMetrics } from "./metrics.ts";
import { rateLimited, recordRequest } from "../ops/metrics.ts";
import { DeliveryRepository } from "../persistence/DeliveryRepository.ts";
import { PayloadTooLarge, type AppError } from "./problems.ts";
import { ReadCache } from "./readCache.ts";
import { makePageViews } from "./pageViews.ts";
import { makeRequestLimits, type LimitKind, type RequestLimits } from "./requestLimits.ts";
import { apiRoutes, problemReply } from "./routes/api.ts";
import { bookingPageRoutes } from "./routes/bookingPages.ts";
import { eventPageRoutes } from "./routes/eventPages.ts";
import { hostPageRoutes } from "./routes/hostPages.ts";
import { asCheck, hostSetupRoutes } from "./routes/hostSetupPages.ts";
import { apiKeyPages } from "./routes/apiKeyPages.ts";
import { hostApiRoutes } from "./routes/hostApi.ts";
import { apiDocRoutes } from "./routes/apiDocs.ts";
import { hostMeetingsRoutes } from "./routes/hostMeetingsPages.ts";
import { mailboxRoutes } from "./routes/mailbox.ts";
import { Pressure } from "../notify/DeliveryWorker.ts";
import { makeWebhookAgent } from "../notify/webhooks.ts";
import { beginPage, errorPage } from "./routes/pageSupport.ts";
import { withSecurityHeaders } from "./securityHeaders.ts";
import { sameSecret } from "../booking/BookingContext.ts";
import { browserZoneIn, chosenLanguageIn } from "./session.ts";
import { ENGLISH } from "../i18n/language.ts";
import { nativeUws, type UwsRequest, type UwsResponse, type WebSocket } from "./uws.ts";
import { html, json, type Handler, type Web } from "./web.ts";
import { makeBookingContext, type BookingServices } from "../booking/BookingContext.ts";
import { Mailer } from "../notify/Mailer.ts";
import { pendingMigrations } from "../persistence/migrations.ts";

export interface HttpServerShape {
  readonly port: number;
  readonly url: string;
  /** Every route registered, as registered (the OpenAPI test checks the API's are documented). */
  readonly routes: ReadonlyArray<{ readonly method: string; readonly pattern: string }>;
}

/** The running server: the port it listens on (PORT=0 picks a free one, as tests do). */
export class HttpServer extends Context.Tag("rendezvous/HttpServer")<HttpServer, HttpServerShape>() {}

type Method = "get" | "post" | "put" | "patch" | "del" | "any";

interface Route {
  readonly method: Method;
  readonly pattern: string;
  readonly handler: Handler;
  /** Replies carrying a validity are kept and reused for identical requests (see ReadCache). */
  readonly cacheable?: boolean;
  /** The per-address allowance a request spends (none: assets, health). */
  readonly limit?: LimitKind;
  /** Reads the client's address even when limits are off. */
  readonly addressed?: boolean;
}

/** uSockets' LIBUS_LISTEN_EXCLUSIVE_PORT: listen without SO_REUSEPORT. */
const LISTEN_EXCLUSIVE_PORT = 1;
/** How long a stopping server waits for requests it already received. */
const GRACE_MS = 10_000;
/**
 * Keep-alive connections that stay quiet this long after the last request are closed. Closing
 * an idle connection races a client that is just sending on it (HTTP/1.1 cannot announce it),
 * so the window is generous: a client that had the connection in use sends within it.
 */
const QUIET_MS = 1_000;

/**
 * Readiness (`/health/ready`, and `/health` as before): the database answers, every migration
 * this build ships is applied, and the server is not draining. 503 with `Retry-After` otherwise.
 */
const readiness =
  (run: <A, E>(effect: Effect.Effect<A, E, SqlClient>) => Promise<Exit.Exit<A, E>>, limits: RequestLimits, draining: () => boolean) =>
  async (): Promise<Reply> => {
    const started = performance.now();
    const exit = await run(pendingMigrations.pipe(Effect.timeout("2 seconds")));
    const database = exit._tag === "Success";
    const pending = database ? exit.value : undefined;
    const ok = database && pending === 0 && !draining();
    return json(
      ok ? 200 : 503,
      {
        status: ok ? "ok" : "degraded",
        database: database ? "ok" : "unavailable",
        databaseLatencyMs: Math.round((performance.now() - started) * 100) / 100,
        migrations: pending === undefined ? "unknown" : pending === 0 ? "applied" : `${pending} pending`,
        draining: draining(),
        rateLimits: limits.enabled ? "on" : "off",
      },
      ok ? [] : [["Retry-After", "5"]],
    );
  };

let requests = 0;
const processTag = Math.random().toString(36).slice(2, 8);

/** The caller's `X-Request-Id` when it is a sane one, else one of ours (made only when a line is logged). */
const requestIdOf = (r: Request | undefined) => {
  const given = r?.headers.get("x-request-id");
  return given !== undefined && /^[\w.:-]{1,100}$/.test(given) ? given : `${processTag}-${++requests}`;
};

/** Liveness (`/health/live`): the process answers; nothing else is asked. */
const liveness = (): Reply => json(200, { status: "ok" });

/**
 * uWebSockets.js serving pages, assets, the JSON API and live WebSockets from one port,
 * through a small route table of our own. Reads render from actor snapshots; writes run
 * Effect programs on the app runtime. Closing the scope stops accepting, answers every request
 * already received (each reply then closes its connection), ends every socket (code 1001, so
 * pages reconnect elsewhere), and only then lets the actors stop.
 */
export const HttpServerLive = Layer.scoped(
  HttpServer,
  Effect.gen(function* () {
    const uws = nativeUws();
    const config = yield* AppConfig;
    setLogLevel(config.logLevel);
    setLogFormat(config.logFormat);
    const runtime = yield* Effect.runtime<BookingServices | SqlClient>();
    const run = <A, E>(effect: Effect.Effect<A, E, BookingServices | SqlClient>) => Runtime.runPromiseExit(runtime)(effect);
    const actors = yield* HostActors;
    const mailer = yield* Mailer;
    const now = () => Date.now();
    yield* Effect.sync(startMetrics);
    const webhookAgent = yield* Effect.acquireRelease(
      Effect.sync(() => makeWebhookAgent(config.webhookAllowPrivate)),
      (agent) => Effect.promise(() => agent.close()),
    );
    const web: Web = {
      config,
      secret: Redacted.value(config.secret),
      booking: makeBookingContext({
        actors,
        run,
        now,
        webhookAgent,
        webhookAllowPrivate: config.webhookAllowPrivate,
        sendMail: (mail) => {
          void run(mailer.send(mail).pipe(Effect.tapError((e) => Effect.logWarning("account mail not sent").pipe(Effect.annotateLogs({ messageId: mail.messageId, reason: e.reason })))));
        },
        mailSettings: { publicUrl: config.publicUrl, mailFrom: config.mailFrom },
        signupOpen: config.signup === "open",
      }),
      views: makePageViews(),
      assets: loadAssets(),
      now,
    };
    const limits = yield* makeRequestLimits(config);
    const app = uws.App();
    const sockets = new Set<WebSocket<LiveSocket>>();
    // Shared with the delivery worker, which waits while many requests are in flight.
    const pressure = yield* Pressure;
    let draining = false;
    let lastArrival = 0;

    const readCache = new ReadCache((hostId) => actors.peek(hostId)?.version);

    /** Everything a cacheable read's reply depends on, read straight from the raw request (cookies parsed as the page parses them). */
    const readKey = (req: UwsRequest) => {
      const zone = browserZoneIn(req.getHeader("cookie")) ?? "";
      const language = chosenLanguageIn(req.getHeader("cookie")) ?? "";
      const gzip = req.getHeader("accept-encoding").includes("gzip") ? "gz" : "";
      return `${req.getUrl()}?${req.getQuery() ?? ""}|${gzip}|${req.getHeader("accept-language")}|${zone}|${language}`;
    };

    /** A refusal at the edge, in the channel's own form: problem+json for the API, a page for the rest. */
    const edgeReply = (api: boolean, error: AppError): Reply =>
      api ? problemReply(web, error) : errorPage({ assets: web.assets.urls, csrf: "", visitor: "", language: ENGLISH }, error);

    const internalError = (api: boolean): Reply =>
      api
        ? json(500, { type: `${config.publicUrl}/problems/internal`, title: "Internal error", status: 500, detail: "Something went wrong on our side and nothing was changed." })
        : html(
            500,
            ErrorPage({
              page: { assets: web.assets.urls, csrf: "", visitor: "", language: ENGLISH },
              title: "Something went wrong",
              message: "Something went wrong on our side and nothing was changed. Please try again.",
            }) as string,
          );

    const register = ({ method, pattern, handler, cacheable, limit, addressed }: Route) => {
      const paramCount = (pattern.match(/:/g) ?? []).length;
      const api = pattern.startsWith("/api/");
      app[method](pattern, (res, req) => {
        const state = watchAbort(res);
        lastArrival = performance.now();
        pressure.arrived();
        try {
          serve(res, req, state, { pattern, api, paramCount, handler, cacheable, limit, addressed: addressed === true, withBody: method !== "get" });
        } catch (error) {
          // Whatever a request does, it must not stop the server; it gets an answer if it has none yet.
          logEvent("error", "request failed", { error: String(error) });
          try {
            respond(res, state, undefined, withSecurityHeaders(internalError(api)), true, draining);
          } catch {
            // Already answered (or gone) before the failure: nothing more to say.
          }
        }
      });
    };

    interface RouteOptions {
      /** As registered (`/booking/:token`): what the request log names, never the path itself. */
      readonly pattern: string;
      readonly api: boolean;
      readonly paramCount: number;
      readonly handler: Handler;
      readonly cacheable: boolean | undefined;
      readonly limit: LimitKind | undefined;
      readonly addressed: boolean;
      readonly withBody: boolean;
    }

    const serve = (res: UwsResponse, req: UwsRequest, state: ExchangeState, route: RouteOptions) => {
      // The uWS request is gone once this handler returns: what the metrics need is read now.
      const method = req.getMethod().toUpperCase();
      const started = performance.now();
      const key = route.cacheable === true ? readKey(req) : undefined;
      const spending = route.limit !== undefined && limits.enabled;
      if (key !== undefined && !spending && !draining) {
        const cached = readCache.get(key, web.now());
        if (cached !== undefined) {
          res.writeStatus(statusLine(cached.status));
          for (const [k, v] of cached.headers) res.writeHeader(k, v);
          res.end(cached.body);
          recordRequest(method, route.pattern, cached.status, (performance.now() - started) / 1000);
          return;
        }
      }
      // Only limits and the loopback-only routes need the address; reading it costs every request a little.
      const address = spending || route.addressed ? clientAddress(peerAddress(res), req.getHeader("x-forwarded-for"), config.trustProxy) : "";
      const withBody = route.withBody && method !== "GET" && method !== "HEAD";
      let insideHandler = true;
      let settled = false;
      pressure.inFlight++;
      /** Answers once; `prepared` replies (from the read cache) carry their headers already. */
      const finish = (r: Request | undefined, reply: Reply, prepared = false) => {
        if (settled) return;
        settled = true;
        pressure.inFlight--;
        const final = prepared ? reply : withSecurityHeaders(reply);
        respond(res, state, r, final, insideHandler, draining);
        const seconds = (performance.now() - started) / 1000;
        recordRequest(method, route.pattern, reply.status, seconds);
        if (!prepared && key !== undefined && reply.validity !== undefined) readCache.set(key, final, reply.validity);
        const level = reply.status >= 500 ? "error" : r?.method === "GET" ? "debug" : "info";
        if (!logs(level)) return;
        // The route, not the path: paths can hold manage, sign-in and invitation tokens.
        logEvent(level, "request", { requestId: requestIdOf(r), method: r?.method, route: route.pattern, status: reply.status, ms: Math.round(seconds * 10_000) / 10 });
      };
      const fail = (r: Request | undefined, error: unknown) => {
        if (error instanceof BodyTooLarge) return finish(r, edgeReply(route.api, new PayloadTooLarge({ maxBytes: MAX_BODY_BYTES })));
        if (error instanceof BodyAborted) return finish(r, json(400, {}));
        logEvent("error", "request failed", { requestId: requestIdOf(r), route: route.pattern, error: String(error) });
        finish(r, internalError(route.api));
      };
      const handle = (r: Request) => {
        let reply: Reply | Promise<Reply>;
        try {
          reply = route.handler(r);
        } catch (error) {
          return fail(r, error);
        }
        // Reads from a snapshot answer at once, still inside the uWS handler; the rest later.
        if (!(reply instanceof Promise)) return finish(r, reply);
        reply.then((answer) => finish(r, answer), (error) => fail(r, error));
      };
      let request: Request | Promise<Request>;
      try {
        request = receive(res, req, state, route.paramCount, withBody, address);
      } catch (error) {
        if (error instanceof MalformedPath) finish(undefined, edgeReply(route.api, new InvalidInput({ field: "path", message: "is not valid percent-encoded UTF-8" })));
        else fail(undefined, error);
        insideHandler = false;
        return;
      }
      const allowed = spending ? limits.spend(route.limit!, address) : undefined;
      if (allowed === undefined && !(request instanceof Promise)) handle(request);
      insideHandler = false;
      if (allowed === undefined && !(request instanceof Promise)) return;
      Promise.all([request, allowed]).then(
        ([r, waitSeconds]) => {
          // With limits on, a cached read is still a cached read, once the allowance is spent.
          const cached = waitSeconds === undefined && key !== undefined ? readCache.get(key, web.now()) : undefined;
          if (cached !== undefined) return finish(r, cached, true);
          if (waitSeconds === undefined) return handle(r);
          rateLimited.unsafeUpdate(1, []);
          finish(r, edgeReply(route.api, new RateLimited({ retryAfterSeconds: waitSeconds })));
        },
        (error) => fail(undefined, error),
      );
    };

    /** Operators' counters: for this machine's own tools, or anyone holding METRICS_TOKEN. */
    const metrics = async (request: Request): Promise<Reply> => {
      const bearer = /^Bearer (\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
      const token = Option.getOrUndefined(config.metricsToken);
      const allowed = isLocalRequest(request) || (token !== undefined && bearer !== undefined && sameSecret(bearer, Redacted.value(token)));
      if (!allowed) return problemReply(web, new Unauthorized({ message: "Metrics are served to this machine, or with the bearer token METRICS_TOKEN." }));
      const outbox = await run(Effect.flatMap(DeliveryRepository, (d) => d.backlog).pipe(Effect.timeout("2 seconds")));
      return metricsReply({
        server: { sockets: sockets.size, inFlight: pressure.inFlight, readCacheBytes: readCache.size },
        actors: actors.gauges(),
        outbox: Exit.isSuccess(outbox) ? outbox.value : undefined,
      });
    };

    const pages = eventPageRoutes(web);
    const bookings = bookingPageRoutes(web);
    const api = apiRoutes(web);
    const ready = readiness(run, limits, () => draining);
    const hostPages = hostPageRoutes(web);
    const setup = hostSetupRoutes(web);
    const keys = apiKeyPages(web);
    const hostApi = hostApiRoutes(web);
    const apiDocs = apiDocRoutes(web);
    const hostMeetings = hostMeetingsRoutes(web);
    const mailbox = mailboxRoutes(web);
    const notFound = (request: Request) => errorPage(beginPage(web, request).page, new NotFound({ what: "page" }));
    const routes: Route[] = [
      { method: "get", pattern: "/health", handler: ready },
      { method: "get", pattern: "/health/ready", handler: ready },
      { method: "get", pattern: "/health/live", handler: liveness },
      { method: "get", pattern: "/metrics", handler: metrics, addressed: true },
      { method: "get", pattern: "/mailbox", handler: mailbox.list, addressed: true, limit: "read" },
      { method: "get", pattern: "/mailbox/:id", handler: mailbox.page, addressed: true, limit: "read" },
      { method: "get", pattern: "/mailbox/:id/html", handler: mailbox.html, addressed: true, limit: "read" },
      { method: "get", pattern: "/mailbox/:id/invite.ics", handler: mailbox.ics, addressed: true, limit: "read" },
      { method: "get", pattern: "/mailbox/:id/message.eml", handler: mailbox.eml, addressed: true, limit: "read" },
      { method: "get", pattern: "/assets/*", handler: (r) => web.assets.serve(r) ?? notFound(r) },
      { method: "get", pattern: "/embed.js", handler: (r) => web.assets.serve(r) ?? notFound(r) },
      { method: "get", pattern: "/", handler: pages.home, limit: "read" },
      { method: "get", pattern: "/api/v1/openapi.json", handler: apiDocs.openApi, limit: "read" },
      { method: "get", pattern: "/api/v1/docs", handler: apiDocs.docs, limit: "read" },
      { method: "get", pattern: "/api/v1/hosts/:host/event-types/:event/slots", handler: api.slots, limit: "read" },
      { method: "post", pattern: "/api/v1/bookings", handler: api.book, limit: "book" },
      { method: "get", pattern: "/api/v1/bookings/:id", handler: api.get, limit: "read" },
      { method: "post", pattern: "/api/v1/bookings/:id/cancel", handler: api.cancel, limit: "change" },
      { method: "post", pattern: "/api/v1/bookings/:id/reschedule", handler: api.reschedule, limit: "change" },
      { method: "post", pattern: "/api/v1/bookings/:id/accept", handler: api.accept, limit: "change" },
      { method: "post", pattern: "/api/v1/bookings/:id/decline", handler: api.decline, limit: "change" },
      { method: "post", pattern: "/api/v1/bookings/:id/no-show", handler: api.noShow, limit: "change" },
      { method: "post", pattern: "/api/v1/host/sessions", handler: api.startHostSession, limit: "change" },
      { method: "get", pattern: "/api/v1/host/webhooks", handler: api.listWebhooks, limit: "read" },
      { method: "post", pattern: "/api/v1/host/webhooks", handler: api.addWebhook, limit: "change" },
      { method: "del", pattern: "/api/v1/host/webhooks/:id", handler: api.removeWebhook, limit: "change" },
      { method: "get", pattern: "/api/v1/host", handler: hostApi.profile, limit: "read" },
      { method: "get", pattern: "/api/v1/host/bookings", handler: hostApi.listBookings, limit: "read" },
      { method: "get", pattern: "/api/v1/host/event-types", handler: hostApi.listEventTypes, limit: "read" },
      { method: "post", pattern: "/api/v1/host/event-types", handler: hostApi.createEventType, limit: "change" },
      { method: "get", pattern: "/api/v1/host/event-types/:id", handler: hostApi.getEventType, limit: "read" },
      { method: "patch", pattern: "/api/v1/host/event-types/:id", handler: hostApi.updateEventType, limit: "change" },
      { method: "del", pattern: "/api/v1/host/event-types/:id", handler: hostApi.deleteEventType, limit: "change" },
      { method: "get", pattern: "/api/v1/host/availability", handler: hostApi.availability, limit: "read" },
      { method: "put", pattern: "/api/v1/host/availability/weekly", handler: hostApi.replaceWeeklyHours, limit: "change" },
      { method: "put", pattern: "/api/v1/host/availability/overrides/:date", handler: hostApi.setOverride, limit: "change" },
      { method: "get", pattern: "/api/v1/host/schedules", handler: hostApi.listSchedules, limit: "read" },
      { method: "post", pattern: "/api/v1/host/schedules", handler: hostApi.createSchedule, limit: "change" },
      { method: "put", pattern: "/api/v1/host/schedules/:id", handler: hostApi.replaceSchedule, limit: "change" },
      { method: "del", pattern: "/api/v1/host/schedules/:id", handler: hostApi.deleteSchedule, limit: "change" },
      { method: "del", pattern: "/api/v1/host/availability/overrides/:date", handler: hostApi.removeOverride, limit: "change" },
      { method: "any", pattern: "/api/*", handler: api.notFound, limit: "read" },
      { method: "get", pattern: "/booking/:token", handler: bookings.details, limit: "read" },
      { method: "get", pattern: "/booking/:token/meeting.ics", handler: bookings.ics, limit: "read" },
      { method: "post", pattern: "/booking/:token/cancel", handler: bookings.cancel, limit: "change" },
      { method: "get", pattern: "/booking/:token/reschedule", handler: bookings.reschedulePage, limit: "read" },
      { method: "post", pattern: "/booking/:token/reschedule/review", handler: bookings.rescheduleReview, limit: "read" },
      { method: "post", pattern: "/booking/:token/reschedule", handler: bookings.reschedule, limit: "change" },
      { method: "get", pattern: "/host", handler: hostPages.dashboard, limit: "read" },
      { method: "post", pattern: "/host/sign-in", handler: hostPages.emailSignInLink, limit: "change" },
      { method: "post", pattern: "/host/sign-up", handler: hostPages.signUp, limit: "change" },
      { method: "get", pattern: "/host/sign-in/:token", handler: hostPages.signInPage, limit: "read" },
      { method: "post", pattern: "/host/sign-in/:token", handler: hostPages.signIn, limit: "change" },
      { method: "post", pattern: "/host/bookings/:id/cancel", handler: hostPages.cancel, limit: "change" },
      { method: "post", pattern: "/host/bookings/:id/accept", handler: hostPages.accept, limit: "change" },
      { method: "post", pattern: "/host/bookings/:id/decline", handler: hostPages.decline, limit: "change" },
      { method: "post", pattern: "/host/notices/:id/retry", handler: hostPages.retryNotice, limit: "change" },
      { method: "post", pattern: "/host/webhooks", handler: hostPages.addWebhook, limit: "change" },
      { method: "post", pattern: "/host/webhooks/:id/delete", handler: hostPages.removeWebhook, limit: "change" },
      { method: "post", pattern: "/host/webhooks/:id/test", handler: hostPages.testWebhook, limit: "change" },
      { method: "get", pattern: "/host/bookings/:id/reschedule", handler: hostPages.reschedulePage, limit: "read" },
      { method: "post", pattern: "/host/bookings/:id/reschedule", handler: hostPages.reschedule, limit: "change" },
      { method: "get", pattern: "/host/meetings", handler: hostMeetings.list, limit: "read" },
      { method: "get", pattern: "/host/meetings.csv", handler: hostMeetings.csv, limit: "read" },
      { method: "post", pattern: "/host/bookings/:id/note", handler: hostMeetings.keepNote, limit: "change" },
      { method: "get", pattern: "/host/event-types", handler: setup.eventTypes, limit: "read" },
      { method: "get", pattern: "/host/preview", handler: setup.preview, limit: "read" },
      { method: "get", pattern: "/host/event-types/new", handler: setup.newEventType, limit: "read" },
      { method: "post", pattern: "/host/event-types", handler: setup.saveEventType, limit: "change" },
      // Inline validation on blur: the same handlers, which never save on these routes.
      { method: "post", pattern: "/host/event-types/check", handler: asCheck(setup.saveEventType), limit: "read" },
      { method: "post", pattern: "/host/event-types/:id/check", handler: asCheck(setup.saveEventType), limit: "read" },
      { method: "post", pattern: "/host/account/check", handler: asCheck(setup.saveProfile), limit: "read" },
      { method: "post", pattern: "/host/join/:token/check", handler: asCheck(setup.join), limit: "read" },
      { method: "get", pattern: "/host/event-types/:id", handler: setup.editEventType, limit: "read" },
      { method: "get", pattern: "/host/event-types/:id/duplicate", handler: setup.duplicateEventType, limit: "read" },
      { method: "post", pattern: "/host/event-types/:id/delete", handler: setup.deleteEventType, limit: "change" },
      { method: "post", pattern: "/host/event-types/:id", handler: setup.saveEventType, limit: "change" },
      { method: "get", pattern: "/host/availability", handler: setup.availability, limit: "read" },
      { method: "post", pattern: "/host/availability", handler: setup.saveWeeklyHours, limit: "change" },
      { method: "post", pattern: "/host/availability/overrides", handler: setup.saveOverride, limit: "change" },
      { method: "post", pattern: "/host/availability/overrides/:date/delete", handler: setup.removeOverride, limit: "change" },
      { method: "post", pattern: "/host/availability/schedules/:id/delete", handler: setup.deleteSchedule, limit: "change" },
      { method: "get", pattern: "/host/team", handler: setup.team, limit: "read" },
      { method: "get", pattern: "/host/account", handler: setup.account, limit: "read" },
      { method: "post", pattern: "/host/account", handler: setup.saveProfile, limit: "change" },
      { method: "post", pattern: "/host/account/agenda", handler: setup.saveAgenda, limit: "change" },
      { method: "post", pattern: "/host/account/listing", handler: setup.saveListing, limit: "change" },
      { method: "post", pattern: "/host/account/avatar", handler: setup.uploadAvatar, limit: "change" },
      { method: "post", pattern: "/host/account/avatar/delete", handler: setup.removeAvatar, limit: "change" },
      { method: "get", pattern: "/host/avatars/:slug", handler: setup.avatar, limit: "read" },
      { method: "post", pattern: "/host/sessions/end-all", handler: setup.endSessions, limit: "change" },
      { method: "post", pattern: "/host/sessions/:id/end", handler: setup.endSessions, limit: "change" },
      { method: "post", pattern: "/host/team/invitations", handler: setup.invite, limit: "change" },
      { method: "get", pattern: "/host/api-keys", handler: keys.list, limit: "read" },
      { method: "post", pattern: "/host/api-keys", handler: keys.create, limit: "change" },
      { method: "post", pattern: "/host/api-keys/:id/revoke", handler: keys.revoke, limit: "change" },
      { method: "post", pattern: "/host/team/:id/deactivate", handler: setup.deactivate, limit: "change" },
      { method: "post", pattern: "/host/team/:id/reactivate", handler: setup.reactivate, limit: "change" },
      { method: "post", pattern: "/host/team/:id/role", handler: setup.setMemberRole, limit: "change" },
      { method: "get", pattern: "/host/join/:token", handler: setup.joinPage, limit: "read" },
      { method: "post", pattern: "/host/join/:token", handler: setup.join, limit: "change" },
      { method: "post", pattern: "/host/sign-out", handler: hostPages.signOut, limit: "change" },
      { method: "get", pattern: "/:host", handler: pages.hostPage, limit: "read" },
      { method: "get", pattern: "/:host/:event", handler: pages.eventPage, limit: "read" },
      { method: "get", pattern: "/:host/:event/slots", handler: pages.daySlots, cacheable: true, limit: "read" },
      { method: "post", pattern: "/:host/:event/hold", handler: pages.hold, limit: "hold" },
      { method: "post", pattern: "/:host/:event/hold/renew", handler: pages.renew, limit: "read" },
      { method: "post", pattern: "/:host/:event/release", handler: pages.release, limit: "read" },
      { method: "get", pattern: "/:host/:event/book", handler: pages.bookForm, limit: "read" },
      { method: "post", pattern: "/:host/:event/book", handler: pages.book, limit: "book" },
      { method: "any", pattern: "/*", handler: notFound, limit: "read" },
    ];
    for (const route of routes) register(route);
    const audience = new LiveAudience();
    installLiveRoute(app, config.publicUrl, sockets, audience);
    installHostLiveRoute(app, config.publicUrl, sockets, web.booking.hostOfSession);

    const changes = yield* (yield* HostChanges).subscribe;
    yield* Effect.forkScoped(relayChanges(app, changes, audience, actors.peek));

    // Exclusive: a second server on the same port must fail to start, not quietly take a share of the requests.
    const listenSocket = yield* Effect.async<unknown, Error>((resume) => {
      (app.listen as unknown as (host: string, port: number, options: number, cb: (socket: unknown) => void) => void)(
        config.host,
        config.port,
        LISTEN_EXCLUSIVE_PORT,
        (socket) => {
          resume(
            socket
              ? Effect.succeed(socket)
              : Effect.fail(new Error(`could not listen on ${config.host}:${config.port}: the port is in use (is another Rendezvous running?) or not allowed`)),
          );
        },
      );
    });
    const port = uws.us_socket_local_port(listenSocket as never);
    yield* Effect.addFinalizer(() =>
      Effect.gen(function* () {
        uws.us_listen_socket_close(listenSocket as never);
        draining = true;
        for (const ws of [...sockets]) ws.end(1001, "server restarting");
        // Every reply now closes its connection; wait until nothing is in flight and keep-alive
        // connections have had a moment to send what they were about to.
        const deadline = performance.now() + GRACE_MS;
        while (performance.now() < deadline && (pressure.inFlight > 0 || performance.now() - lastArrival < QUIET_MS)) yield* Effect.sleep("20 millis");
        if (pressure.inFlight > 0) yield* Effect.logWarning("stopping with requests still unanswered").pipe(Effect.annotateLogs({ inFlight: pressure.inFlight }));
        (app as unknown as { close?: () => void }).close?.();
      }),
    );
    yield* Effect.logInfo("listening").pipe(Effect.annotateLogs({ port, rateLimits: limits.enabled ? "on" : "off" }));
    return { port, url: `http://127.0.0.1:${port}`, routes: routes.map(({ method, pattern }) => ({ method, pattern })) };
  }),
);
