import { gzipSync } from "node:zlib";
import type { HostId } from "../domain/model.ts";
import { logs } from "./log.ts";
import type { UwsRequest, UwsResponse } from "./uws.ts";

/** What a handler sees of a request: copied out of uWS before any await (uWS requests die then). */
export interface Request {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly params: ReadonlyArray<string>;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
  /** The client's address (see clientAddress.ts); empty unless limits are on or the route asked for it. */
  readonly address: string;
}

/**
 * What a cacheable read depended on: a reply stays valid while the host's snapshot version
 * and the minute are the same (minimum notice moves with the clock).
 */
export interface Validity {
  readonly hostId: HostId;
  readonly version: number;
  readonly minute: number;
}

export interface Reply {
  readonly status: number;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: string | Uint8Array;
  /** Set by reads whose reply may be reused while the host's calendar and the minute are the same. */
  readonly validity?: Validity;
}

/** Tells a reply from the other values a handler step may produce (a decoded body, a found booking…). */
export const isReply = (u: unknown): u is Reply => typeof u === "object" && u !== null && "status" in u && "body" in u;

const STATUS_TEXT: Record<number, string> = {
  200: "200 OK",
  201: "201 Created",
  204: "204 No Content",
  303: "303 See Other",
  304: "304 Not Modified",
  400: "400 Bad Request",
  401: "401 Unauthorized",
  403: "403 Forbidden",
  404: "404 Not Found",
  405: "405 Method Not Allowed",
  409: "409 Conflict",
  410: "410 Gone",
  413: "413 Payload Too Large",
  415: "415 Unsupported Media Type",
  422: "422 Unprocessable Entity",
  429: "429 Too Many Requests",
  500: "500 Internal Server Error",
  503: "503 Service Unavailable",
};

export const statusLine = (status: number) => STATUS_TEXT[status] ?? `${status} Status`;

export const MAX_BODY_BYTES = 64 * 1024;

/** The request headers handlers read; copying only these keeps the hot path short. */
const HEADERS = [
  "accept-encoding",
  "accept-language",
  "authorization",
  "content-type",
  "cookie",
  // Read by loopback-only routes: a proxy on this machine must not make everyone local.
  "forwarded",
  "host",
  "hx-request",
  "hx-request-type",
  "idempotency-key",
  "if-match",
  "if-none-match",
  "origin",
  "sec-fetch-site",
  "x-forwarded-for",
] as const;

export class BodyTooLarge extends Error {}
/** The client went away before its body arrived: nobody is left to answer. */
export class BodyAborted extends Error {}
/** A path segment that is not valid percent-encoded UTF-8 (`/%ZZ`): a 400, never a crash. */
export class MalformedPath extends Error {}

const decodeSegment = (raw: string) => {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new MalformedPath();
  }
};

const EMPTY = Buffer.alloc(0);

/**
 * Copies the request synchronously and registers the abort handler (returning from a uWS
 * handler without one aborts the process), then collects the body, copying each chunk: uWS
 * reuses the buffer after the callback.
 */
export const receive = (
  res: UwsResponse,
  req: UwsRequest,
  state: ExchangeState,
  paramCount: number,
  withBody: boolean,
  address: string,
): Request | Promise<Request> => {
  const headers = new Map<string, string>();
  for (const name of HEADERS) {
    const value = req.getHeader(name);
    if (value !== "") headers.set(name, value);
  }
  // Only posts start sessions, whose device it names, and only logged requests carry an id:
  // reads, the hot path, skip both unless debug logging shows them.
  if (withBody || logs("debug")) {
    for (const name of ["user-agent", "x-request-id"]) {
      const value = req.getHeader(name);
      if (value !== "") headers.set(name, value);
    }
  }
  const params: string[] = [];
  for (let i = 0; i < paramCount; i++) params.push(decodeSegment(req.getParameter(i) ?? ""));
  const base = {
    method: req.getCaseSensitiveMethod().toUpperCase(),
    path: req.getUrl(),
    query: new URLSearchParams(req.getQuery() ?? ""),
    params,
    headers,
    address,
  };
  // Without a body the request is complete now: reads can answer before the handler returns.
  if (!withBody) return { ...base, body: EMPTY };
  return new Promise<Request>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // A client that leaves mid-body must still settle the request, or it would count as in flight for good.
    state.onAbort = () => reject(new BodyAborted());
    res.onData((chunk, isLast) => {
      if (size > MAX_BODY_BYTES) return;
      size += chunk.byteLength;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(Buffer.from(chunk.slice(0)));
      if (isLast) resolve({ ...base, body: Buffer.concat(chunks) });
    });
  });
};

/** What one exchange knows of its connection: set by uWS's abort callback, which must exist before the handler returns. */
export interface ExchangeState {
  aborted: boolean;
  onAbort: (() => void) | undefined;
}

export const watchAbort = (res: UwsResponse): ExchangeState => {
  const state: ExchangeState = { aborted: false, onAbort: undefined };
  res.onAborted(() => {
    state.aborted = true;
    state.onAbort?.();
  });
  return state;
};

const COMPRESSIBLE = /^(text\/|application\/(json|problem\+json|javascript))/;

/**
 * Writes a reply unless the client went away. Inside the uWS handler the response is already
 * corked; after an await it must be corked here (else uWS sends each part on its own).
 */
export const respond = (
  res: UwsResponse,
  state: ExchangeState,
  request: Request | undefined,
  reply: Reply,
  insideHandler: boolean,
  closeConnection: boolean,
) => {
  if (state.aborted) return;
  let body = reply.body;
  let encoding: string | undefined;
  if (body.length > 1400 && (request?.headers.get("accept-encoding") ?? "").includes("gzip")) {
    const type = reply.headers.find(([k]) => k === "Content-Type")?.[1] ?? "";
    if (COMPRESSIBLE.test(type) && !reply.headers.some(([k]) => k === "Content-Encoding")) {
      body = gzipSync(body, { level: 5 });
      encoding = "gzip";
    }
  }
  const write = () => {
    res.writeStatus(statusLine(reply.status));
    for (const [k, v] of reply.headers) res.writeHeader(k, v);
    if (encoding !== undefined) res.writeHeader("Content-Encoding", encoding);
    if (request?.method === "HEAD") res.endWithoutBody(body.length, closeConnection);
    else res.end(body, closeConnection);
  };
  if (insideHandler) write();
  else res.cork(write);
};
