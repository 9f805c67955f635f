import { Context, Effect, Layer, PubSub, type Queue, type Scope } from "effect";
import type { EventTypeId, HostId } from "../domain/model.ts";
import type { EpochMs } from "../domain/time.ts";

/** Offered slots of one event type, at one of its lengths, that a change took away or gave back. */
export interface SlotChange {
  readonly eventTypeId: EventTypeId;
  readonly durationMinutes: number;
  /** `offerKeyOf` the event type at that length: what pages name its slots by. */
  readonly offer: string;
  readonly taken: ReadonlyArray<EpochMs>;
  readonly freed: ReadonlyArray<EpochMs>;
}

/**
 * One committed change to a host's calendar, as the slot lists see it. Time-zone free and
 * serialisable, so it can cross instances unchanged; pages render it themselves.
 */
export interface HostChanged {
  readonly hostId: HostId;
  readonly version: number;
  readonly changes: ReadonlyArray<SlotChange>;
  /** The schedule itself changed (or was reloaded): every page should re-fetch its view. */
  readonly refresh: boolean;
  /** A booking was made, moved or cancelled: the host's dashboards re-read their meetings. */
  readonly bookingsChanged: boolean;
}

export interface HostChangesShape {
  readonly publish: (event: HostChanged) => Effect.Effect<void>;
  readonly subscribe: Effect.Effect<Queue.Dequeue<HostChanged>, never, Scope.Scope>;
}

/** The change bus between host actors and whoever keeps pages live. */
export class HostChanges extends Context.Tag("rendezvous/HostChanges")<HostChanges, HostChangesShape>() {}

/** Single instance: changes travel in process. */
export const HostChangesInProcess = Layer.effect(
  HostChanges,
  Effect.gen(function* () {
    const hub = yield* PubSub.unbounded<HostChanged>();
    return {
      publish: (event) => PubSub.publish(hub, event).pipe(Effect.asVoid),
      subscribe: PubSub.subscribe(hub),
    };
  }),
);
