import { spawn } from "node:child_process";
import { join } from "node:path";
import { freeLoopbackPort } from "../src/persistence/EmbeddedPostgres.ts";

/**
 * `rendezvous serve` in a child process for a benchmark, limits off, mail to `smtpUrl`;
 * resolves once it says it is running. `env` adds or overrides variables.
 */
export const startBenchServer = async (databaseUrl: string, work: string, smtpUrl: string, env: Record<string, string> = {}) => {
  const port = await freeLoopbackPort();
  // BENCH_PROFILE=<folder>: each server writes a CPU profile there when it stops.
  const profile = process.env["BENCH_PROFILE"] === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${process.env["BENCH_PROFILE"]}`];
  const child = spawn(process.execPath, [...profile, "--import", "tsx", "src/cli/main.ts", "serve"], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: join(work, "app"),
      LOG_LEVEL: "warning",
      RATE_LIMIT: process.env["RATE_LIMIT"] ?? "off",
      SMTP_URL: smtpUrl,
      ...env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("Rendezvous is running")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => new Promise((r) => (child.kill("SIGTERM"), child.once("exit", r))) };
};
