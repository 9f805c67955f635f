import type { Reply } from "./exchange.ts";
import type { DeliveryCounters } from "../notify/DeliveryWorker.ts";
import type { LiveMetrics } from "./live.ts";

export interface ServerCounters {
  readonly sockets: number;
  readonly inFlight: number;
  readonly readCacheBytes: number;
  readonly rateLimited: number;
}

/** Prometheus text format: live fan-out, open connections and refusals, for operators and benchmarks. */
export const metricsReply = (live: LiveMetrics, c: ServerCounters, d: DeliveryCounters): Reply => ({
  status: 200,
  headers: [
    ["Content-Type", "text/plain; version=0.0.4"],
    ["Cache-Control", "no-store"],
  ],
  body: [
    "# HELP rendezvous_live_sockets Open live page WebSockets.",
    "# TYPE rendezvous_live_sockets gauge",
    `rendezvous_live_sockets ${c.sockets}`,
    "# HELP rendezvous_http_in_flight HTTP requests being answered.",
    "# TYPE rendezvous_http_in_flight gauge",
    `rendezvous_http_in_flight ${c.inFlight}`,
    "# HELP rendezvous_http_rate_limited_total Requests refused by the per-address limits.",
    "# TYPE rendezvous_http_rate_limited_total counter",
    `rendezvous_http_rate_limited_total ${c.rateLimited}`,
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
    `rendezvous_read_cache_bytes ${c.readCacheBytes}`,
    "# HELP rendezvous_notices_total Outbox attempts by this process, by how they ended.",
    "# TYPE rendezvous_notices_total counter",
    `rendezvous_notices_total{outcome="sent"} ${d.sent}`,
    `rendezvous_notices_total{outcome="retrying"} ${d.transient}`,
    `rendezvous_notices_total{outcome="dead"} ${d.dead}`,
    `rendezvous_notices_total{outcome="skipped"} ${d.skipped}`,
    "# HELP rendezvous_notices_unknown_outcome_total Notices claimed again after an attempt that never finished (the only case that can send a copy, under the same Message-ID).",
    "# TYPE rendezvous_notices_unknown_outcome_total counter",
    `rendezvous_notices_unknown_outcome_total ${d.unknownOutcomes}`,
    "",
  ].join("\n"),
});
