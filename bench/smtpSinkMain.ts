import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

/**
 * Accepts every message. With REPORT=1 it prints `accepted <Message-ID> <epoch ms>` for each,
 * at the moment it answers 250, so a benchmark can time commit → accepted.
 */
const report = process.env["REPORT"] === "1";
const server = new SMTPServer({
  secure: false,
  authOptional: true,
  disabledCommands: ["STARTTLS", "AUTH"],
  logger: false,
  closeTimeout: 500,
  onData(stream, _session, callback) {
    let head = "";
    stream.on("data", (chunk: Buffer) => {
      if (report && head.length < 8192) head += chunk.toString("latin1");
    });
    stream.on("end", () => {
      if (report) process.stdout.write(`accepted ${/^Message-ID:\s*(\S+)/im.exec(head)?.[1] ?? "?"} ${Date.now()}\n`);
      callback();
    });
  },
});
// A client that resets its connection (the server under test stopping) is not the sink's failure.
server.on("error", () => {});
server.listen(0, "127.0.0.1", () => process.stdout.write(`listening ${(server.server.address() as AddressInfo).port}\n`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
