import { Metric, MetricBoundaries, MetricKey, type MetricKeyType, MetricLabel } from "effect";

/**
 * What operators watch, as Effect metrics in the process's registry: counters and histograms
 * are updated where things happen; gauges are set from the server's state as /metrics is read.
 * Names follow Prometheus conventions: base units (seconds), `_total` on counters.
 */

const seconds = (start: number, count: number) => MetricBoundaries.exponential({ start, factor: 2, count });

export const bookingAttempts = Metric.counter("rendezvous_booking_attempts_total", {
  description: "Bookings asked for, by the form and the API alike.",
  incremental: true,
});
const bookingsConfirmed = MetricKey.counter("rendezvous_bookings_confirmed_total", {
  description: "Bookings made: confirmed, or pending the host's confirmation (status).",
  incremental: true,
});
const bookingsRefused = MetricKey.counter("rendezvous_bookings_refused_total", {
  description: "Bookings refused, by reason (slot_taken, too_soon, invalid_input, …).",
  incremental: true,
});

export const mailboxWait = Metric.histogram(
  "rendezvous_mailbox_wait_seconds",
  seconds(0.0005, 14),
  "Time a command waited in its host's mailbox before its batch was decided.",
);
export const commitBatchSize = Metric.histogram(
  "rendezvous_commit_batch_bookings",
  MetricBoundaries.exponential({ start: 1, factor: 2, count: 10 }),
  "New bookings written by one group-commit statement.",
);
export const commitDuration = Metric.histogram(
  "rendezvous_commit_duration_seconds",
  seconds(0.0005, 14),
  "Time one group-commit statement took, from sending to Postgres's answer.",
);
export const exclusionConflicts = Metric.counter("rendezvous_exclusion_conflicts_total", {
  description: "Writes the exclusion constraint refused: memory had drifted from the database.",
  incremental: true,
});

export const clusterForward = Metric.histogram(
  "rendezvous_cluster_forward_seconds",
  seconds(0.0005, 14),
  "In a cluster: time a command sent through the cluster took there and back (to the host's owner elsewhere, or to start its actor here); its count: commands sent.",
);

export const liveFanOut = Metric.histogram(
  "rendezvous_live_publish_seconds",
  seconds(0.00005, 16),
  "Time to hand one change's fragments to every subscriber of its host.",
);
export const liveLastPublish = Metric.gauge("rendezvous_live_last_publish_seconds", {
  description: "How long the last change took to hand to its subscribers.",
});
export const liveLastFanOut = Metric.gauge("rendezvous_live_last_fanout", {
  description: "Subscribers the last change was published to.",
});

export const gauges = {
  liveSockets: Metric.gauge("rendezvous_live_sockets", { description: "Open live WebSockets (pages and dashboards)." }),
  inFlight: Metric.gauge("rendezvous_http_in_flight", { description: "HTTP requests being answered." }),
  readCacheBytes: Metric.gauge("rendezvous_read_cache_bytes", { description: "Bytes of replies kept for repeated slot-list reads." }),
  actorsRunning: Metric.gauge("rendezvous_host_actors", { description: "Host actors running in this process." }),
  mailboxDepth: Metric.gauge("rendezvous_mailbox_depth", { description: "Commands waiting in the mailboxes of this process's host actors." }),
  holdsLive: Metric.gauge("rendezvous_holds_live", { description: "Holds on times not yet booked or released." }),
  outboxDue: Metric.gauge("rendezvous_outbox_due", { description: "Notices due to be sent and not yet sent (all processes)." }),
  outboxOldestDue: Metric.gauge("rendezvous_outbox_oldest_due_seconds", { description: "How long the oldest due notice has waited (0 when none)." }),
  outboxDead: Metric.gauge("rendezvous_outbox_dead", { description: "Notices that gave up after their attempts (all processes)." }),
} as const;

export const rateLimited = Metric.counter("rendezvous_http_rate_limited_total", {
  description: "Requests refused by the per-address limits.",
  incremental: true,
});

const httpRequests = MetricKey.counter("rendezvous_http_requests_total", {
  description: "HTTP requests answered, by method, route (as registered) and status.",
  incremental: true,
});
const httpDuration = MetricKey.histogram(
  "rendezvous_http_request_duration_seconds",
  seconds(0.0001, 16),
  "Time from a request's arrival to its answer, by method and route.",
);


/**
 * A labelled series is a metric of its own key, made once per label set and kept: Effect then
 * keeps its registry entry at hand, where `Metric.tagged` would look it up (hashing the labels)
 * on every update, and the read path answers tens of thousands of requests a second.
 */
const seriesOf = <T extends MetricKeyType.MetricKeyType<any, any>>(family: MetricKey.MetricKey<T>, ...names: ReadonlyArray<string>) => {
  const made = new Map<string, Metric.Metric<T, MetricKeyType.MetricKeyType.InType<T>, MetricKeyType.MetricKeyType.OutType<T>>>();
  return (...values: ReadonlyArray<string>) => {
    const key = values.join(" ");
    let series = made.get(key);
    if (series === undefined) {
      series = Metric.fromMetricKey(MetricKey.taggedWithLabels(family, names.map((name, i) => MetricLabel.make(name, values[i]!))));
      made.set(key, series);
    }
    return series;
  };
};

const notices = MetricKey.counter("rendezvous_notices_total", {
  description: "Outbox attempts by this process's delivery workers, by how they ended (sent, retrying, dead, skipped).",
  incremental: true,
});
export const noticesUnknownOutcome = Metric.counter("rendezvous_notices_unknown_outcome_total", {
  description: "Notices claimed again after an attempt that never finished (the only case that can send a copy, under the same Message-ID).",
  incremental: true,
});
export type NoticeOutcome = "sent" | "retrying" | "dead" | "skipped";
const NOTICE_OUTCOMES: ReadonlyArray<NoticeOutcome> = ["sent", "retrying", "dead", "skipped"];
const noticeCount = seriesOf(notices, "outcome");

export const recordNotice = (outcome: NoticeOutcome) => noticeCount(outcome).unsafeUpdate(1, []);

const requestCount = seriesOf(httpRequests, "method", "route", "status");
const requestDuration = seriesOf(httpDuration, "method", "route");

/** One answered request: routes, never paths (a path can hold a manage or sign-in token). */
export const recordRequest = (method: string, route: string, status: number, secondsTaken: number) => {
  requestCount(method, route, String(status)).unsafeUpdate(1, []);
  requestDuration(method, route).unsafeUpdate(secondsTaken, []);
};

const confirmed = seriesOf(bookingsConfirmed, "status");
const refused = seriesOf(bookingsRefused, "reason");

/** snake_case of an error's tag: `SlotTaken` → `slot_taken`. */
export const reasonOf = (tag: string) => tag.replace(/(?<=[a-z0-9])([A-Z])/g, "_$1").toLowerCase();

/** How one booking attempt ended: a booking, by its status, or a refusal, by its error's tag. */
export const recordBooking = (outcome: { readonly status: string } | { readonly refused: string }) => {
  bookingAttempts.unsafeUpdate(1, []);
  if ("status" in outcome) confirmed(outcome.status).unsafeUpdate(1, []);
  else refused(reasonOf(outcome.refused)).unsafeUpdate(1, []);
};

/**
 * Puts every unlabelled family (and each notice outcome) in the registry before its first use,
 * so /metrics lists it at zero from the start; other labelled series appear with their first
 * sample. Once per process: the registry is the process's.
 */
export const registerMetrics = () => {
  for (const m of [bookingAttempts, mailboxWait, commitBatchSize, commitDuration, exclusionConflicts, liveFanOut, liveLastPublish, liveLastFanOut, clusterForward, rateLimited, noticesUnknownOutcome, ...Object.values(gauges)]) {
    m.unsafeValue([]);
  }
  for (const outcome of NOTICE_OUTCOMES) noticeCount(outcome).unsafeValue([]);
};
