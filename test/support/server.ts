import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freeLoopbackPort } from "../../src/persistence/EmbeddedPostgres.ts";

/** `rendezvous serve` in a child process, as an operator runs it; resolves once it says it is running. */
export const spawnServer = async (env: Record<string, string>, args: ReadonlyArray<string> = []): Promise<SpawnedServer> => {
  // A port picked free may be taken by another process before the server listens (it listens
  // exclusively): pick again, unless the caller chose the port.
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnOnce(env, args);
    } catch (error) {
      if (env["PORT"] !== undefined || attempt >= 5 || !String(error).includes("port is in use")) throw error;
    }
  }
};

export interface SpawnedServer {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  readonly output: () => string;
}

const spawnOnce = async (env: Record<string, string>, args: ReadonlyArray<string>): Promise<SpawnedServer> => {
  const port = await freeLoopbackPort();
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "serve", ...args], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: mkdtempSync(join(tmpdir(), "rendezvous-serve-")),
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", () => output.includes("Rendezvous is running") && resolve());
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
  });
  return { child, port, url: `http://127.0.0.1:${port}`, output: () => output };
};

export const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once("exit", resolve)));
