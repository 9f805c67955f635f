import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * An SMTP server on loopback in a child process that accepts every message and counts them:
 * the mail server of benchmarks, kept out of the process that measures.
 */
export const startSmtpSinkProcess = async () => {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./smtpSinkMain.ts", import.meta.url))], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m !== null) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`smtp sink exited with ${code}`)));
  });
  return { url: `smtp://127.0.0.1:${port}`, stop: () => child.kill("SIGTERM") };
};
