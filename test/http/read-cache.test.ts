import { Effect } from "effect";
import { beforeAll, describe, expect, it } from "vitest";
import { HostActors } from "../../src/actors/HostActors.ts";
import { Book } from "../../src/actors/protocol.ts";
import type { EpochMs } from "../../src/domain/time.ts";
import type { HostId } from "../../src/domain/model.ts";
import { ReadCache } from "../../src/http/readCache.ts";
import { slotElementId } from "../../src/views/SlotList.tsx";
import { useTestApp } from "../support/app.ts";
import { offeredStarts } from "../support/client.ts";
import { createHost, type HostFixture } from "../support/fixtures.ts";

const app = useTestApp();
let host: HostFixture;

beforeAll(async () => {
  host = await app.runtime.runPromise(createHost());
});

const weekFragment = async (query: string, headers: Record<string, string> = {}) => {
  const response = await fetch(`${app.url}/${host.hostSlug}/${host.eventSlug}/slots?days=7&${query}`, { headers });
  return { status: response.status, encoding: response.headers.get("content-encoding"), body: await response.text() };
};

const book = (start: string) =>
  app.runtime.runPromise(
    Effect.flatMap(HostActors, (actors) =>
      actors.ask(
        host.hostId,
        new Book({
          eventTypeId: host.eventTypeId,
          start: Date.parse(start) as EpochMs,
          invitee: { name: "Ada", email: "ada@example.com", timeZone: "UTC" },
          answers: {},
          idempotencyKey: null,
          holdToken: null,
          visitor: null,
        }),
      ),
    ),
  );

describe("repeated slot-list reads", () => {
  it("are answered again until the host changes, then show the change", async () => {
    const first = await weekFragment("tz=Asia/Tokyo");
    const again = await weekFragment("tz=Asia/Tokyo");
    expect(first.status).toBe(200);
    expect(first.encoding).toBe("gzip");
    expect(again.body).toBe(first.body);

    const start = offeredStarts(first.body)[0]!;
    const elementId = slotElementId(host.eventTypeId, Date.parse(start) as EpochMs);
    expect(first.body).toContain(`id="${elementId}"`);
    await book(start);

    const after = await weekFragment("tz=Asia/Tokyo");
    expect(after.body).not.toContain(`id="${elementId}"`);
    expect(offeredStarts(after.body)).toEqual(offeredStarts(first.body).slice(1));
  });

  it("keep apart what differs in the request: zone, language, encoding", async () => {
    const tokyo = await weekFragment("tz=Asia/Tokyo", { "accept-language": "en-US" });
    const lima = await weekFragment("tz=America/Lima", { "accept-language": "en-US" });
    const tokyo24h = await weekFragment("tz=Asia/Tokyo", { "accept-language": "de-DE" });
    const plain = await weekFragment("tz=Asia/Tokyo", { "accept-language": "en-US", "accept-encoding": "identity" });
    const cookieZone = await weekFragment("", { "accept-language": "en-US", cookie: "rv_tz=America/Lima" });

    // A week of days in Lima is not the same stretch of time as a week of days in Tokyo.
    expect(offeredStarts(lima.body)).not.toEqual(offeredStarts(tokyo.body));
    expect(tokyo.body).toMatch(/\b(AM|PM)\b/);
    expect(tokyo24h.body).not.toMatch(/\b(AM|PM)\b/);
    expect(plain.encoding).toBeNull();
    expect(plain.body).toBe(tokyo.body);
    expect(cookieZone.body).toBe(lima.body);
  });
});

describe("the read cache", () => {
  const hostId = "h" as HostId;
  const reply = (body: string) => ({ status: 200, headers: [], body });
  const now = 1_800_000_000_000;
  const validity = { hostId, version: 7, minute: Math.floor(now / 60_000) };

  it("forgets the oldest replies to stay within its byte budget", () => {
    const cache = new ReadCache(() => 7, 10_000);
    for (let i = 0; i < 100; i++) cache.set(`/u?n=${i}`, reply("x".repeat(1_000)), validity);
    expect(cache.size).toBeLessThanOrEqual(10_000);
    expect(cache.get("/u?n=0", now)).toBeUndefined();
    expect(cache.get("/u?n=99", now)?.body).toBe("x".repeat(1_000));
  });

  it("answers only while the host's version and the minute are the ones the reply was made for", () => {
    let version = 7;
    const cache = new ReadCache(() => version, 10_000);
    cache.set("/a", reply("a"), validity);
    expect(cache.get("/a", now + 60_000)).toBeUndefined();
    cache.set("/a", reply("a"), validity);
    version = 8;
    expect(cache.get("/a", now)).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});

describe("/metrics", () => {
  it("reports open live sockets and fan-out in the Prometheus text format", async () => {
    const response = await fetch(`${app.url}/metrics`);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    expect(text).toMatch(/^rendezvous_live_sockets 0$/m);
    expect(text).toMatch(/^rendezvous_live_publish_seconds_count \d+$/m);
  });
});
