import { SqlClient } from "@effect/sql/SqlClient";
import { Context, Effect, Layer, Redacted, Runtime } from "effect";
import { HostActors } from "../actors/HostActors.ts";
import { AppConfig } from "../AppConfig.ts";
import { HostChanges } from "../live/HostChanges.ts";
import { ErrorPage } from "../views/ErrorPage.tsx";
import { loadAssets } from "./assets.ts";
import { BodyTooLarge, receive, respond, statusLine, type Reply, type Request } from "./exchange.ts";
import { ReadCache } from "./readCache.ts";
import { installLiveRoute, LiveAudience, LiveMetrics, relayChanges, type LiveSocket } from "./live.ts";
import { logEvent, logs, setLogLevel } from "./log.ts";
import { apiRoutes } from "./routes/api.ts";
import { bookingPageRoutes } from "./routes/bookingPages.ts";
import { eventPageRoutes } from "./routes/eventPages.ts";
import { hostPageRoutes } from "./routes/hostPages.ts";
import { nativeUws, type UwsRequest, type WebSocket } from "./uws.ts";
import { NotFound } from "../domain/errors.ts";
import { beginPage, errorPage } from "./routes/pageSupport.ts";
import { html, json, type Handler, type Web, type WebServices } from "./web.ts";

export interface HttpServerShape {
  readonly port: number;
  readonly url: string;
}

/** The running server: the port it listens on (PORT=0 picks a free one, as tests do). */
export class HttpServer extends Context.Tag("rendezvous/HttpServer")<HttpServer, HttpServerShape>() {}

type Method = "get" | "post" | "any";

interface Route {
  readonly method: Method;
  readonly pattern: string;
  readonly handler: Handler;
  /** Replies carrying a validity are kept and reused for identical requests (see ReadCache). */
  readonly cacheable?: boolean;
}

const internalError = (web: Web): Reply =>
  html(
    500,
    ErrorPage({
      page: { assets: web.assets.urls, csrf: "" },
      title: "Something went wrong",
      message: "Something went wrong on our side and nothing was changed. Please try again.",
    }) as string,
  );

const health = (web: Web) => async (): Promise<Reply> => {
  const started = performance.now();
  const exit = await web.run(
    Effect.flatMap(SqlClient, (sql) => sql`SELECT 1`).pipe(Effect.timeout("2 seconds")),
  );
  const ok = exit._tag === "Success";
  return json(ok ? 200 : 503, {
    status: ok ? "ok" : "degraded",
    database: ok ? "ok" : "unavailable",
    databaseLatencyMs: Math.round((performance.now() - started) * 100) / 100,
  });
};

/** Prometheus text format: live fan-out and open connections, for operators and benchmarks. */
const metricsReply = (live: LiveMetrics, sockets: number, inFlight: number, readCacheBytes: number): Reply => ({
  status: 200,
  headers: [
    ["Content-Type", "text/plain; version=0.0.4"],
    ["Cache-Control", "no-store"],
  ],
  body: [
    "# HELP rendezvous_live_sockets Open live page WebSockets.",
    "# TYPE rendezvous_live_sockets gauge",
    `rendezvous_live_sockets ${sockets}`,
    "# HELP rendezvous_http_in_flight HTTP requests being answered.",
    "# TYPE rendezvous_http_in_flight gauge",
    `rendezvous_http_in_flight ${inFlight}`,
    "# HELP rendezvous_live_publish_seconds Time to hand one change's fragments to every subscriber of its host.",
    "# TYPE rendezvous_live_publish_seconds summary",
    `rendezvous_live_publish_seconds_sum ${live.publishSecondsSum}`,
    `rendezvous_live_publish_seconds_count ${live.publishes}`,
    `rendezvous_live_publish_seconds_max ${live.publishSecondsMax}`,
    `rendezvous_live_publish_seconds_last ${live.lastPublishSeconds}`,
    "# HELP rendezvous_live_last_fanout Subscribers the last change was published to.",
    "# TYPE rendezvous_live_last_fanout gauge",
    `rendezvous_live_last_fanout ${live.lastFanOut}`,
    "# HELP rendezvous_read_cache_bytes Bytes of replies kept for repeated slot-list reads.",
    "# TYPE rendezvous_read_cache_bytes gauge",
    `rendezvous_read_cache_bytes ${readCacheBytes}`,
    "",
  ].join("\n"),
});

/**
 * uWebSockets.js serving pages, assets, the JSON API and live WebSockets from one port,
 * through a small route table of our own. Reads render from actor snapshots; writes run
 * Effect programs on the app runtime. Closing the scope stops accepting, ends every socket
 * (code 1001, so pages reconnect elsewhere) and waits for in-flight requests.
 */
export const HttpServerLive = Layer.scoped(
  HttpServer,
  Effect.gen(function* () {
    const uws = nativeUws();
    const config = yield* AppConfig;
    setLogLevel(config.logLevel);
    const runtime = yield* Effect.runtime<WebServices | SqlClient>();
    const web: Web = {
      config,
      secret: Redacted.value(config.secret),
      actors: yield* HostActors,
      assets: loadAssets(),
      run: (effect) => Runtime.runPromiseExit(runtime)(effect),
      now: () => Date.now(),
    };
    const app = uws.App();
    const sockets = new Set<WebSocket<LiveSocket>>();
    let inFlight = 0;

    const readCache = new ReadCache((hostId) => web.actors.peek(hostId)?.version);

    /** Everything a cacheable read's reply depends on, read straight from the raw request. */
    const readKey = (req: UwsRequest) => {
      const cookie = req.getHeader("cookie");
      const zone = cookie.includes("rv_tz=") ? (/(?:^|;\s*)rv_tz=([^;]*)/.exec(cookie)?.[1] ?? "") : "";
      const gzip = req.getHeader("accept-encoding").includes("gzip") ? "gz" : "";
      return `${req.getUrl()}?${req.getQuery() ?? ""}|${gzip}|${req.getHeader("accept-language")}|${zone}`;
    };

    const register = ({ method, pattern, handler, cacheable }: Route) => {
      const paramCount = (pattern.match(/:/g) ?? []).length;
      app[method](pattern, (res, req) => {
        const key = cacheable === true ? readKey(req) : undefined;
        if (key !== undefined) {
          const cached = readCache.get(key, web.now());
          if (cached !== undefined) {
            res.writeStatus(statusLine(cached.status));
            for (const [k, v] of cached.headers) res.writeHeader(k, v);
            res.end(cached.body);
            return;
          }
        }
        const withBody = method !== "get" && req.getMethod() !== "get" && req.getMethod() !== "head";
        const { request, state } = receive(res, req, paramCount, withBody);
        const started = performance.now();
        inFlight++;
        let insideHandler = true;
        const finish = (r: Request | undefined, reply: Reply) => {
          inFlight--;
          respond(res, state, r, reply, insideHandler);
          if (key !== undefined && reply.validity !== undefined) readCache.set(key, reply, reply.validity);
          const level = reply.status >= 500 ? "error" : r?.method === "GET" ? "debug" : "info";
          if (!logs(level)) return;
          logEvent(level, "request", {
            method: r?.method,
            path: r?.path,
            status: reply.status,
            ms: Math.round((performance.now() - started) * 10) / 10,
          });
        };
        const handle = (r: Request) => {
          let reply: Reply | Promise<Reply>;
          try {
            reply = handler(r);
          } catch (error) {
            logEvent("error", "request failed", { path: r.path, error: String(error) });
            reply = internalError(web);
          }
          // Reads from a snapshot answer at once, still inside the uWS handler; the rest later.
          if (!(reply instanceof Promise)) return finish(r, reply);
          reply.then(
            (answer) => finish(r, answer),
            (error) => {
              logEvent("error", "request failed", { path: r.path, error: String(error) });
              finish(r, internalError(web));
            },
          );
        };
        if (!(request instanceof Promise)) handle(request);
        insideHandler = false;
        if (request instanceof Promise) {
          request.then(handle, (error) =>
            finish(undefined, error instanceof BodyTooLarge ? json(413, { error: "body too large" }) : internalError(web)),
          );
        }
      });
    };

    const pages = eventPageRoutes(web);
    const bookings = bookingPageRoutes(web);
    const api = apiRoutes(web);
    const hostPages = hostPageRoutes(web);
    const notFound = (request: Request) => errorPage(beginPage(web, request).page, new NotFound({ what: "page" }));
    const routes: Route[] = [
      { method: "get", pattern: "/health", handler: health(web) },
      { method: "get", pattern: "/metrics", handler: () => metricsReply(liveMetrics, sockets.size, inFlight, readCache.size) },
      { method: "get", pattern: "/assets/*", handler: (r) => web.assets.serve(r) ?? notFound(r) },
      { method: "get", pattern: "/", handler: pages.home },
      { method: "get", pattern: "/api/v1/hosts/:host/event-types/:event/slots", handler: api.slots },
      { method: "post", pattern: "/api/v1/bookings", handler: api.book },
      { method: "get", pattern: "/api/v1/bookings/:id", handler: api.get },
      { method: "post", pattern: "/api/v1/bookings/:id/cancel", handler: api.cancel },
      { method: "post", pattern: "/api/v1/bookings/:id/reschedule", handler: api.reschedule },
      { method: "post", pattern: "/api/v1/host/sessions", handler: api.startHostSession },
      { method: "any", pattern: "/api/*", handler: api.notFound },
      { method: "get", pattern: "/booking/:token", handler: bookings.details },
      { method: "get", pattern: "/booking/:token/meeting.ics", handler: bookings.ics },
      { method: "post", pattern: "/booking/:token/cancel", handler: bookings.cancel },
      { method: "get", pattern: "/booking/:token/reschedule", handler: bookings.reschedulePage },
      { method: "post", pattern: "/booking/:token/reschedule", handler: bookings.reschedule },
      { method: "get", pattern: "/host", handler: hostPages.dashboard },
      { method: "get", pattern: "/host/sign-in/:token", handler: hostPages.signInPage },
      { method: "post", pattern: "/host/sign-in/:token", handler: hostPages.signIn },
      { method: "post", pattern: "/host/bookings/:id/cancel", handler: hostPages.cancel },
      { method: "post", pattern: "/host/sign-out", handler: hostPages.signOut },
      { method: "get", pattern: "/:host", handler: pages.hostPage },
      { method: "get", pattern: "/:host/:event", handler: pages.eventPage },
      { method: "get", pattern: "/:host/:event/slots", handler: pages.daySlots, cacheable: true },
      { method: "post", pattern: "/:host/:event/hold", handler: pages.hold },
      { method: "get", pattern: "/:host/:event/book", handler: pages.bookForm },
      { method: "post", pattern: "/:host/:event/book", handler: pages.book },
      { method: "any", pattern: "/*", handler: notFound },
    ];
    for (const route of routes) register(route);
    const audience = new LiveAudience();
    installLiveRoute(app, config.publicUrl, sockets, audience);

    const liveMetrics = new LiveMetrics();
    const changes = yield* (yield* HostChanges).subscribe;
    yield* Effect.forkScoped(relayChanges(app, changes, audience, web.actors.peek, liveMetrics));

    const listenSocket = yield* Effect.async<unknown, Error>((resume) => {
      app.listen(config.host, config.port, (socket) => {
        resume(socket ? Effect.succeed(socket) : Effect.fail(new Error(`could not listen on ${config.host}:${config.port}`)));
      });
    });
    const port = uws.us_socket_local_port(listenSocket as never);
    yield* Effect.addFinalizer(() =>
      Effect.gen(function* () {
        uws.us_listen_socket_close(listenSocket as never);
        for (const ws of [...sockets]) ws.end(1001, "server restarting");
        for (let waited = 0; inFlight > 0 && waited < 10_000; waited += 20) yield* Effect.sleep("20 millis");
        (app as unknown as { close?: () => void }).close?.();
      }),
    );
    yield* Effect.logInfo("listening").pipe(Effect.annotateLogs({ port }));
    return { port, url: `http://127.0.0.1:${port}` };
  }),
);
