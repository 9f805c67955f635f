import { Effect, Layer, Logger, LogLevel, ManagedRuntime, type Redacted } from "effect";
import { afterAll, beforeAll } from "vitest";
import { AppConfigOf, type AppConfigShape } from "../../src/AppConfig.ts";
import { App } from "../../src/cli/layers.ts";
import { freeLoopbackPort } from "../../src/persistence/EmbeddedPostgres.ts";
import { freshDatabase, testConfig } from "./core.ts";

/** The whole app on a fresh database and a free port, as a runtime tests can drive. */
export const startTestApp = async (overrides: Partial<AppConfigShape> = {}): Promise<StartedApp> => {
  // The port is free when picked, but another process may take it before we listen (servers
  // listen exclusively): then pick again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(await freeLoopbackPort(), overrides);
    } catch (error) {
      if (attempt >= 5 || !String(error).includes("port is in use")) throw error;
    }
  }
};

interface StartedApp {
  readonly runtime: ManagedRuntime.ManagedRuntime<Layer.Layer.Success<typeof App>, unknown>;
  readonly url: string;
  readonly databaseUrl: Redacted.Redacted;
  readonly close: () => Promise<void>;
}

const startOnce = async (port: number, overrides: Partial<AppConfigShape>): Promise<StartedApp> => {
  let databaseUrl: Redacted.Redacted | undefined;
  const layer = Layer.unwrapScoped(
    Effect.map(freshDatabase, ({ url }) => {
      databaseUrl = url;
      return App.pipe(Layer.provideMerge(AppConfigOf(testConfig(url, port, overrides))));
    }),
  ).pipe(Layer.provide(Logger.minimumLogLevel(LogLevel.Warning)));
  const runtime = ManagedRuntime.make(layer);
  try {
    await runtime.runPromise(Effect.void);
  } catch (error) {
    await runtime.dispose();
    throw error;
  }
  return { runtime, url: `http://127.0.0.1:${port}`, databaseUrl: databaseUrl!, close: () => runtime.dispose() };
};

export type TestApp = Awaited<ReturnType<typeof startTestApp>>;

/**
 * One app for a whole test file: started before its tests, closed after. The returned object
 * reads through to the running app (`app.url`, `app.runtime`), so tests use it as the app.
 */
export const useTestApp = (overrides: Partial<AppConfigShape> = {}): TestApp => {
  let started: TestApp | undefined;
  beforeAll(async () => {
    started = await startTestApp(overrides);
  });
  afterAll(() => started?.close());
  const running = () => {
    if (started === undefined) throw new Error("the test app is used before its beforeAll ran");
    return started;
  };
  return {
    get runtime() {
      return running().runtime;
    },
    get url() {
      return running().url;
    },
    get databaseUrl() {
      return running().databaseUrl;
    },
    close: () => running().close(),
  };
};
