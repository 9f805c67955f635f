import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freeLoopbackPort } from "../src/persistence/EmbeddedPostgres.ts";
import { cpuSecondsOfProcess, untilOutput } from "./server.ts";
import { round } from "./stats.ts";

const MAIN = fileURLToPath(new URL("./engineFloorMain.ts", import.meta.url));

const start = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "inherit"] });

/**
 * What @effect/cluster itself costs per forwarded command, without any of the app: one runner
 * process hosts the `Host` entity with handlers that answer a booking at once, another sends it
 * `messages` Book commands, `concurrency` at a time, through the same entity client
 * `ClusterHostActors` forwards with. CPU per message is both processes' together, from /proc.
 * `databaseUrl`: an empty database (the runners register and lease shards there).
 */
export const measureEngineFloor = async (databaseUrl: string, messages: number, concurrency: number) => {
  const env = { FLOOR_DATABASE_URL: databaseUrl, FLOOR_MESSAGES: String(messages), FLOOR_CONCURRENCY: String(concurrency) };
  const runner = start(["runner", String(await freeLoopbackPort())], env);
  const processes: ChildProcess[] = [runner];
  try {
    await untilOutput(runner, /Listening on/);
    const client = start(["client"], env);
    processes.push(client);
    await untilOutput(client, /^warm$/m);
    const cpuOf = () => [runner, client].map((p) => cpuSecondsOfProcess(p.pid!));
    const before = cpuOf();
    const done = untilOutput(client, /^done (\d+) (\S+)$/m);
    client.stdin!.write("go\n");
    const elapsedMs = Number((await done)[2]);
    const [runnerCpu, clientCpu] = cpuOf().map((seconds, i) => seconds - before[i]!) as [number, number];
    const cpu = runnerCpu + clientCpu;
    return {
      messages,
      concurrency,
      messagesPerSecond: Math.round((messages * 1000) / elapsedMs),
      cpuMsPerMessage: round((cpu * 1000) / messages, 2),
      ofWhichOwnerMs: round((runnerCpu * 1000) / messages, 2),
    };
  } finally {
    for (const p of processes) p.kill("SIGKILL");
  }
};
