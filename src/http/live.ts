import { Effect, type Queue } from "effect";
import { liveFanOut, liveLastFanOut, liveLastPublish } from "../ops/metrics.ts";
import type { HostSnapshot } from "../actors/HostSnapshot.ts";
import { withDuration, type HostId } from "../domain/model.ts";
import { addDays, type LocalDate } from "../domain/time.ts";
import { canonicalTimeZone, zoneTable } from "../domain/zone.ts";
import { isLocale } from "../i18n/i18n.ts";
import { datesLocaleOf, type Language } from "../i18n/language.ts";
import type { HostChanged } from "../live/HostChanges.ts";
import { DayState, REFRESH_MESSAGE, SlotsTaken } from "../views/fragments.tsx";
import { HOST_COOKIE, isForeignOrigin, parseCookies } from "./session.ts";
import type { TemplatedApp, UwsContext, UwsRequest, UwsResponse, WebSocket } from "./uws.ts";

export interface LiveSocket {
  readonly hostId: string;
  readonly zone: string | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Live sockets only listen: small frames in, bounded buffers out, pings to find dead peers. */
const SOCKET_OPTIONS = { idleTimeout: 120, sendPingsAutomatically: true, maxPayloadLength: 4 * 1024, maxBackpressure: 256 * 1024 } as const;

/** The host's own dashboards listen here; only a socket opened with that host's session joins. */
export const dashboardTopic = (hostId: string) => `dashboard:${hostId}`;
/** Tells a dashboard to re-read its meetings (it renders them in its own way; the message names no booking). */
export const MEETINGS_MESSAGE = JSON.stringify({ type: "meetings" });

/** Every page of a host listens here: slot removals are the same in every zone. */
export const hostTopic = (hostId: string) => `host:${hostId}`;
/** Pages of one zone (and language) also listen here: calendar days are dates in that zone, named in that language. */
export const zoneTopic = (hostId: string, view: string) => `host:${hostId}|${view}`;

/** What a page's calendar days depend on, as one key: its zone and its language. */
export const viewKeyOf = (zone: string, language: Language) => `${zone} ${language.ui} ${language.dates}`;

const viewOfKey = (key: string): { zone: string; language: Language } => {
  const [zone = "UTC", ui = "en", dates = "en-GB"] = key.split(" ");
  return { zone, language: { ui: isLocale(ui) ? ui : "en", dates } };
};

/** The zones open pages of each host show, with how many pages show each. */
export class LiveAudience {
  private readonly zones = new Map<string, Map<string, number>>();

  join(hostId: string, zone: string) {
    const zones = this.zones.get(hostId) ?? new Map<string, number>();
    zones.set(zone, (zones.get(zone) ?? 0) + 1);
    this.zones.set(hostId, zones);
  }

  leave(hostId: string, zone: string) {
    const zones = this.zones.get(hostId);
    const n = (zones?.get(zone) ?? 0) - 1;
    if (zones === undefined) return;
    if (n > 0) zones.set(zone, n);
    else zones.delete(zone);
    if (zones.size === 0) this.zones.delete(hostId);
  }

  zonesOf(hostId: string): ReadonlyArray<string> {
    return [...(this.zones.get(hostId)?.keys() ?? [])];
  }
}

/**
 * `/live/hosts/:hostId?tz=Zone`: a booking page's WebSocket. Pages only listen; what they
 * receive is published once per change to the host's topic (and once per zone for calendar
 * days), and uWS fans it out to every subscriber.
 */
export const installLiveRoute = (app: TemplatedApp, publicUrl: string, sockets: Set<WebSocket<LiveSocket>>, audience: LiveAudience) => {
  const ourOrigin = new URL(publicUrl).origin;
  const upgrade = (res: UwsResponse, req: UwsRequest, context: UwsContext) => {
    const hostId = req.getParameter(0) ?? "";
    const tz = canonicalTimeZone(req.getQuery("tz") ?? "");
    const lang = req.getQuery("lang");
    const dates = datesLocaleOf(req.getQuery("dates"));
    const zone = tz === undefined ? undefined : viewKeyOf(tz, { ui: isLocale(lang) ? lang : "en", dates: dates ?? "en-GB" });
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
    if (origin !== "" && isForeignOrigin(origin, host, ourOrigin)) {
      res.writeStatus("403 Forbidden").end("cross-site");
      return;
    }
    res.upgrade<LiveSocket>({ hostId, zone }, key, protocol, extensions, context);
  };
  app.ws<LiveSocket>("/live/hosts/:hostId", {
    ...SOCKET_OPTIONS,
    upgrade: (res, req, context) => {
      try {
        upgrade(res, req, context);
      } catch {
        // Nothing in an upgrade may stop the server.
        res.writeStatus("400 Bad Request").end("bad upgrade");
      }
    },
    open: (ws) => {
      const { hostId, zone } = ws.getUserData();
      ws.subscribe(hostTopic(hostId));
      if (zone !== undefined) {
        ws.subscribe(zoneTopic(hostId, zone));
        audience.join(hostId, zone);
      }
      sockets.add(ws);
    },
    close: (ws) => {
      const { hostId, zone } = ws.getUserData();
      if (zone !== undefined) audience.leave(hostId, zone);
      sockets.delete(ws);
    },
  });
};

/**
 * `/host/live`: a signed-in host's dashboard. The upgrade is authorised by the host's session
 * cookie (scoped to `/host`, hence the path) and needs our own Origin, so no other site and no other host can listen in.
 */
export const installHostLiveRoute = (
  app: TemplatedApp,
  publicUrl: string,
  sockets: Set<WebSocket<LiveSocket>>,
  hostOfSession: (token: string | undefined) => Promise<unknown>,
) => {
  const ourOrigin = new URL(publicUrl).origin;
  app.ws<LiveSocket>("/host/live", {
    ...SOCKET_OPTIONS,
    upgrade: (res, req, context) => {
      try {
        const origin = req.getHeader("origin");
        const token = parseCookies(req.getHeader("cookie")).get(HOST_COOKIE);
        const key = req.getHeader("sec-websocket-key");
        const protocol = req.getHeader("sec-websocket-protocol");
        const extensions = req.getHeader("sec-websocket-extensions");
        // Browsers always send Origin on a WebSocket; without it (or from elsewhere) nothing is private.
        if (origin === "" || isForeignOrigin(origin, req.getHeader("host"), ourOrigin)) {
          res.writeStatus("403 Forbidden").end("cross-site");
          return;
        }
        let aborted = false;
        res.onAborted(() => {
          aborted = true;
        });
        const answer = (hostId: unknown) => {
          if (aborted) return;
          res.cork(() => {
            if (typeof hostId === "string" && UUID.test(hostId)) res.upgrade<LiveSocket>({ hostId, zone: undefined }, key, protocol, extensions, context);
            else res.writeStatus("403 Forbidden").end("sign in first");
          });
        };
        hostOfSession(token).then(answer, () => answer(undefined));
      } catch {
        res.writeStatus("400 Bad Request").end("bad upgrade");
      }
    },
    open: (ws) => {
      ws.subscribe(dashboardTopic(ws.getUserData().hostId));
      sockets.add(ws);
    },
    close: (ws) => {
      sockets.delete(ws);
    },
  });
};

/** The messages one change becomes for every page: one out-of-band removal of all taken slots, one refresh if any came free. */
export const messagesOf = (event: HostChanged): string[] => {
  const messages: string[] = [];
  const removals = event.changes
    .filter((c) => c.taken.length > 0)
    .map((c) => SlotsTaken({ offer: c.offer, starts: c.taken }) as string)
    .join("");
  if (removals !== "") messages.push(removals);
  if (event.refresh || event.changes.some((c) => c.freed.length > 0)) messages.push(REFRESH_MESSAGE);
  return messages;
};

/**
 * For pages of one zone: the calendar days a change left without free times. A day that still
 * has some looks the same as before, so it costs its pages no second message.
 */
export const dayUpdatesOf = (event: HostChanged, snapshot: HostSnapshot, view: string, now: number): string => {
  const { zone, language } = viewOfKey(view);
  const table = zoneTable(zone);
  let html = "";
  for (const change of event.changes) {
    const listed = snapshot.eventTypes.get(change.eventTypeId);
    const eventType = listed === undefined ? undefined : withDuration(listed, change.durationMinutes);
    if (eventType === undefined || change.taken.length === 0) continue;
    const dates = new Set<LocalDate>(change.taken.map((t) => table.localDateOf(t)));
    for (const date of dates) {
      const count = snapshot.slots(eventType, table.startOfDay(date), table.startOfDay(addDays(date, 1)), now).length;
      if (count === 0) html += DayState({ offer: change.offer, date, count, language, oob: true }) as string;
    }
  }
  return html;
};

/** Forwards every host change to its topics, rendered once per topic, for as long as the server runs. */
export const relayChanges = (
  app: TemplatedApp,
  changes: Queue.Dequeue<HostChanged>,
  audience: LiveAudience,
  snapshotOf: (hostId: HostId) => HostSnapshot | undefined,
) =>
  Effect.forever(
    Effect.flatMap(changes.take, (event) =>
      Effect.sync(() => {
        const started = performance.now();
        const topic = hostTopic(event.hostId);
        for (const message of messagesOf(event)) app.publish(topic, message, false);
        if (event.bookingsChanged) app.publish(dashboardTopic(event.hostId), MEETINGS_MESSAGE, false);
        const seconds = (performance.now() - started) / 1000;
        liveFanOut.unsafeUpdate(seconds, []);
        liveLastPublish.unsafeUpdate(seconds, []);
        liveLastFanOut.unsafeUpdate(app.numSubscribers(topic), []);
        const snapshot = snapshotOf(event.hostId);
        if (snapshot === undefined) return;
        const now = Date.now();
        for (const zone of audience.zonesOf(event.hostId)) {
          const days = dayUpdatesOf(event, snapshot, zone, now);
          if (days !== "") app.publish(zoneTopic(event.hostId, zone), days, false);
        }
      }).pipe(
        // One change that cannot be rendered must not end live updates for every page.
        Effect.catchAllCause((cause) => Effect.logError("a live update was not sent", cause)),
      ),
    ),
  );
