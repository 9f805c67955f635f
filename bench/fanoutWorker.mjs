/**
 * One share of the bench's live pages: opens WebSockets to a host's topic and reports, for
 * each, when the removal fragment arrived (on the shared clock, performance.timeOrigin + now).
 *
 * The client is a minimal RFC 6455 reader on plain sockets, not the `ws` package: here the
 * pages share two cores with the server, and `ws`'s per-message work (measured: about 50 ms
 * of the p99 for 10,000 pages) would be charged to the server's fan-out. It does the real
 * upgrade handshake and reads unmasked server frames; it never sends (the bench is shorter
 * than the server's idle timeout, so no pong is owed).
 */
import { createHash, randomBytes } from "node:crypto";
import net from "node:net";
import { parentPort, workerData } from "node:worker_threads";

const { url, count } = workerData;
const target = new URL(url);
const arrivals = new Float64Array(count);
let expected = "";
let received = 0;

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** Text frames as they complete, from a socket's byte stream. */
const frameReader = (onText) => {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      if (pending.length < 2) return;
      const opcode = pending[0] & 0x0f;
      let length = pending[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (pending.length < 4) return;
        length = pending.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (pending.length < 10) return;
        length = Number(pending.readBigUInt64BE(2));
        offset = 10;
      }
      if (pending.length < offset + length) return;
      if (opcode === 1) onText(pending.toString("utf8", offset, offset + length));
      pending = pending.subarray(offset + length);
    }
  };
};

const open = (index) =>
  new Promise((resolve, reject) => {
    const key = randomBytes(16).toString("base64");
    const accept = createHash("sha1").update(key + GUID).digest("base64");
    const socket = net.connect(Number(target.port), target.hostname);
    socket.setNoDelay(true);
    const frames = frameReader((text) => {
      if (arrivals[index] === 0 && expected !== "" && text.includes(expected)) {
        arrivals[index] = performance.timeOrigin + performance.now();
        if (++received === count) parentPort.postMessage({ type: "done", arrivals });
      }
    });
    let handshake = "";
    const onHandshake = (chunk) => {
      handshake += chunk.toString("latin1");
      const end = handshake.indexOf("\r\n\r\n");
      if (end === -1) return;
      if (!handshake.startsWith("HTTP/1.1 101") || !handshake.includes(`Sec-WebSocket-Accept: ${accept}`)) {
        return reject(new Error(`upgrade refused: ${handshake.slice(0, end)}`));
      }
      socket.off("data", onHandshake).on("data", frames);
      const rest = Buffer.from(handshake.slice(end + 4), "latin1");
      if (rest.length > 0) frames(rest);
      resolve(socket);
    };
    socket.on("data", onHandshake).once("error", reject);
    socket.once("connect", () =>
      socket.write(
        `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
    );
  });

const sockets = [];
for (let i = 0; i < count; i += 250) {
  sockets.push(...(await Promise.all(Array.from({ length: Math.min(250, count - i) }, (_, j) => open(i + j)))));
}
parentPort.on("message", (message) => {
  if (message.type === "expect") expected = message.expected;
  if (message.type === "report") parentPort.postMessage({ type: "done", arrivals });
  if (message.type === "close") {
    for (const s of sockets) s.destroy();
    parentPort.close();
  }
});
parentPort.postMessage({ type: "open" });
