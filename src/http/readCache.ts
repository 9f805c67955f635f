import type { HostId } from "../domain/model.ts";
import type { Reply, Validity } from "./exchange.ts";

interface Entry {
  readonly reply: Reply;
  readonly validity: Validity;
  readonly bytes: number;
}

/** Bounded by bytes, not entries: URLs with made-up query parameters must not grow memory. */
const MAX_BYTES = 32 * 1024 * 1024;

/**
 * Replies to repeated reads, keyed by the raw request line (path, query, encoding), checked
 * before a request is even parsed. Many visitors of a busy host ask for the same fragment:
 * the second one costs a lookup and a write.
 */
export class ReadCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    private readonly currentVersion: (hostId: HostId) => number | undefined,
    private readonly maxBytes = MAX_BYTES,
  ) {}

  get(key: string, now: number): Reply | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    const { hostId, version, minute } = entry.validity;
    if (minute === Math.floor(now / 60_000) && this.currentVersion(hostId) === version) return entry.reply;
    this.remove(key, entry);
    return undefined;
  }

  set(key: string, reply: Reply, validity: Validity) {
    const bytes = key.length + (typeof reply.body === "string" ? Buffer.byteLength(reply.body) : reply.body.byteLength);
    const old = this.entries.get(key);
    if (old !== undefined) this.remove(key, old);
    // Oldest first: a Map iterates in insertion order.
    for (const [oldestKey, oldest] of this.entries) {
      if (this.bytes + bytes <= this.maxBytes) break;
      this.remove(oldestKey, oldest);
    }
    this.entries.set(key, { reply, validity, bytes });
    this.bytes += bytes;
  }

  /** Bytes of reply bodies (and keys) held, for /metrics. */
  get size() {
    return this.bytes;
  }

  private remove(key: string, entry: Entry) {
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}
