import { Effect, Either, Option, Schema } from "effect";
import { describe, expect, it } from "vitest";
import type { HostId } from "../../src/domain/model.ts";
import { RendezvousApi } from "../../src/http/apiDocument.ts";
import { AvailabilityJson, BookingJson, EventTypeJson, SlotsJson } from "../../src/http/apiReplies.ts";
import { HttpServer } from "../../src/http/server.ts";
import { ApiKeyRepository } from "../../src/persistence/ApiKeyRepository.ts";
import { useTestApp } from "../support/app.ts";
import { createHost } from "../support/fixtures.ts";

const app = useTestApp();

interface Operation {
  readonly operationId: string;
  readonly requestBody?: { readonly content: Record<string, { readonly example?: unknown }> };
  readonly responses: Record<string, unknown>;
}
interface Document {
  readonly openapi: string;
  readonly servers: ReadonlyArray<{ readonly url: string }>;
  readonly paths: Record<string, Record<string, Operation>>;
}

const documentOf = async () => {
  const response = await fetch(`${app.url}/api/v1/openapi.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/json");
  return (await response.json()) as Document;
};

/** The document's operations, with method and path as the server spells them (`:id`, `del`). */
const operationsOf = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, operation]) => ({ method: method === "delete" ? "del" : method, pattern: path.replace(/\{(\w+)\}/g, ":$1"), path, operation })),
  );

const keyFor = (hostId: HostId) =>
  app.runtime.runPromise(Effect.map(Effect.flatMap(ApiKeyRepository, (r) => r.create(hostId, "script", ["write"], Date.now())), (m) => m.key));

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 and documents every API route the server answers, and nothing it does not", async () => {
    const doc = await documentOf();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers[0]!.url).toBe(app.url);
    const server = await app.runtime.runPromise(HttpServer);
    const served = server.routes
      .filter((r) => r.pattern.startsWith("/api/v1/") && !r.pattern.includes("*") && r.pattern !== "/api/v1/openapi.json" && r.pattern !== "/api/v1/docs")
      .map((r) => `${r.method} ${r.pattern}`)
      .sort();
    const documented = operationsOf(doc).map((o) => `${o.method} ${o.pattern}`).sort();
    expect(served.length).toBeGreaterThan(20);
    expect(documented).toEqual(served);
  });

  it("gives every request body an example, and each one is accepted by the Schema its route decodes with", async () => {
    const doc = await documentOf();
    const byId = new Map(operationsOf(doc).map((o) => [o.operation.operationId, o.operation]));
    let checked = 0;
    for (const group of Object.values(RendezvousApi.groups)) {
      for (const endpoint of Object.values(group.endpoints)) {
        const operationId = `${group.identifier}.${endpoint.name}`;
        const operation = byId.get(operationId);
        expect(operation, operationId).toBeDefined();
        if (Option.isNone(endpoint.payloadSchema)) {
          expect(operation!.requestBody, `${operationId} takes no body`).toBeUndefined();
          continue;
        }
        const example = operation!.requestBody?.content["application/json"]?.example;
        expect(example, `${operationId} has an example`).toBeDefined();
        const decoded = Schema.decodeUnknownEither(endpoint.payloadSchema.value as Schema.Schema<unknown, unknown>)(example);
        expect(Either.isRight(decoded), `${operationId}: ${Either.isLeft(decoded) ? decoded.left.message : ""}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it("is all a script needs: with an API key it creates an event type and its hours, lists slots, books, reschedules and cancels", async () => {
    const host = await app.runtime.runPromise(createHost({ timeZone: "UTC", rules: [] }));
    const key = await keyFor(host.hostId);
    const doc = await documentOf();
    const operations = new Map(operationsOf(doc).map((o) => [o.operation.operationId, o]));
    /** Calls an operation by its id: method and path from the document, path parameters filled in. */
    const call = async (operationId: string, params: Record<string, string>, body?: unknown) => {
      const o = operations.get(operationId);
      if (o === undefined) throw new Error(`${operationId} is not in the document`);
      const path = o.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name]!));
      const query = new URLSearchParams(Object.entries(params).filter(([name]) => !o.path.includes(`{${name}}`))).toString();
      const response = await fetch(`${doc.servers[0]!.url}${path}${query === "" ? "" : `?${query}`}`, {
        method: o.method === "del" ? "DELETE" : o.method.toUpperCase(),
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      expect(Object.keys(o.operation.responses), `${operationId} documents ${response.status}`).toContain(String(response.status));
      return { status: response.status, body: text === "" ? undefined : (JSON.parse(text) as unknown) };
    };

    const created = await call("Host.createEventType", {}, { slug: "consult", title: "Consultation", durationMinutes: 45, minimumNoticeMinutes: 60 });
    expect(created.status).toBe(201);
    const eventType = Schema.decodeUnknownSync(EventTypeJson)(created.body);
    const hours = await call("Host.replaceWeeklyHours", {}, { rules: [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start: "09:00", end: "12:00" })) });
    expect(Schema.decodeUnknownSync(AvailabilityJson)(hours.body).rules).toHaveLength(7);
    const from = new Date(Date.now() + 86_400_000).toISOString();
    const slots = Schema.decodeUnknownSync(SlotsJson)((await call("Invitee.listSlots", { host: host.hostSlug, event: eventType.slug, from })).body);
    expect(slots.slots.length).toBeGreaterThan(4);
    const booked = await call("Invitee.book", {}, { eventTypeId: eventType.id, start: slots.slots[0]!.start, invitee: { name: "Ada", email: "ada@example.com", timeZone: "UTC" } });
    expect(booked.status).toBe(201);
    const booking = Schema.decodeUnknownSync(BookingJson)(booked.body);
    const moved = Schema.decodeUnknownSync(BookingJson)((await call("Invitee.rescheduleBooking", { id: booking.id }, { start: slots.slots[3]!.start })).body);
    expect(moved.start).toBe(slots.slots[3]!.start);
    // A refusal is documented too: the moved-to time is taken now.
    const taken = await call("Invitee.book", {}, { eventTypeId: eventType.id, start: moved.start, invitee: { name: "Bo", email: "bo@example.com", timeZone: "UTC" } });
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ type: `${app.url}/problems/slot-taken`, status: 409 });
    const cancelled = Schema.decodeUnknownSync(BookingJson)((await call("Invitee.cancelBooking", { id: booking.id }, { reason: "closed" })).body);
    expect(cancelled).toMatchObject({ status: "cancelled", cancelledBy: "host", cancelReason: "closed" });
  });

  it("is readable on /api/v1/docs, served from the app with nothing fetched elsewhere", async () => {
    const response = await fetch(`${app.url}/api/v1/docs`);
    expect(response.status).toBe(200);
    const page = await response.text();
    const doc = await documentOf();
    for (const o of operationsOf(doc)) expect(page).toContain(`id="${o.operation.operationId}"`);
    expect(page).toContain("POST /api/v1/host/event-types");
    // Every script and stylesheet is our own.
    for (const [, url] of page.matchAll(/(?:src|href)="([^"#]+)"/g)) expect(url!.startsWith("/") || url!.startsWith("data:"), url).toBe(true);
  });
});
