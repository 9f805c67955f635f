import { Effect } from "effect";
import { HostActors } from "../../src/actors/HostActors.ts";
import type { EventTypeId, HostId } from "../../src/domain/model.ts";
import { DAY_MS } from "../../src/domain/time.ts";

/** The starts a host's event type offers from tomorrow on, for a week, as its actor's snapshot lists them. */
export const slotsFromTomorrow = (hostId: HostId, eventTypeId: EventTypeId) =>
  Effect.gen(function* () {
    const snapshot = yield* (yield* HostActors).snapshot(hostId);
    const now = Date.now();
    return snapshot.slots(snapshot.eventTypes.get(eventTypeId)!, now + DAY_MS, now + 8 * DAY_MS, now);
  });
