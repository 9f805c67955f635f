import uWS from "uWebSockets.js";

/**
 * uWebSockets.js with its native binary. The package silently falls back to a slow JS shim
 * when no binary matches this Node (it ships them for Node 16/18/20 only), and that shim lacks
 * methods we use, so we refuse to run on it rather than misbehave.
 */
export const nativeUws = (): typeof uWS => {
  if (typeof (uWS as { getParts?: unknown }).getParts !== "function") {
    throw new Error(
      `uWebSockets.js did not load its native binary on Node ${process.versions.node} ` +
        `(ABI ${process.versions.modules}); Rendezvous needs Node 20 (see "engines" in package.json).`,
    );
  }
  return uWS;
};

export type { HttpRequest as UwsRequest, HttpResponse as UwsResponse, TemplatedApp, us_socket_context_t as UwsContext, WebSocket } from "uWebSockets.js";
