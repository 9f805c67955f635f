import client from "prom-client";
import type { ActorGauges } from "../actors/HostActors.ts";
import { gauges, registerMetrics } from "../ops/metrics.ts";
import { exposition } from "../ops/prometheus.ts";
import type { Backlog } from "../persistence/DeliveryRepository.ts";
import type { Reply } from "./exchange.ts";

export interface ServerGauges {
  readonly sockets: number;
  readonly inFlight: number;
  readonly readCacheBytes: number;
}

/** What one read of /metrics reports beside the counters and histograms updated as things happen. */
export interface Scrape {
  readonly server: ServerGauges;
  readonly actors: ActorGauges;
  /** Undefined when the database did not answer: those gauges keep the last values read. */
  readonly outbox: Backlog | undefined;
}

/**
 * CPU, memory, heap, event-loop lag, handles and file descriptors, from prom-client, which
 * reads them the way Prometheus's own clients do. They belong to the process, so there is one
 * registry however many servers a process starts (tests start several).
 */
let processRegistry: client.Registry | undefined;

/**
 * Starts what /metrics reports from the first request on: the process collectors (the
 * event-loop lag histogram samples from here) and every family at zero. Once per process.
 */
export const startMetrics = () => {
  if (processRegistry !== undefined) return;
  processRegistry = new client.Registry();
  client.collectDefaultMetrics({ register: processRegistry });
  registerMetrics();
};

/** Prometheus text format: Effect's registry with this server's gauges set, and the process. */
export const metricsReply = async (s: Scrape): Promise<Reply> => {
  startMetrics();
  const process = await processRegistry!.metrics();
  gauges.liveSockets.unsafeUpdate(s.server.sockets, []);
  gauges.inFlight.unsafeUpdate(s.server.inFlight, []);
  gauges.readCacheBytes.unsafeUpdate(s.server.readCacheBytes, []);
  gauges.actorsRunning.unsafeUpdate(s.actors.running, []);
  gauges.mailboxDepth.unsafeUpdate(s.actors.mailboxDepth, []);
  gauges.holdsLive.unsafeUpdate(s.actors.holdsLive, []);
  if (s.outbox !== undefined) {
    gauges.outboxDue.unsafeUpdate(s.outbox.due, []);
    gauges.outboxOldestDue.unsafeUpdate(s.outbox.oldestDueSeconds, []);
    gauges.outboxDead.unsafeUpdate(s.outbox.dead, []);
  }
  return {
    status: 200,
    headers: [
      ["Content-Type", "text/plain; version=0.0.4; charset=utf-8"],
      ["Cache-Control", "no-store"],
    ],
    body: exposition() + process,
  };
};
