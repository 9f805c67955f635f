import { Layer, Logger, LogLevel } from "effect";
import { HostActorsLive } from "../actors/HostActors.ts";
import { AppConfigLive } from "../AppConfig.ts";
import { HttpServerLive } from "../http/server.ts";
import { HostChangesInProcess } from "../live/HostChanges.ts";
import { BookingRepository } from "../persistence/BookingRepository.ts";
import { DatabaseLive, SharedDatabaseLive } from "../persistence/Database.ts";
import { HostRepository } from "../persistence/HostRepository.ts";
import { DeliveryWorkerLive } from "../notify/DeliveryWorker.ts";
import { MailerLive } from "../notify/Mailer.ts";
import { AgendaWorkerLive } from "../notify/agenda.ts";
import { AgendaRepository } from "../persistence/AgendaRepository.ts";
import { DeliveryRepository } from "../persistence/DeliveryRepository.ts";
import { WebhookRepository } from "../persistence/WebhookRepository.ts";
import { HostSessionRepository } from "../persistence/HostSessionRepository.ts";
import { MeetingsRepository } from "../persistence/MeetingsRepository.ts";
import { migrate } from "../persistence/migrations.ts";

/** The database, migrated before anyone uses it. */
export const MigratedDatabase = Layer.effectDiscard(migrate).pipe(Layer.provideMerge(DatabaseLive));

/** The same, for one-off commands that may run beside a server (see SharedDatabaseLive). */
export const MigratedSharedDatabase = Layer.effectDiscard(migrate).pipe(Layer.provideMerge(SharedDatabaseLive));

export const Repositories = Layer.mergeAll(
  HostRepository.Default,
  BookingRepository.Default,
  HostSessionRepository.Default,
  WebhookRepository.Default,
  MeetingsRepository.Default,
  AgendaRepository.Default,
).pipe(
  Layer.provideMerge(DeliveryRepository.Default),
);

/** Everything but the web server: actors, the change bus, repositories, the database. */
export const Core = HostActorsLive.pipe(
  Layer.provideMerge(HostChangesInProcess),
  Layer.provideMerge(Repositories),
  Layer.provideMerge(MigratedDatabase),
);

/** The outbox worker and the transport it sends through (the server sends account mail through it too). */
export const Deliveries = Layer.merge(DeliveryWorkerLive, AgendaWorkerLive).pipe(Layer.provideMerge(MailerLive));

export const App = HttpServerLive.pipe(Layer.provideMerge(Deliveries), Layer.provideMerge(Core));

const logLevel = (name: string | undefined) => {
  switch ((name ?? "info").toLowerCase()) {
    case "debug":
      return LogLevel.Debug;
    case "warning":
      return LogLevel.Warning;
    case "error":
      return LogLevel.Error;
    case "none":
      return LogLevel.None;
    default:
      return LogLevel.Info;
  }
};

/** Configuration from the environment, and Effect's log level from LOG_LEVEL. */
export const withEnvironment = <A, E, R>(layer: Layer.Layer<A, E, R>) =>
  layer.pipe(Layer.provideMerge(AppConfigLive), Layer.provide(Logger.minimumLogLevel(logLevel(process.env["LOG_LEVEL"]))));
