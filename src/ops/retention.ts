import { Clock, Duration, Effect, Layer, Schedule } from "effect";
import { AppConfig } from "../AppConfig.ts";
import { DAY_MS } from "../domain/time.ts";
import { ArchiveRepository } from "../persistence/ArchiveRepository.ts";
import { DeliveryRepository } from "../persistence/DeliveryRepository.ts";

/** Rows per statement: each batch is a short transaction, so bookings never wait long behind one. */
const BATCH = 500;

export interface RetentionSettings {
  /** Bookings that ended more than this many days ago move to the archive. */
  readonly archiveAfterDays: number;
  /** Audit rows (a booking's history) older than this are deleted. */
  readonly auditRetentionDays: number;
  /** Finished notices older than this are deleted. */
  readonly noticeRetentionDays: number;
}

export interface RetentionReport {
  readonly archived: number;
  readonly auditPruned: number;
  readonly noticesPruned: number;
}

/** Repeats a batch until one comes back short; the total. */
const drain = <E, R>(batch: Effect.Effect<number, E, R>) =>
  Effect.iterate({ total: 0, last: BATCH }, {
    while: ({ last }) => last === BATCH,
    body: ({ total }) => Effect.map(batch, (n) => ({ total: total + n, last: n })),
  }).pipe(Effect.map(({ total }) => total));

/** One run of every retention rule, as of `now` (a test moves it; the schedule passes the clock). */
export const retainOnce = (settings: RetentionSettings, now: number) =>
  Effect.gen(function* () {
    const archive = yield* ArchiveRepository;
    const deliveries = yield* DeliveryRepository;
    const archived = yield* drain(archive.archiveBookings(now - settings.archiveAfterDays * DAY_MS, BATCH));
    const auditPruned = yield* drain(archive.pruneAudit(now - settings.auditRetentionDays * DAY_MS, BATCH));
    const noticesPruned = yield* deliveries.prune(now - settings.noticeRetentionDays * DAY_MS);
    return { archived, auditPruned, noticesPruned } satisfies RetentionReport;
  });

export const retentionOf = (config: AppConfig["Type"]): RetentionSettings => ({
  archiveAfterDays: config.archiveAfterDays,
  auditRetentionDays: config.auditRetentionDays,
  noticeRetentionDays: config.deliveries.retentionDays,
});

/** Every hour while the server runs (first a minute after it starts), logging what it moved. */
export const RetentionJobLive = Layer.scopedDiscard(
  Effect.gen(function* () {
    const settings = retentionOf(yield* AppConfig);
    const run = Effect.flatMap(Clock.currentTimeMillis, (now) => retainOnce(settings, now)).pipe(
      Effect.tap((report) =>
        report.archived + report.auditPruned + report.noticesPruned === 0 ? Effect.void : Effect.logInfo("retention").pipe(Effect.annotateLogs({ ...report })),
      ),
      Effect.ignoreLogged,
    );
    yield* Effect.sleep(Duration.minutes(1)).pipe(Effect.zipRight(run.pipe(Effect.repeat(Schedule.spaced(Duration.hours(1))))), Effect.forkScoped);
  }),
);
