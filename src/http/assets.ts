import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import type { PageContext } from "../views/Layout.tsx";
import type { Reply, Request } from "./exchange.ts";

interface Asset {
  readonly type: string;
  readonly identity: Buffer;
  readonly gzip: Buffer;
  readonly brotli: Buffer;
}

const require = createRequire(import.meta.url);
const own = (file: string) => new URL(`../views/assets/${file}`, import.meta.url);

const JS = "text/javascript; charset=utf-8";

/**
 * Our CSS, and one script: htmx, its WebSocket extension and ours, in that order, all from our
 * own origin. One file, because htmx starts on a timer once its own deferred script has run: an
 * extension in a separate script that arrives later would miss the start, and the page would
 * never connect its live socket.
 */
const SOURCES = {
  css: { files: [own("app.css")], name: "app", ext: "css", type: "text/css; charset=utf-8" },
  js: {
    files: [require.resolve("htmx.org/dist/htmx.min.js"), require.resolve("htmx.org/dist/ext/hx-ws.min.js"), own("app.js")],
    name: "app",
    ext: "js",
    type: JS,
  },
} as const;

/** Scripts other sites load by a fixed address (the embed snippet): cached for an hour, not a year. */
const FIXED = { "/embed.js": own("embed.js") } as const;

export interface Assets {
  readonly urls: PageContext["assets"];
  readonly serve: (request: Request) => Reply | undefined;
}

/**
 * Loads, fingerprints and pre-compresses the static assets once. Their URLs carry a content
 * hash, so they are cached for a year and a new release simply changes the URL.
 */
export const loadAssets = (): Assets => {
  const byPath = new Map<string, Asset>();
  const urls: Record<string, string> = {};
  for (const [key, source] of Object.entries(SOURCES)) {
    const identity = Buffer.concat(source.files.flatMap((file) => [readFileSync(file), Buffer.from("\n;\n")]));
    const hash = createHash("sha256").update(identity).digest("hex").slice(0, 12);
    const path = `/assets/${source.name}.${hash}.${source.ext}`;
    urls[key] = path;
    byPath.set(path, {
      type: source.type,
      identity,
      gzip: gzipSync(identity, { level: 9 }),
      brotli: brotliCompressSync(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
    });
  }
  const fixed = new Set<string>();
  for (const [path, file] of Object.entries(FIXED)) {
    const identity = readFileSync(file);
    fixed.add(path);
    byPath.set(path, { type: JS, identity, gzip: gzipSync(identity, { level: 9 }), brotli: brotliCompressSync(identity) });
  }
  return {
    urls: urls as unknown as PageContext["assets"],
    serve: (request) => {
      const asset = byPath.get(request.path);
      if (asset === undefined) return undefined;
      const accepts = request.headers.get("accept-encoding") ?? "";
      const [encoding, body] = accepts.includes("br")
        ? (["br", asset.brotli] as const)
        : accepts.includes("gzip")
          ? (["gzip", asset.gzip] as const)
          : ([undefined, asset.identity] as const);
      const headers: [string, string][] = [
        ["Content-Type", asset.type],
        ["Cache-Control", fixed.has(request.path) ? "public, max-age=3600" : "public, max-age=31536000, immutable"],
        ["Vary", "Accept-Encoding"],
      ];
      if (encoding !== undefined) headers.push(["Content-Encoding", encoding]);
      return { status: 200, headers, body };
    },
  };
};
