import { SqlClient } from "@effect/sql/SqlClient";
import { Effect } from "effect";
import type { HostId } from "../domain/model.ts";
import { wallMinutes } from "../domain/time.ts";
import { HostRepository, newEventType } from "../persistence/HostRepository.ts";
import { HostSessionRepository } from "../persistence/HostSessionRepository.ts";

export const DEMO_HOST_SLUG = "demo";
export const DEMO_EVENT_SLUG = "intro";

/**
 * A demo host in a zone that is not UTC, with a 30-minute meeting on weekdays 09:00–17:00.
 * On a fresh database it is the owner, who invites the other hosts. Safe to run again: an
 * existing demo host is left as it is.
 */
export const seedDemo = Effect.gen(function* () {
  const hosts = yield* HostRepository;
  const access = yield* HostSessionRepository;
  const sql = yield* SqlClient;
  return yield* sql.withTransaction(Effect.tap(create(hosts), access.ensureOwner));
});

const create = (hosts: HostRepository) => Effect.gen(function* () {
  const existing = yield* hosts.findHostIdBySlug(DEMO_HOST_SLUG);
  if (existing !== undefined) return existing;
  const hostId: HostId = yield* hosts.insertHost({
    slug: DEMO_HOST_SLUG,
    name: "Ada Demo",
    email: "ada@example.com",
    timeZone: "Europe/Vienna",
    locale: "en",
  });
  // The demo is there to be found: it appears on the front page.
  yield* hosts.setListed(hostId, true);
  yield* hosts.insertEventType(
    hostId,
    newEventType({
      slug: DEMO_EVENT_SLUG,
      title: "Introductory call",
      description: "A first conversation: 30 minutes to get to know each other.",
      locationKind: "video",
      location: "https://meet.jit.si/rendezvous-demo-ada",
      minimumNoticeMinutes: 60,
      maxDaysAhead: 60,
    }),
  );
  yield* hosts.replaceWeeklyRules(
    hostId,
    [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: wallMinutes(9 * 60), end: wallMinutes(17 * 60) })),
  );
  yield* Effect.logInfo("seeded the demo host").pipe(Effect.annotateLogs({ slug: DEMO_HOST_SLUG }));
  return hostId;
});
