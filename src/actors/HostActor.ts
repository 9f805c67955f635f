import { SqlClient } from "@effect/sql/SqlClient";
import type { SqlError } from "@effect/sql/SqlError";
import { Cause, Clock, Context, Data, Effect, Exit, Fiber, Option, Queue, Schedule, type Request, type Scope } from "effect";
import { BookingNotActive, IdempotencyKeyReused, InvalidInput, NotFound } from "../domain/errors.ts";
import { offerKeyOf, withDuration, type Booking, type EventType, type HostId } from "../domain/model.ts";
import { addDays, DAY_MS, HOUR_MS, weekdayOf, type EpochMs } from "../domain/time.ts";
import type { SlotChange } from "../live/HostChanges.ts";
import { BookingRepository, isDuplicateKey, isOverlap } from "../persistence/BookingRepository.ts";
import { HostRepository } from "../persistence/HostRepository.ts";
import {
  decideBook,
  decideCancel,
  decideEventType,
  decideProfile,
  decideHostActive,
  decideDeleteEventType,
  decideAccept,
  decideDecline,
  decideExpire,
  decideHold,
  decideOverride,
  decideRelease,
  decideRenew,
  decideReschedule,
  decideRules,
  decideSaveSchedule,
  decideDeleteSchedule,
  isScheduleWrite,
  requestDigest,
  slotTaken,
  spanOfWrite,
  Expire,
  type BookingLookup,
  type Decision,
  type DecisionFor,
  type Refused,
  type Limits,
  type Write,
} from "./decisions.ts";
import { HostSnapshot, openTimesOf } from "./HostSnapshot.ts";
import { exclusionConflicts, mailboxWait } from "../ops/metrics.ts";
import { StorageUnavailable, type HostMessage } from "./protocol.ts";

/** Bookings that ended longer ago than this no longer matter to slots (per-day limits look back a day). */
const KEEP_ENDED_MS = 2 * DAY_MS;
/**
 * How long an idempotency key is remembered: a replay within this window returns the same
 * booking whatever happened since (cancelled, moved, a restart). Kept in memory, so refusing a
 * request never needs the database.
 */
export const IDEMPOTENCY_WINDOW_MS = 30 * DAY_MS;
/** The most commands validated and committed together. */
const MAX_BATCH = 256;

type Message = HostMessage | Expire;
type Tag = Message["_tag"];
type MessageOf<K extends Tag> = Extract<Message, { readonly _tag: K }>;

/** What a message's sender is told: its Schema's success or failure, or that the actor stopped first. */
export type Outcome<M extends Message> = Exit.Exit<Request.Request.Success<M>, Request.Request.Error<M> | ActorStopped>;

/** Receives a message's outcome, exactly once. */
export type Reply<M extends Message> = (exit: Outcome<M>) => void;

/** A message and its sender's reply, typed together by the message's tag. */
interface EnvelopeOf<K extends Tag> {
  readonly tag: K;
  readonly message: MessageOf<K>;
  readonly reply: Reply<MessageOf<K>>;
  /** When it was sent (`performance.now()`), for the mailbox wait on /metrics. */
  readonly sentAt: number;
}
type Envelopes = { readonly [K in Tag]: EnvelopeOf<K> };
export type Envelope = Envelopes[Tag];

/**
 * The one place a message's type meets its tag: TypeScript cannot tell that a generic member of
 * the union is the member its own tag names, though every message class guarantees it.
 */
export const envelopeOf = <M extends HostMessage>(message: M, reply: Reply<M>): Envelope =>
  ({ tag: message._tag, message, reply: once(reply), sentAt: performance.now() }) as Envelope;

/** Later calls are ignored: a stopping actor and its last batch may both try to answer. */
const once = <M extends Message>(reply: Reply<M>): Reply<M> => {
  let answered = false;
  return (exit) => {
    if (answered) return;
    answered = true;
    reply(exit);
  };
};

/** What answers an envelope: runs once the batch that decided it is committed. */
type Answering = () => void;

const answering = <K extends Tag>(e: Envelopes[K], d: DecisionFor<MessageOf<K>>): Answering =>
  d._tag === "Refuse" ? () => e.reply(Exit.fail(d.error)) : () => e.reply(Exit.succeed(d.result));

const stopping = <K extends Tag>(e: Envelopes[K]) => e.reply(Exit.fail(new ActorStopped()));

/**
 * How the actor handles one kind of message: `decide` judges it against memory (reading the
 * database only to explain a booking memory does not hold); `refused` answers it when the
 * database refused its write. Typed per message, so every answer is one its Schema allows.
 */
interface Handling<M extends Message> {
  readonly decide: (s: HostSnapshot, message: M, now: number) => Effect.Effect<DecisionFor<M>, SqlError>;
  readonly refused: (
    message: M,
    write: Write,
    error: SqlError | Drift,
    now: number,
  ) => Effect.Effect<Exit.Exit<Request.Request.Success<M>, Request.Request.Error<M>>, SqlError>;
}
type Handlers = { readonly [K in Tag]: Handling<MessageOf<K>> };

const pure =
  <M extends Message>(decide: (s: HostSnapshot, message: M, now: number) => DecisionFor<M>) =>
  (s: HostSnapshot, message: M, now: number) =>
    Effect.succeed(decide(s, message, now));

/** For messages that only change memory: the database never sees them. */
const writesNothing = () => Effect.dieMessage("a message that writes nothing had a write refused");

const refused = <E>(error: E): Refused<E> => ({ _tag: "Refuse", error });

const notPending = () => new InvalidInput({ field: "booking", message: "is not waiting for your confirmation" });

/** The batch's writes disagreed with the database (a concurrent change elsewhere). */
class Drift extends Data.TaggedError("Drift")<{ readonly write: Write }> {}

/** The actor stopped (killed, crashed, or shut down) before answering; the outcome is unknown. */
export class ActorStopped extends Data.TaggedError("ActorStopped")<{}> {}

export interface HostActor {
  /**
   * Puts a message in the mailbox without a fiber of the caller's own (the HTTP hot path);
   * its reply gets the outcome, or `ActorStopped` if the actor is gone.
   */
  readonly tell: (envelope: Envelope) => void;
  readonly ask: <M extends HostMessage>(
    message: M,
  ) => Effect.Effect<Request.Request.Success<M>, Request.Request.Error<M> | ActorStopped>;
  /** Kills the actor's loop at once, as a crash would; it restarts from Postgres, the mailbox kept. */
  readonly kill: Effect.Effect<void>;
  /** Messages waiting in the mailbox. */
  readonly queued: () => number;
}

export interface ActorEnvironment {
  readonly limits: Limits;
  /** Called with every state the actor adopts and what it changed; the read path serves the latest. */
  readonly publish: (snapshot: HostSnapshot, changes: ReadonlyArray<SlotChange>, refresh: boolean) => Effect.Effect<void>;
  /**
   * The version of the first snapshot: above every version an earlier actor of this host
   * published, so a version names one state for the life of the process (reads cache by it).
   */
  readonly firstVersion: number;
}

/** Everything a host actor starts from, read from Postgres. Holds are carried over from `keep`. */
export const loadSnapshot = (hostId: HostId, version: number, keep?: HostSnapshot) =>
  Effect.gen(function* () {
    const hosts = yield* HostRepository;
    const bookingsRepo = yield* BookingRepository;
    const record = yield* hosts.load(hostId);
    if (record === undefined) return yield* new NotFound({ what: "host" });
    const now = yield* Clock.currentTimeMillis;
    const bookings = yield* bookingsRepo.loadConfirmed(hostId, now - KEEP_ENDED_MS);
    const keyed = yield* bookingsRepo.loadKeyed(hostId, now - IDEMPOTENCY_WINDOW_MS);
    return new HostSnapshot({
      host: record.host,
      eventTypes: new Map(record.eventTypes.map((e) => [e.id, e])),
      availability: { rules: record.rules, overrides: record.overrides, schedules: record.schedules },
      ...openTimesOf(record.host.timeZone, record),
      bookings,
      byIdempotencyKey: new Map([...keyed, ...bookings].flatMap((b) => (b.idempotencyKey === null ? [] : [[b.idempotencyKey, b]]))),
      holds: keep?.holds ?? new Map(),
      version,
    });
  });

const difference = (before: ReadonlyArray<EpochMs>, after: ReadonlyArray<EpochMs>) => {
  const a = new Set(after);
  const b = new Set(before);
  return { taken: before.filter((s) => !a.has(s)), freed: after.filter((s) => !b.has(s)) };
};

/**
 * Which offered slots a change took or gave back, for every event type. A change reaches only
 * slots whose buffered span meets what it touched, so only that stretch is listed again: the
 * touched instants widened by the longest meeting and buffers, or by whole host-local days
 * where a per-day limit makes a booking matter to its entire day.
 */
export const slotChanges = (
  before: HostSnapshot,
  after: HostSnapshot,
  touched: ReadonlyArray<number>,
  now: number,
): SlotChange[] => {
  if (touched.length === 0) return [];
  const eventTypes = [...new Set([...before.eventTypes.values(), ...after.eventTypes.values()])];
  const reach = Math.max(0, ...eventTypes.map((e) => (Math.max(...e.durationChoices) + e.bufferBeforeMinutes + e.bufferAfterMinutes) * 60_000));
  const zone = after.openTime.zone;
  let from = Math.min(...touched) - reach;
  let to = Math.max(...touched) + reach;
  if (eventTypes.some((e) => e.maxPerDay !== null)) {
    from = Math.min(from, zone.startOfDay(zone.localDateOf(from)));
    to = Math.max(to, zone.startOfDay(addDays(zone.localDateOf(to), 1)));
  }
  // A weekly limit reached (or freed) changes every day of that week, Monday to Sunday.
  if (eventTypes.some((e) => e.maxPerWeek !== null)) {
    const first = zone.localDateOf(from);
    const last = zone.localDateOf(to);
    from = Math.min(from, zone.startOfDay(addDays(first, -((weekdayOf(first) + 6) % 7))));
    to = Math.max(to, zone.startOfDay(addDays(last, 7 - ((weekdayOf(last) + 6) % 7))));
  }
  const slotsOf = (s: HostSnapshot, et: EventType | undefined, minutes: number) => {
    const sized = et === undefined || !et.active ? undefined : withDuration(et, minutes);
    return sized === undefined ? [] : s.slots(sized, from, to, now);
  };
  const changes: SlotChange[] = [];
  for (const id of new Set(eventTypes.map((e) => e.id))) {
    const latest = after.eventTypes.get(id) ?? before.eventTypes.get(id)!;
    for (const minutes of latest.durationChoices) {
      const { taken, freed } = difference(slotsOf(before, before.eventTypes.get(id), minutes), slotsOf(after, after.eventTypes.get(id), minutes));
      if (taken.length > 0 || freed.length > 0) {
        changes.push({ eventTypeId: id, durationMinutes: minutes, offer: offerKeyOf({ ...latest, durationMinutes: minutes }), taken, freed });
      }
    }
  }
  return changes;
};

/** Instants a decision touches (holds and bookings), or "everything" for schedule changes. */
const touchedBy = (d: Decision<unknown, unknown>, before: HostSnapshot): number[] | "all" => {
  if (d._tag === "Write") return isScheduleWrite(d.write) ? "all" : [...spanOfWrite(d.write, before)];
  if (d._tag !== "Apply") return [];
  const changed: number[] = [];
  for (const [token, h] of before.holds) if (!d.next.holds.has(token)) changed.push(h.start, h.end);
  for (const [token, h] of d.next.holds) if (!before.holds.has(token)) changed.push(h.start, h.end);
  return changed;
};

/**
 * One host's calendar: a mailbox and one fiber, so its commands run one at a time and each is
 * judged against every earlier decision. Commands that queue up are validated in order and
 * committed together (group commit); the exclusion constraint in Postgres stays the backstop.
 */
export const makeHostActor = (
  hostId: HostId,
  env: ActorEnvironment,
): Effect.Effect<HostActor, NotFound | SqlError, Scope.Scope | SqlClient | HostRepository | BookingRepository> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient;
    const hosts = yield* HostRepository;
    const bookingsRepo = yield* BookingRepository;
    const context = Context.pick(HostRepository, BookingRepository)(yield* Effect.context<HostRepository | BookingRepository>());
    const scope = yield* Effect.scope;
    // Unbounded: each waiting message is an open request, and those are bounded where they arrive.
    const mailbox = yield* Queue.unbounded<Envelope>();
    let stopped = false;

    let current = yield* loadSnapshot(hostId, env.firstVersion);
    /** Set when memory may disagree with the database; the next batch reloads first. */
    let stale = false;
    /** The batch being decided and committed: answered with `ActorStopped` if the actor dies mid-way. */
    let inProgress: ReadonlyArray<Envelope> = [];
    yield* env.publish(current, [], false);

    const reload = Effect.gen(function* () {
      const before = current;
      current = yield* loadSnapshot(hostId, before.version + 1, before).pipe(
        Effect.provide(context),
        Effect.catchTag("NotFound", (e) => Effect.die(e)),
      );
      stale = false;
      yield* env.publish(current, [], true);
    });

    const checkAll = (ids: ReadonlyArray<string>, writes: ReadonlyArray<Write & { id: string }>) => {
      const missing = writes.find((w) => !ids.includes(w.id));
      return missing === undefined ? Effect.void : Effect.fail(new Drift({ write: missing }));
    };

    const persist = (writes: ReadonlyArray<Write>): Effect.Effect<void, SqlError | Drift> => {
      const inserts = writes.flatMap((w) => (w._tag === "Insert" ? [w.booking] : []));
      const cancels = writes.flatMap((w) => (w._tag === "Cancel" ? [{ ...w, id: w.cancellation.id }] : []));
      const moves = writes.flatMap((w) => (w._tag === "Reschedule" ? [{ ...w, id: w.move.id }] : []));
      const accepts = writes.flatMap((w) => (w._tag === "Accept" ? [w] : []));
      const declines = writes.flatMap((w) => (w._tag === "Decline" ? [w] : []));
      // The common case, new bookings only: through the group commit shared by all hosts.
      if (inserts.length === writes.length) return Effect.uninterruptible(bookingsRepo.insertGrouped(inserts));
      const statements: Effect.Effect<void, SqlError | Drift>[] = [];
      if (inserts.length > 0) statements.push(bookingsRepo.insert(inserts));
      if (cancels.length > 0) {
        statements.push(bookingsRepo.cancel(cancels.map((c) => c.cancellation)).pipe(Effect.flatMap((ids) => checkAll(ids, cancels))));
      }
      if (moves.length > 0) {
        statements.push(bookingsRepo.reschedule(moves.map((m) => m.move)).pipe(Effect.flatMap((ids) => checkAll(ids, moves))));
      }
      if (accepts.length > 0) statements.push(bookingsRepo.accept(accepts.map((a) => a.id)).pipe(Effect.flatMap((ids) => checkAll(ids, accepts))));
      if (declines.length > 0) statements.push(bookingsRepo.decline(declines).pipe(Effect.flatMap((ids) => checkAll(ids, declines))));
      for (const w of writes) {
        if (w._tag === "Rules") statements.push(hosts.replaceWeeklyRules(hostId, w.rules));
        else if (w._tag === "Schedule") statements.push(hosts.saveSchedule(hostId, w.schedule));
        else if (w._tag === "DeleteSchedule") statements.push(hosts.deleteSchedule(hostId, w.id));
        else if (w._tag === "Override") for (const date of w.dates) statements.push(hosts.replaceOverride(hostId, date, w.windows));
        else if (w._tag === "Profile") statements.push(hosts.updateProfile(hostId, w));
        else if (w._tag === "Active") statements.push(hosts.setActive(hostId, w.active));
        else if (w._tag === "DeleteEventType") statements.push(hosts.deleteEventType(hostId, w.id));
        else if (w._tag === "EventType") {
          const { id, ...fields } = w.eventType;
          statements.push(w.isNew ? Effect.asVoid(hosts.insertEventType(hostId, fields, id)) : hosts.updateEventType(w.eventType));
        }
      }
      // One statement is atomic by itself; several share a transaction (and one fsync). A write
      // is never interrupted half-way: stopping the actor waits for it, so a fresh actor loads
      // only after it landed (or failed).
      return Effect.uninterruptible(
        statements.length === 1 ? statements[0]! : sql.withTransaction(Effect.all(statements, { discard: true })),
      );
    };

    /**
     * A booking memory does not hold (`Lookup`): the database says why not, or, if memory was
     * behind, memory is reloaded and the command decided again.
     */
    const explained = <A, E>(
      s: HostSnapshot,
      now: number,
      decideIn: (s: HostSnapshot) => Decision<A, E> | BookingLookup,
    ): Effect.Effect<Decision<A, E | NotFound | BookingNotActive>, SqlError> => {
      const d = decideIn(s);
      if (d._tag !== "Lookup") return Effect.succeed(d);
      return Effect.gen(function* () {
        const b = yield* bookingsRepo.findById(d.bookingId);
        if (b === undefined || b.hostId !== hostId) return refused(new NotFound({ what: "booking" }));
        if ((b.status === "confirmed" || b.status === "pending") && b.end > now) {
          yield* reload;
          const again = decideIn(current);
          if (again._tag !== "Lookup") return again;
        }
        return refused(new BookingNotActive({ status: b.status === "cancelled" || b.status === "declined" ? b.status : "past" }));
      });
    };

    /**
     * The database refused a write. Unreachable, or a refusal memory did not foresee: nothing was
     * acknowledged (`StorageUnavailable`, a retry is safe). The exclusion constraint or a lost
     * update: memory drifted; it is reloaded, and `drifted` tells the sender why not.
     */
    const afterRefusal = <A, E>(write: Write, error: SqlError | Drift, drifted: Effect.Effect<Exit.Exit<A, E>, SqlError>) =>
      Effect.gen(function* () {
        if (error._tag === "SqlError" && !isOverlap(error)) {
          yield* Effect.logError("write refused by the database", error).pipe(Effect.annotateLogs({ hostId, write: write._tag }));
          return Exit.fail(new StorageUnavailable());
        }
        if (error._tag === "SqlError") exclusionConflicts.unsafeUpdate(1, []);
        yield* Effect.logWarning("host state drifted from the database; reloading").pipe(Effect.annotateLogs({ hostId, write: write._tag }));
        yield* reload;
        return yield* drifted;
      });

    /** Why a booking that memory held could not be cancelled, accepted or declined, now that memory is right again. */
    const notActive = <E>(id: Booking["id"], otherwise: () => E) =>
      Effect.map(bookingsRepo.findById(id), (b) =>
        Exit.fail(b?.status === "cancelled" || b?.status === "declined" ? new BookingNotActive({ status: b.status }) : otherwise()),
      );

    const unavailable = (write: Write, error: SqlError | Drift) => afterRefusal(write, error, Effect.succeed(Exit.fail(new StorageUnavailable())));

    const handlers: Handlers = {
      Book: {
        decide: pure((s, m, now) => decideBook(s, m, now, env.limits)),
        refused: (m, write, error, now) =>
          error._tag === "SqlError" && isDuplicateKey(error)
            ? // A booking with this key exists but was not in memory (older, or made elsewhere).
              Effect.map(bookingsRepo.findByIdempotencyKey(hostId, m.idempotencyKey!), (existing) =>
                existing !== undefined && existing.requestDigest === requestDigest(m) ? Exit.succeed(existing) : Exit.fail(new IdempotencyKeyReused()),
              )
            : afterRefusal(write, error, Effect.sync(() => Exit.fail(slotTaken(current, current.eventTypes.get(m.eventTypeId), m.start, now)))),
      },
      Hold: { decide: pure((s, m, now) => decideHold(s, m, now, env.limits)), refused: writesNothing },
      Release: { decide: pure(decideRelease), refused: writesNothing },
      Renew: { decide: pure((s, m, now) => decideRenew(s, m, now, env.limits)), refused: writesNothing },
      Expire: { decide: pure(decideExpire), refused: writesNothing },
      Cancel: {
        decide: (s, m, now) => explained(s, now, (s) => decideCancel(s, m, now)),
        refused: (m, write, error) => afterRefusal(write, error, notActive(m.bookingId, () => new BookingNotActive({ status: "past" }))),
      },
      Reschedule: {
        decide: (s, m, now) => explained(s, now, (s) => decideReschedule(s, m, now)),
        refused: (m, write, error, now) => afterRefusal(write, error, Effect.sync(() => Exit.fail(slotTaken(current, undefined, m.start, now)))),
      },
      Accept: {
        decide: (s, m, now) => explained(s, now, (s) => decideAccept(s, m, now)),
        refused: (m, write, error) => afterRefusal(write, error, notActive(m.bookingId, notPending)),
      },
      Decline: {
        decide: (s, m, now) => explained(s, now, (s) => decideDecline(s, m, now)),
        refused: (m, write, error) => afterRefusal(write, error, notActive(m.bookingId, notPending)),
      },
      ReplaceWeeklyRules: { decide: pure(decideRules), refused: (_, write, error) => unavailable(write, error) },
      SetDateOverride: { decide: pure(decideOverride), refused: (_, write, error) => unavailable(write, error) },
      SaveSchedule: { decide: pure(decideSaveSchedule), refused: (_, write, error) => unavailable(write, error) },
      DeleteSchedule: { decide: pure(decideDeleteSchedule), refused: (_, write, error) => unavailable(write, error) },
      SaveEventType: { decide: pure(decideEventType), refused: (_, write, error) => unavailable(write, error) },
      SaveProfile: { decide: pure(decideProfile), refused: (_, write, error) => unavailable(write, error) },
      SetHostActive: { decide: pure(decideHostActive), refused: (_, write, error) => unavailable(write, error) },
      DeleteEventType: { decide: pure((s, m, now) => decideDeleteEventType(s, m, now)), refused: (_, write, error) => unavailable(write, error) },
    };

    /** One envelope decided against `s`, and what will tell its sender once that is committed. */
    const judge = <K extends Tag>(envelope: Envelopes[K], s: HostSnapshot, now: number) =>
      Effect.map(handlers[envelope.tag].decide(s, envelope.message, now), (d) => ({ d, answer: answering<K>(envelope, d) }));

    const adopt = (next: HostSnapshot, touched: ReadonlyArray<number> | "all", now: number) =>
      Effect.suspend(() => {
        const before = current;
        current = next;
        return touched === "all"
          ? env.publish(next, [], true)
          : env.publish(next, slotChanges(before, next, touched, now), false);
      });

    const startTimer = (token: string, expiresAt: number, now: number) =>
      Effect.sleep(Math.max(0, expiresAt - now)).pipe(
        Effect.zipRight(Queue.offer(mailbox, { tag: "Expire", message: new Expire({ token }, true), reply: () => {}, sentAt: performance.now() })),
        Effect.forkIn(scope),
      );

    /** Validate the whole batch in order, commit its writes together, then answer everyone. */
    const processBatch = (batch: ReadonlyArray<Envelope>) =>
      Effect.gen(function* () {
        if (stale) yield* reload;
        const now = yield* Clock.currentTimeMillis;
        let working = current;
        let touched: number[] | "all" = [];
        const answers: Answering[] = [];
        const writes: Write[] = [];
        const timers: [string, number][] = [];
        for (const envelope of batch) {
          const { d, answer } = yield* judge(envelope, working, now);
          const touches = touchedBy(d, working);
          touched = touched === "all" || touches === "all" ? "all" : [...touched, ...touches];
          answers.push(answer);
          if (d._tag === "Apply" || d._tag === "Write") {
            working = d.next;
            if (d._tag === "Write") writes.push(d.write);
            if (d._tag === "Apply" && d.hold !== undefined) timers.push([d.hold.token, d.hold.expiresAt]);
          }
        }
        const committed = yield* Effect.exit(writes.length === 0 ? Effect.void : persist(writes));
        if (Exit.isFailure(committed)) {
          // The database refused something in the batch: settle each command on its own.
          for (const envelope of batch) yield* processOne(envelope);
          return;
        }
        if (working !== current) yield* adopt(working, touched, now);
        for (const [token, expiresAt] of timers) yield* startTimer(token, expiresAt, now);
        for (const answer of answers) answer();
      });

    const processOne = <K extends Tag>(envelope: Envelopes[K]) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis;
        const before = current;
        const { d, answer } = yield* judge(envelope, before, now);
        if (d._tag === "Answer" || d._tag === "Refuse") return answer();
        const committed = yield* Effect.exit(d._tag === "Write" ? persist([d.write]) : Effect.void);
        if (Exit.isSuccess(committed)) {
          yield* adopt(d.next, touchedBy(d, before), now);
          if (d._tag === "Apply" && d.hold !== undefined) yield* startTimer(d.hold.token, d.hold.expiresAt, now);
          return answer();
        }
        const error = Cause.failureOption(committed.cause);
        if (error._tag === "None" || d._tag !== "Write") return yield* Effect.failCause(committed.cause);
        envelope.reply(yield* handlers[envelope.tag].refused(envelope.message, d.write, error.value, now));
      });

    /** Memory stays bounded: ended bookings leave after two days, idempotency keys after their window (checked hourly). */
    let keysPrunedAt = 0;
    const pruneEnded = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis;
      const first = current.bookings[0];
      const pruneKeys = now - keysPrunedAt > HOUR_MS;
      if ((first === undefined || first.end >= now - KEEP_ENDED_MS) && !pruneKeys) return;
      const bookings = current.bookings.filter((b) => b.end >= now - KEEP_ENDED_MS);
      const byIdempotencyKey = pruneKeys
        ? new Map([...current.byIdempotencyKey].filter(([, b]) => b.createdAt > now - IDEMPOTENCY_WINDOW_MS))
        : current.byIdempotencyKey;
      if (pruneKeys) keysPrunedAt = now;
      if (bookings.length === current.bookings.length && byIdempotencyKey.size === current.byIdempotencyKey.size) return;
      current = current.with({ bookings, byIdempotencyKey });
      yield* env.publish(current, [], false);
    });

    const loop = Effect.gen(function* () {
      for (;;) {
        const batch = [...(yield* Queue.takeBetween(mailbox, 1, MAX_BATCH))];
        const takenAt = performance.now();
        for (const envelope of batch) mailboxWait.unsafeUpdate((takenAt - envelope.sentAt) / 1000, []);
        inProgress = batch;
        yield* processBatch(batch).pipe(
          Effect.catchAllCause((cause) =>
            Effect.gen(function* () {
              // A defect or an unreachable database: whoever is still waiting learns the outcome is
              // unknown (as if the actor had stopped), then memory is reloaded.
              yield* Effect.logError("host actor batch failed; reloading from the database", cause).pipe(
                Effect.annotateLogs({ hostId }),
              );
              for (const envelope of batch) stopping(envelope);
              stale = true;
              yield* reload.pipe(Effect.ignore);
            }),
          ),
        );
        inProgress = [];
        yield* pruneEnded;
      }
    });

    /**
     * The host keeps one mailbox for the actor's whole life. If the loop dies (killed, or a
     * failure the loop could not contain), whoever it was serving learns it stopped (their
     * outcome is unknown: retrying with the same idempotency key is safe), and a fresh loop
     * starts from what Postgres holds. Commands still queued are served by the fresh loop.
     */
    let loopFiber: Fiber.RuntimeFiber<never, unknown> | undefined;
    const supervise = Effect.gen(function* () {
      for (;;) {
        loopFiber = yield* Effect.fork(loop);
        const exit = yield* Fiber.await(loopFiber);
        for (const envelope of inProgress) stopping(envelope);
        inProgress = [];
        yield* Effect.logWarning("host actor stopped; restarting from the database").pipe(
          Effect.annotateLogs({ hostId, interrupted: Exit.isInterrupted(exit) }),
        );
        yield* reload.pipe(Effect.retry(Schedule.exponential("50 millis").pipe(Schedule.upTo("10 seconds"))), Effect.ignore);
      }
    });

    // When the actor itself ends (passivation, shutdown), nobody is left waiting.
    yield* supervise.pipe(
      Effect.onExit(() =>
        Effect.gen(function* () {
          stopped = true;
          for (const envelope of [...inProgress, ...(yield* Queue.takeAll(mailbox))]) stopping(envelope);
        }),
      ),
      Effect.forkIn(scope),
    );

    const tell = (envelope: Envelope) => {
      Queue.unsafeOffer(mailbox, envelope);
      // Stopping sets `stopped` first, then answers everything in the mailbox: a message
      // offered after that drain is answered here instead.
      if (stopped) stopping(envelope);
    };

    return {
      tell,
      ask: <M extends HostMessage>(message: M) =>
        Effect.async<Request.Request.Success<M>, Request.Request.Error<M> | ActorStopped>((resume) => tell(envelopeOf(message, resume))),
      // A queue with a waiting taker reports a negative size.
      queued: () => Math.max(0, Option.getOrElse(mailbox.unsafeSize(), () => 0)),
      kill: Effect.suspend(() => (loopFiber === undefined ? Effect.void : Fiber.interrupt(loopFiber))).pipe(Effect.asVoid),
    };
  });
