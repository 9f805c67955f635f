import WebSocket from "ws";

/** A live-page WebSocket client that collects text frames and can wait for one that matches. */
export const openLiveSocket = async (url: string, origin?: string, headers: Record<string, string> = {}) => {
  const socket = new WebSocket(url, { headers: { ...(origin === undefined ? {} : { origin }), ...headers } });
  const frames: string[] = [];
  /** How the socket closed, once it has: for diagnosing a socket that stopped hearing. */
  let closed: { readonly code: number; readonly reason: string; readonly at: number } | undefined;
  socket.on("close", (code, reason) => {
    closed = { code, reason: String(reason), at: Date.now() };
  });
  const waiters: { match: (f: string) => boolean; resolve: (f: string) => void }[] = [];
  socket.on("message", (data, isBinary) => {
    const frame = isBinary ? `<binary ${String(data).length}>` : String(data);
    frames.push(frame);
    for (const w of [...waiters]) {
      if (w.match(frame)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(frame);
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
    socket.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  return {
    socket,
    frames,
    /** Resolves with the first frame (seen or future) that matches; the test's timeout bounds the wait. */
    next: (match: (frame: string) => boolean) =>
      new Promise<string>((resolve) => {
        const seen = frames.find(match);
        if (seen !== undefined) resolve(seen);
        else waiters.push({ match, resolve });
      }),
    close: () => socket.close(),
    get closed() {
      return closed;
    },
  };
};
