import client from "prom-client";
import type { ActorGauges } from "../actors/HostActors.ts";
import type { DeliveryCounters } from "../notify/DeliveryWorker.ts";
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
  readonly deliveries: DeliveryCounters;
}

/**
 * CPU, memory, heap, event-loop lag, handles and file descriptors, from prom-client, which
 * reads them the way Prometheus's own clients do. They belong to the process, so there is one
 * registry however many servers a process starts (tests start several).
 */
let processRegistry: client.Registry | undefined;
const processMetrics = () => {
  if (processRegistry === undefined) {
    processRegistry = new client.Registry();
    client.collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry.metrics();
};

/** This server's delivery worker: its own counts, so a process running two servers reports each. */
const deliveryLines = (d: DeliveryCounters) =>
  [
    "# HELP rendezvous_notices_total Outbox attempts by this server's delivery worker, by how they ended.",
    "# TYPE rendezvous_notices_total counter",
    `rendezvous_notices_total{outcome="sent"} ${d.sent}`,
    `rendezvous_notices_total{outcome="retrying"} ${d.transient}`,
    `rendezvous_notices_total{outcome="dead"} ${d.dead}`,
    `rendezvous_notices_total{outcome="skipped"} ${d.skipped}`,
    "# HELP rendezvous_notices_unknown_outcome_total Notices claimed again after an attempt that never finished (the only case that can send a copy, under the same Message-ID).",
    "# TYPE rendezvous_notices_unknown_outcome_total counter",
    `rendezvous_notices_unknown_outcome_total ${d.unknownOutcomes}`,
    "",
  ].join("\n");

/** Prometheus text format: Effect's registry with this server's gauges set, its deliveries, and the process. */
export const metricsReply = async (s: Scrape): Promise<Reply> => {
  const process = await processMetrics();
  registerMetrics();
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
    body: exposition() + deliveryLines(s.deliveries) + process,
  };
};
