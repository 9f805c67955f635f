import { NodeRuntime } from "@effect/platform-node";
import { Effect, Layer, Logger } from "effect";
import { AppConfig } from "../AppConfig.ts";
import { HttpServer } from "../http/server.ts";
import { App, MigratedDatabase, Repositories, withEnvironment } from "./layers.ts";
import { DEMO_EVENT_SLUG, DEMO_HOST_SLUG, seedDemo } from "./seed.ts";

const printLinks = (seeded: boolean) =>
  Effect.gen(function* () {
    const server = yield* HttpServer;
    const base = (yield* AppConfig).publicUrl;
    process.stdout.write(
      `\nRendezvous is running on port ${server.port}\n` +
        `  all booking pages: ${base}/\n` +
        (seeded ? `  demo booking page: ${base}/${DEMO_HOST_SLUG}/${DEMO_EVENT_SLUG}\n` : "") +
        `  health:            ${base}/health\n\n`,
    );
  });

const serve = (seed: boolean) =>
  Layer.launch(
    Layer.effectDiscard(printLinks(seed)).pipe(
      Layer.provideMerge(App),
      Layer.provideMerge(seed ? Layer.effectDiscard(seedDemo) : Layer.empty),
      Layer.provideMerge(Repositories),
      Layer.provideMerge(MigratedDatabase),
      withEnvironment,
    ),
  );

const migrateOnly = Effect.void.pipe(Effect.provide(withEnvironment(MigratedDatabase)));

const seedOnly = seedDemo.pipe(
  Effect.tap((id) => Effect.logInfo("demo host ready").pipe(Effect.annotateLogs({ id }))),
  Effect.provide(withEnvironment(Repositories.pipe(Layer.provideMerge(MigratedDatabase)))),
);

/** Runs until done or until SIGINT/SIGTERM, which close every scope (server, actors, Postgres). */
export const runServerCommand = (command: "serve" | "migrate" | "seed", args: ReadonlyArray<string>) => {
  const program: Effect.Effect<unknown, unknown> =
    command === "serve" ? serve(args.includes("--seed-demo")) : command === "migrate" ? migrateOnly : seedOnly;
  // One logfmt line per event, in the same shape as the request log.
  NodeRuntime.runMain(program.pipe(Effect.provide(Logger.logFmt)), { disablePrettyLogger: true });
};
