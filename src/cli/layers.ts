import { Layer, Logger, LogLevel } from "effect";
import { AppConfigLive } from "../AppConfig.ts";
import { HttpServerLive } from "../http/server.ts";
import { DeliveryWorkerLive } from "../notify/DeliveryWorker.ts";
import { MailerLive } from "../notify/Mailer.ts";
import { AgendaWorkerLive } from "../notify/agenda.ts";
import { RetentionJobLive } from "../ops/retention.ts";
import { Core } from "./core.ts";

/** The outbox worker and the transport it sends through (the server sends account mail through it too). */
export const Deliveries = Layer.merge(DeliveryWorkerLive, AgendaWorkerLive).pipe(Layer.provideMerge(MailerLive));

export const App = HttpServerLive.pipe(Layer.provideMerge(Deliveries), Layer.provideMerge(RetentionJobLive), Layer.provideMerge(Core));


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
