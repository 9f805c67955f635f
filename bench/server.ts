import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { freeLoopbackPort } from "../src/persistence/EmbeddedPostgres.ts";

/** The unit of utime and stime in /proc/<pid>/stat (USER_HZ, 100 on every Linux we run on). */
const CLOCK_TICKS_PER_SECOND = 100;

/** Seconds of CPU (user and system) process `pid` has used so far; Linux only. */
export const cpuSecondsOfProcess = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
};

/** Resolves with the first match of `pattern` in what `child` has written to stdout; rejects if it exits first. */
export const untilOutput = (child: ChildProcess, pattern: RegExp) =>
  new Promise<RegExpExecArray>((resolve, reject) => {
    let out = "";
    const onData = (d: Buffer) => {
      out += d.toString();
      const found = pattern.exec(out);
      if (found !== null) (child.stdout!.off("data", onData), resolve(found));
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${child.spawnargs.slice(-2).join(" ")} exited with ${code}: ${out}`)));
  });

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
  await untilOutput(child, /Rendezvous is running/);
  return {
    url: `http://127.0.0.1:${port}`,
    /** Seconds of CPU (user and system) the server has used so far; Linux only. */
    cpuSeconds: () => cpuSecondsOfProcess(child.pid!),
    stop: () => new Promise((r) => (child.kill("SIGTERM"), child.once("exit", r))),
  };
};
