import { isIP } from "node:net";
import type { UwsResponse } from "./uws.ts";

/**
 * Who a request comes from, for per-address limits and the loopback-only pages. uWS reports
 * IPv6 in full form (`0000:…:ffff:7f00:0001` for IPv4 clients of a dual-stack socket).
 */

const MAPPED_V4 = /^(?:0{1,4}:){5}ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i;

/** IPv4 as dotted quad; IPv6 as its /64 network, because one client usually has the whole /64. */
export const normalizeAddress = (text: string): string => {
  const address = text.trim().replace(/^\[|\]$/g, "").toLowerCase();
  const mapped = MAPPED_V4.exec(address) ?? /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(address);
  if (mapped !== null) {
    const hi = Number.parseInt(mapped[1]!, 16);
    const lo = Number.parseInt(mapped[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted !== null) return dotted[1]!;
  if (isIP(address) !== 6) return address;
  return `${expandV6(address).slice(0, 4).join(":")}::/64`;
};

const expandV6 = (address: string): string[] => {
  const [head = "", tail] = address.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return groups.map((g) => Number.parseInt(g, 16).toString(16));
};

/** `::1` as normalizeAddress keys it: its /64 is all zeros, which nothing routable shares. */
const LOOPBACK_V6 = "0:0:0:0::/64";

export const isLoopback = (normalized: string) => normalized.startsWith("127.") || normalized === LOOPBACK_V6;

/** The peer of the connection (the proxy, when there is one). */
export const peerAddress = (res: UwsResponse) => normalizeAddress(Buffer.from(res.getRemoteAddressAsText()).toString());

/**
 * The client: the peer itself, or, behind `trustedProxies` proxies that each append to
 * `X-Forwarded-For`, the address the outermost trusted proxy saw. Entries a client wrote
 * itself sit further left and are never believed.
 */
export const clientAddress = (peer: string, forwardedFor: string, trustedProxies: number): string => {
  if (trustedProxies === 0 || forwardedFor === "") return peer;
  const hops = forwardedFor.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const chosen = hops[Math.max(0, hops.length - trustedProxies)];
  return chosen === undefined || isIP(chosen.replace(/^\[|\]$/g, "")) === 0 ? peer : normalizeAddress(chosen);
};

/**
 * A request from this machine that no proxy forwarded: a reverse proxy on this machine
 * connects from loopback for everyone, but says so in X-Forwarded-For or Forwarded.
 */
export const isLocalRequest = (request: { readonly address: string; readonly headers: ReadonlyMap<string, string> }) =>
  isLoopback(request.address) && !request.headers.has("x-forwarded-for") && !request.headers.has("forwarded");
