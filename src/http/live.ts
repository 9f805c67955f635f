import { Effect, type Queue } from "effect";
import type { HostChanged } from "../live/HostChanges.ts";
import { REFRESH_MESSAGE, SlotsTaken } from "../views/fragments.tsx";
import type { TemplatedApp, WebSocket } from "./uws.ts";

export interface LiveSocket {
  readonly hostId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const hostTopic = (hostId: string) => `host:${hostId}`;

/**
 * `/live/hosts/:hostId`: a booking page's WebSocket. Pages only listen; what they receive is
 * published once per change to the host's topic, and uWS fans it out to every subscriber.
 */
export const installLiveRoute = (app: TemplatedApp, publicUrl: string, sockets: Set<WebSocket<LiveSocket>>) => {
  const ourOrigin = new URL(publicUrl).origin;
  app.ws<LiveSocket>("/live/hosts/:hostId", {
    idleTimeout: 120,
    sendPingsAutomatically: true,
    maxPayloadLength: 4 * 1024,
    maxBackpressure: 256 * 1024,
    upgrade: (res, req, context) => {
      const hostId = req.getParameter(0) ?? "";
      const origin = req.getHeader("origin");
      const host = req.getHeader("host");
      const key = req.getHeader("sec-websocket-key");
      const protocol = req.getHeader("sec-websocket-protocol");
      const extensions = req.getHeader("sec-websocket-extensions");
      if (!UUID.test(hostId)) {
        res.writeStatus("404 Not Found").end("unknown host");
        return;
      }
      // Another site's page must not listen in on our pages (cross-site WebSocket hijacking).
      if (origin !== "" && origin !== ourOrigin && new URL(origin).host !== host) {
        res.writeStatus("403 Forbidden").end("cross-site");
        return;
      }
      res.upgrade<LiveSocket>({ hostId }, key, protocol, extensions, context);
    },
    open: (ws) => {
      ws.subscribe(hostTopic(ws.getUserData().hostId));
      sockets.add(ws);
    },
    close: (ws) => {
      sockets.delete(ws);
    },
  });
};

/** The messages one change becomes: one out-of-band removal for all taken slots, one refresh if any came free. */
export const messagesOf = (event: HostChanged): string[] => {
  const messages: string[] = [];
  const removals = event.changes
    .filter((c) => c.taken.length > 0)
    .map((c) => SlotsTaken({ eventTypeId: c.eventTypeId, starts: c.taken }) as string)
    .join("");
  if (removals !== "") messages.push(removals);
  if (event.refresh || event.changes.some((c) => c.freed.length > 0)) messages.push(REFRESH_MESSAGE);
  return messages;
};

/** Forwards every host change to its topic, rendered once, for as long as the server runs. */
export const relayChanges = (app: TemplatedApp, changes: Queue.Dequeue<HostChanged>) =>
  Effect.forever(
    Effect.flatMap(changes.take, (event) =>
      Effect.sync(() => {
        const topic = hostTopic(event.hostId);
        for (const message of messagesOf(event)) app.publish(topic, message, false);
      }),
    ),
  );
