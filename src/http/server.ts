import { SqlClient } from "@effect/sql/SqlClient";
import { Context, Effect, Layer, Redacted, Runtime } from "effect";
import { HostActors } from "../actors/HostActors.ts";
import { AppConfig } from "../AppConfig.ts";
import { HostChanges } from "../live/HostChanges.ts";
import { ErrorPage } from "../views/ErrorPage.tsx";
import { loadAssets } from "./assets.ts";
import { BodyTooLarge, receive, respond, type Reply, type Request } from "./exchange.ts";
import { installLiveRoute, LiveAudience, relayChanges, type LiveSocket } from "./live.ts";
import { logEvent, setLogLevel } from "./log.ts";
import { apiRoutes } from "./routes/api.ts";
import { bookingPageRoutes } from "./routes/bookingPages.ts";
import { eventPageRoutes } from "./routes/eventPages.ts";
import { nativeUws, type WebSocket } from "./uws.ts";
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

    const register = ({ method, pattern, handler }: Route) => {
      const paramCount = (pattern.match(/:/g) ?? []).length;
      app[method](pattern, (res, req) => {
        const withBody = method !== "get" && req.getMethod() !== "get" && req.getMethod() !== "head";
        const { request, state } = receive(res, req, paramCount, withBody);
        const started = performance.now();
        inFlight++;
        const finish = (r: Request | undefined, reply: Reply) => {
          inFlight--;
          respond(res, state, r, reply);
          const level = reply.status >= 500 ? "error" : r?.method === "GET" ? "debug" : "info";
          logEvent(level, "request", {
            method: r?.method,
            path: r?.path,
            status: reply.status,
            ms: Math.round((performance.now() - started) * 10) / 10,
          });
        };
        request.then(
          async (r) => {
            let reply: Reply;
            try {
              reply = await handler(r);
            } catch (error) {
              logEvent("error", "request failed", { path: r.path, error: String(error) });
              reply = internalError(web);
            }
            finish(r, reply);
          },
          (error) => finish(undefined, error instanceof BodyTooLarge ? json(413, { error: "body too large" }) : internalError(web)),
        );
      });
    };

    const pages = eventPageRoutes(web);
    const bookings = bookingPageRoutes(web);
    const api = apiRoutes(web);
    const notFound = (request: Request) => errorPage(beginPage(web, request).page, new NotFound({ what: "page" }));
    const routes: Route[] = [
      { method: "get", pattern: "/health", handler: health(web) },
      { method: "get", pattern: "/assets/*", handler: (r) => web.assets.serve(r) ?? notFound(r) },
      { method: "get", pattern: "/", handler: pages.home },
      { method: "get", pattern: "/api/v1/hosts/:host/event-types/:event/slots", handler: api.slots },
      { method: "post", pattern: "/api/v1/bookings", handler: api.book },
      { method: "get", pattern: "/api/v1/bookings/:id", handler: api.get },
      { method: "post", pattern: "/api/v1/bookings/:id/cancel", handler: api.cancel },
      { method: "post", pattern: "/api/v1/bookings/:id/reschedule", handler: api.reschedule },
      { method: "any", pattern: "/api/*", handler: api.notFound },
      { method: "get", pattern: "/booking/:token", handler: bookings.details },
      { method: "get", pattern: "/booking/:token/meeting.ics", handler: bookings.ics },
      { method: "post", pattern: "/booking/:token/cancel", handler: bookings.cancel },
      { method: "get", pattern: "/booking/:token/reschedule", handler: bookings.reschedulePage },
      { method: "post", pattern: "/booking/:token/reschedule", handler: bookings.reschedule },
      { method: "get", pattern: "/:host", handler: pages.hostPage },
      { method: "get", pattern: "/:host/:event", handler: pages.eventPage },
      { method: "get", pattern: "/:host/:event/slots", handler: pages.daySlots },
      { method: "post", pattern: "/:host/:event/hold", handler: pages.hold },
      { method: "get", pattern: "/:host/:event/book", handler: pages.bookForm },
      { method: "post", pattern: "/:host/:event/book", handler: pages.book },
      { method: "any", pattern: "/*", handler: notFound },
    ];
    for (const route of routes) register(route);
    const audience = new LiveAudience();
    installLiveRoute(app, config.publicUrl, sockets, audience);

    const changes = yield* (yield* HostChanges).subscribe;
    yield* Effect.forkScoped(relayChanges(app, changes, audience, web.actors.peek));

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
