import { Effect, Layer, Option } from "effect";
import { AppConfig } from "../AppConfig.ts";
import { HostActorsLive } from "../actors/HostActors.ts";
import { HostChangesInProcess } from "../live/HostChanges.ts";
import { AgendaRepository } from "../persistence/AgendaRepository.ts";
import { ApiKeyRepository } from "../persistence/ApiKeyRepository.ts";
import { ArchiveRepository } from "../persistence/ArchiveRepository.ts";
import { IdempotencyRepository } from "../persistence/IdempotencyRepository.ts";
import { BookingRepository } from "../persistence/BookingRepository.ts";
import { DatabaseLive, SharedDatabaseLive } from "../persistence/Database.ts";
import { DeliveryRepository } from "../persistence/DeliveryRepository.ts";
import { HostRepository } from "../persistence/HostRepository.ts";
import { HostSessionRepository } from "../persistence/HostSessionRepository.ts";
import { MeetingsRepository } from "../persistence/MeetingsRepository.ts";
import { migrate } from "../persistence/migrations.ts";
import { WebhookRepository } from "../persistence/WebhookRepository.ts";

// Apart from layers.ts so that what needs no web server (actor tests, one-off commands) does not load it.

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
  ApiKeyRepository.Default,
  IdempotencyRepository.Default,
  ArchiveRepository.Default,
).pipe(
  Layer.provideMerge(DeliveryRepository.Default),
);

/**
 * The host actors: in this process, or (with CLUSTER_PORT) placed across processes by the
 * cluster, whose code is loaded only then.
 */
const HostActorsOfConfig = Layer.unwrapEffect(
  Effect.flatMap(AppConfig, (config) =>
    Option.match(config.cluster, {
      onNone: () => Effect.succeed(HostActorsLive),
      onSome: (settings) => Effect.promise(() => import("../actors/cluster/ClusterHostActors.ts")).pipe(Effect.map((m) => m.ClusterHostActorsLive(settings))),
    }),
  ),
);

/** Everything but the web server: actors, the change bus, repositories, the database. */
export const Core = HostActorsOfConfig.pipe(
  Layer.provideMerge(HostChangesInProcess),
  Layer.provideMerge(Repositories),
  Layer.provideMerge(MigratedDatabase),
);
