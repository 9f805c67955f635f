import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * An SMTP server on loopback in a child process that accepts every message: the mail server
 * of benchmarks, kept out of the process that measures. With `report`, `accepted` maps each
 * Message-ID to when the sink answered 250 (epoch ms).
 */
export const startSmtpSinkProcess = async (options: { readonly report?: boolean } = {}) => {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./smtpSinkMain.ts", import.meta.url))], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, REPORT: options.report === true ? "1" : "0" },
  });
  const accepted = new Map<string, number>();
  const waiters: Array<{ readonly n: number; readonly resolve: () => void }> = [];
  let pending = "";
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      pending += d.toString();
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) {
        const listening = /^listening (\d+)$/.exec(line);
        if (listening !== null) resolve(Number(listening[1]));
        const got = /^accepted (\S+) (\d+)$/.exec(line);
        if (got !== null && !accepted.has(got[1]!)) accepted.set(got[1]!, Number(got[2]));
      }
      for (const w of [...waiters]) if (accepted.size >= w.n) (waiters.splice(waiters.indexOf(w), 1), w.resolve());
    });
    child.once("exit", (code) => reject(new Error(`smtp sink exited with ${code}`)));
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    accepted,
    /** Resolves once `n` distinct messages were accepted. */
    until: (n: number) => new Promise<void>((resolve) => (accepted.size >= n ? resolve() : waiters.push({ n, resolve }))),
    stop: () => child.kill("SIGTERM"),
  };
};
