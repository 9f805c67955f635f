import { NodeRuntime } from "@effect/platform-node";
import { Effect, Layer, Logger } from "effect";
import { HttpServer } from "../http/server.ts";
import { AppConfig } from "../AppConfig.ts";
import { App, MigratedDatabase, Repositories, withEnvironment } from "./layers.ts";
import { DEMO_EVENT_SLUG, DEMO_HOST_SLUG, seedDemo } from "./seed.ts";

const [command = "serve", ...args] = process.argv.slice(2);

const usage = `usage: rendezvous <command>
  serve [--seed-demo]   migrate, optionally seed the demo host, and serve (PORT, default 3000)
  migrate               apply pending migrations and exit
  seed                  create the demo host (if missing) and exit
  slots < spec.json     print the offered slots of a JSON availability spec
  storm --url …         book random slots over HTTP under load and verify (see README)`;

const printLinks = Effect.gen(function* () {
  const server = yield* HttpServer;
  const config = yield* AppConfig;
  const base = config.publicUrl;
  process.stdout.write(
    `\nRendezvous is running on port ${server.port}\n` +
      `  all booking pages: ${base}/\n` +
      (args.includes("--seed-demo") ? `  demo booking page: ${base}/${DEMO_HOST_SLUG}/${DEMO_EVENT_SLUG}\n` : "") +
      `  health:            ${base}/health\n\n`,
  );
});

const serve = Layer.launch(
  Layer.effectDiscard(printLinks).pipe(
    Layer.provideMerge(App),
    Layer.provideMerge(args.includes("--seed-demo") ? Layer.effectDiscard(seedDemo) : Layer.empty),
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

const commands: Record<string, () => Effect.Effect<unknown, unknown>> = {
  serve: () => serve,
  migrate: () => migrateOnly,
  seed: () => seedOnly,
};

const run = commands[command];
if (run === undefined) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
} else {
  // One logfmt line per event, in the same shape as the request log.
  NodeRuntime.runMain(run().pipe(Effect.provide(Logger.logFmt)) as Effect.Effect<unknown, unknown>, {
    disablePrettyLogger: true,
  });
}
