import { Effect, type Layer, ManagedRuntime, Runtime } from "effect";
import { afterAll, beforeAll } from "vitest";
import { HostActors } from "../../src/actors/HostActors.ts";
import { makeBookingContext, type BookingContext, type BookingServices } from "../../src/booking/BookingContext.ts";
import { isBookingError } from "../../src/booking/errors.ts";
import { withDuration, type EventType, type EventTypeId, type HostId } from "../../src/domain/model.ts";
import { DAY_MS } from "../../src/domain/time.ts";
import type { OutgoingMail } from "../../src/notify/messages.ts";
import { makeWebhookAgent } from "../../src/notify/webhooks.ts";
import { testCore } from "./core.ts";

type Core = Layer.Layer.Success<ReturnType<typeof testCore>>;

export const PUBLIC_URL = "http://127.0.0.1:3999";

/**
 * The booking context on actors and repositories of a fresh database, with no web server: for
 * tests of what the context decides. Mail is collected in `mails` instead of sent.
 */
export const useBookingContext = (options: { readonly signupOpen?: boolean } = {}) => {
  let runtime: ManagedRuntime.ManagedRuntime<Core, unknown> | undefined;
  let context: BookingContext | undefined;
  const mails: OutgoingMail[] = [];
  const agent = makeWebhookAgent(true);
  beforeAll(async () => {
    const started = ManagedRuntime.make(testCore());
    runtime = started;
    const actors = await started.runPromise(HostActors);
    const services = await started.runPromise(Effect.runtime<BookingServices>());
    context = makeBookingContext({
      actors,
      run: (effect) => Runtime.runPromiseExit(services)(effect),
      now: () => Date.now(),
      webhookAgent: agent,
      webhookAllowPrivate: true,
      sendMail: (mail) => mails.push(mail),
      mailSettings: { publicUrl: PUBLIC_URL, mailFrom: "Rendezvous <no-reply@127.0.0.1>" },
      signupOpen: options.signupOpen ?? false,
    });
  });
  afterAll(async () => {
    await agent.close();
    await runtime?.dispose();
  });
  return {
    get context() {
      return context!;
    },
    mails,
    /** Runs an effect on the same actors, repositories and database. */
    run: <A, E>(effect: Effect.Effect<A, E, Core>) => runtime!.runPromise(effect),
  };
};

/** The answer, or a thrown error naming the refusal: for steps a test expects to succeed. */
export const ok = <A>(answer: A): Exclude<A, { readonly _tag: string } & Error> => {
  if (isBookingError(answer)) throw new Error(`expected an answer, got ${answer._tag}: ${JSON.stringify(answer)}`);
  return answer as Exclude<A, { readonly _tag: string } & Error>;
};

/** The first times a host's event type offers from tomorrow on. */
export const offeredStarts = async (context: BookingContext, hostId: HostId, eventTypeId: EventTypeId, durationMinutes?: number): Promise<number[]> => {
  const snapshot = ok(await context.hostSnapshot(hostId));
  const saved: EventType = snapshot.eventTypes.get(eventTypeId)!;
  // Each length has its own grid: a 60-minute meeting does not start at every 30-minute start.
  const eventType = durationMinutes === undefined ? saved : withDuration(saved, durationMinutes)!;
  const now = Date.now();
  return snapshot.slots(eventType, now + DAY_MS, now + 8 * DAY_MS, now);
};
