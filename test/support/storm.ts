/**
 * A small booking storm for failure tests: clients book random offered starts over the JSON
 * API until told to stop, and every outcome is recorded, so a test can tell an answer from a
 * connection closed without one.
 */
export interface StormOutcome {
  readonly acknowledged: { id: string; manageToken: string; start: string }[];
  readonly statuses: Map<number, number>;
  /** Retry-After values seen on 503 answers. */
  readonly retryAfter503: Set<string | null>;
  /** Requests whose connection closed (or reset) before any answer came. */
  readonly unanswered: string[];
  /** Connections refused: the server was not listening (any more). */
  refused: number;
}

const UNANSWERED = new Set(["UND_ERR_SOCKET", "ECONNRESET", "EPIPE", "UND_ERR_CLOSED"]);

export const startStorm = (options: {
  readonly url: () => string;
  readonly eventTypeId: string;
  readonly starts: ReadonlyArray<string>;
  readonly clients: number;
  readonly maxPerClient: number;
}) => {
  const outcome: StormOutcome = { acknowledged: [], statuses: new Map(), retryAfter503: new Set(), unanswered: [], refused: 0 };
  // Keys of this storm only: another storm on the same host must not replay its keys.
  const run = Math.random().toString(36).slice(2, 8);
  let stopped = false;
  const client = async (w: number) => {
    for (let n = 0; n < options.maxPerClient && !stopped; n++) {
      const start = options.starts[Math.floor(Math.random() * options.starts.length)]!;
      try {
        const res = await fetch(`${options.url()}/api/v1/bookings`, {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": `storm-${run}-${w}-${n}` },
          body: JSON.stringify({ eventTypeId: options.eventTypeId, start, invitee: { name: `Storm ${w}`, email: `s${w}-${n}@example.com`, timeZone: "UTC" } }),
        });
        outcome.statuses.set(res.status, (outcome.statuses.get(res.status) ?? 0) + 1);
        if (res.status === 503) outcome.retryAfter503.add(res.headers.get("retry-after"));
        if (res.status === 201) outcome.acknowledged.push((await res.json()) as never);
        else await res.text();
      } catch (error) {
        const code = String((error as { cause?: { code?: string } }).cause?.code ?? "");
        if (code === "ECONNREFUSED") {
          outcome.refused++;
          // Nobody listens: a real client would back off; so does this one.
          await new Promise((r) => setTimeout(r, 20));
        } else if (UNANSWERED.has(code)) outcome.unanswered.push(code);
        else outcome.unanswered.push(`${code} ${String(error)}`);
      }
    }
  };
  const done = Promise.all(Array.from({ length: options.clients }, (_, w) => client(w)));
  return {
    outcome,
    /** Resolves once `predicate` holds of the outcome so far (checked as outcomes arrive). */
    until: async (predicate: (o: StormOutcome) => boolean) => {
      while (!predicate(outcome)) await new Promise((r) => setTimeout(r, 5));
    },
    stop: async () => {
      stopped = true;
      await done;
      return outcome;
    },
    done,
  };
};

/** Starts the storm may aim at: the host's offered slots over the next weeks. */
export const offeredStarts = async (url: string, hostSlug: string, eventSlug: string) => {
  const from = new Date(Date.now() + 3_600_000).toISOString();
  const to = new Date(Date.now() + 50 * 86_400_000).toISOString();
  const res = await fetch(`${url}/api/v1/hosts/${hostSlug}/event-types/${eventSlug}/slots?from=${from}&to=${to}`);
  return ((await res.json()) as { eventTypeId: string; slots: { start: string }[] });
};
