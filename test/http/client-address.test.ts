import { describe, expect, it } from "vitest";
import { clientAddress, isLoopback, normalizeAddress } from "../../src/http/clientAddress.ts";

/** Who a request comes from: the peer, or behind TRUST_PROXY the address its own proxy saw. */
describe("the client address", () => {
  it("is the peer when no proxy is trusted, whatever X-Forwarded-For says", () => {
    expect(clientAddress("203.0.113.9", "198.51.100.1", 0)).toBe("203.0.113.9");
  });

  it("is the entry the trusted proxies appended, never one the client wrote itself", () => {
    // The client sent "1.2.3.4" itself; the one proxy we trust appended the address it saw.
    expect(clientAddress("10.0.0.2", "1.2.3.4, 198.51.100.1", 1)).toBe("198.51.100.1");
    expect(clientAddress("10.0.0.2", "1.2.3.4, 198.51.100.1, 10.0.0.9", 2)).toBe("198.51.100.1");
    // Fewer entries than proxies: the leftmost; no usable entry: the peer.
    expect(clientAddress("10.0.0.2", "198.51.100.1", 3)).toBe("198.51.100.1");
    expect(clientAddress("10.0.0.2", "garbage", 1)).toBe("10.0.0.2");
  });

  it("counts IPv6 clients by their /64, and IPv4-mapped peers (as uWS reports them) as IPv4", () => {
    const a = clientAddress("peer", "2001:db8:1:2:aaaa::1", 1);
    expect(a).toBe(clientAddress("peer", "2001:db8:1:2:bbbb:cccc:dddd:eeee", 1));
    expect(a).not.toBe(clientAddress("peer", "2001:db8:1:3::1", 1));
    expect(normalizeAddress("0000:0000:0000:0000:0000:ffff:7f00:0001")).toBe("127.0.0.1");
    expect(isLoopback(normalizeAddress("0000:0000:0000:0000:0000:ffff:7f00:0001"))).toBe(true);
    expect(isLoopback(normalizeAddress("0000:0000:0000:0000:0000:0000:0000:0001"))).toBe(true);
    expect(isLoopback(normalizeAddress("203.0.113.9"))).toBe(false);
  });
});
