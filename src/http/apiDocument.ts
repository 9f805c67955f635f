import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiMiddleware, HttpApiSchema, HttpApiSecurity, OpenApi } from "@effect/platform";
import { JSONSchema, Schema } from "effect";
import { AvailabilityJson, BookingJson, EventTypeJson, HostBookingJson, Id, InstantText, NoShowJson, ProblemJson, ProfileJson, ScheduleJson, SessionJson, SlotsJson, WebhookJson } from "./apiReplies.ts";
import { BookingRequest, CancelRequest, HostSessionRequest, NoShowRequest, RescheduleRequest, WebhookRequest } from "./routes/api.ts";
import { EventTypeBody, EventTypePatch, OverrideBody, ScheduleBody, WeeklyHoursBody } from "./routes/hostApi.ts";

/**
 * The JSON API as an `HttpApi` definition: the request Schemas are the ones the routes decode
 * with, the reply Schemas type the routes' JSON builders, and `OpenApi.fromApi` turns it into
 * the OpenAPI 3.1 document at /api/v1/openapi.json. Requests are still served by our uWS routes;
 * this definition only describes them (a test checks that every route is in it).
 */

const problem = (status: number) =>
  ProblemJson.pipe(HttpApiSchema.withEncoding({ kind: "Json", contentType: "application/problem+json" })).annotations(HttpApiSchema.annotations({ status }));

class HostKey extends HttpApiMiddleware.Tag<HostKey>()("HostKey", {
  security: { bearer: HttpApiSecurity.bearer.pipe(HttpApiSecurity.annotate(OpenApi.Description, "A host API key (`rvk_…`, made on /host/api-keys) or a host session token.")) },
}) {}

const BookingPath = Schema.Struct({ id: Id });
const EventTypePath = Schema.Struct({ id: Id });
const DatePath = Schema.Struct({ date: Schema.String.annotations({ format: "date", examples: ["2026-12-24"] }) });
const IdempotencyKey = Schema.Struct({ "idempotency-key": Schema.optional(Schema.String.annotations({ description: "Retries with the same key get the first answer; nothing is made twice." })) });
const IfMatch = Schema.Struct({ "if-match": Schema.optional(Schema.String.annotations({ description: "The ETag last read: a stale one is refused with 412." })) });
const Empty = HttpApiSchema.NoContent;


const invitee = HttpApiGroup.make("Invitee")
  .add(
    HttpApiEndpoint.get("listSlots", "/api/v1/hosts/:host/event-types/:event/slots")
      .setPath(Schema.Struct({ host: Schema.String, event: Schema.String }))
      .setUrlParams(
        Schema.Struct({
          from: Schema.optional(InstantText),
          to: Schema.optional(InstantText),
          tz: Schema.optional(Schema.String.annotations({ examples: ["Europe/Vienna"] })),
          duration: Schema.optional(Schema.String.annotations({ description: "One of the event type's durationChoices, in minutes" })),
        }),
      )
      .addSuccess(SlotsJson)
      .addError(problem(400))
      .addError(problem(404))
      .annotate(OpenApi.Description, "The free times of an event type between from and to (default: the next 7 days), in UTC instants."),
  )
  .add(
    HttpApiEndpoint.post("book", "/api/v1/bookings")
      .setHeaders(IdempotencyKey)
      .setPayload(BookingRequest)
      .addSuccess(BookingJson, { status: 201 })
      .addError(problem(400))
      .addError(problem(404))
      .addError(problem(409))
      .addError(problem(422))
      .annotate(OpenApi.Description, "Books a time (a hold token, if given, is used; an expired one is no refusal when the time is still free)."),
  )
  .add(HttpApiEndpoint.get("getBooking", "/api/v1/bookings/:id").setPath(BookingPath).addSuccess(BookingJson).addError(problem(403)).addError(problem(404)))
  .add(
    HttpApiEndpoint.post("cancelBooking", "/api/v1/bookings/:id/cancel")
      .setPath(BookingPath)
      .setPayload(CancelRequest)
      .addSuccess(BookingJson)
      .addError(problem(403))
      .addError(problem(404))
      .addError(problem(409)),
  )
  .add(
    HttpApiEndpoint.post("rescheduleBooking", "/api/v1/bookings/:id/reschedule")
      .setPath(BookingPath)
      .setPayload(RescheduleRequest)
      .addSuccess(BookingJson)
      .addError(problem(400))
      .addError(problem(403))
      .addError(problem(404))
      .addError(problem(409))
      .addError(problem(422)),
  )
  .annotate(OpenApi.Description, "Invitees act on their booking with `Authorization: Bearer <manageToken>`; its host, with an API key.");

const host = HttpApiGroup.make("Host")
  .add(HttpApiEndpoint.post("acceptBooking", "/api/v1/bookings/:id/accept").setPath(BookingPath).addSuccess(BookingJson).addError(problem(404)).addError(problem(409)))
  .add(
    HttpApiEndpoint.post("declineBooking", "/api/v1/bookings/:id/decline")
      .setPath(BookingPath)
      .setPayload(CancelRequest)
      .addSuccess(BookingJson)
      .addError(problem(404))
      .addError(problem(409)),
  )
  .add(
    HttpApiEndpoint.post("markNoShow", "/api/v1/bookings/:id/no-show")
      .setPath(BookingPath)
      .setPayload(NoShowRequest)
      .addSuccess(NoShowJson)
      .addError(problem(404)),
  )
  .add(HttpApiEndpoint.get("getHost", "/api/v1/host").addSuccess(ProfileJson).addError(problem(403)))
  .add(
    HttpApiEndpoint.get("listBookings", "/api/v1/host/bookings")
      .setUrlParams(
        Schema.Struct({
          view: Schema.optional(Schema.Literal("upcoming", "pending", "past", "cancelled")),
          eventTypeId: Schema.optional(Id),
          from: Schema.optional(InstantText),
          to: Schema.optional(InstantText),
          q: Schema.optional(Schema.String.annotations({ description: "Part of the invitee's name or email" })),
          limit: Schema.optional(Schema.String.annotations({ description: "1 to 100 (default 50)" })),
          cursor: Schema.optional(Schema.String.annotations({ description: "nextCursor of the previous page" })),
        }),
      )
      .addSuccess(Schema.Struct({ bookings: Schema.Array(HostBookingJson), nextCursor: Schema.NullOr(Schema.String) }))
      .addError(problem(400)),
  )
  .add(HttpApiEndpoint.get("listEventTypes", "/api/v1/host/event-types").addSuccess(Schema.Struct({ eventTypes: Schema.Array(EventTypeJson) })))
  .add(
    HttpApiEndpoint.post("createEventType", "/api/v1/host/event-types")
      .setHeaders(IdempotencyKey)
      .setPayload(EventTypeBody)
      .addSuccess(EventTypeJson, { status: 201 })
      .addError(problem(400))
      .addError(problem(409))
      .addError(problem(422)),
  )
  .add(HttpApiEndpoint.get("getEventType", "/api/v1/host/event-types/:id").setPath(EventTypePath).addSuccess(EventTypeJson).addError(problem(404)))
  .add(
    HttpApiEndpoint.patch("updateEventType", "/api/v1/host/event-types/:id")
      .setPath(EventTypePath)
      .setHeaders(IfMatch)
      .setPayload(EventTypePatch)
      .addSuccess(EventTypeJson)
      .addError(problem(400))
      .addError(problem(404))
      .addError(problem(412)),
  )
  .add(HttpApiEndpoint.del("deleteEventType", "/api/v1/host/event-types/:id").setPath(EventTypePath).setHeaders(IfMatch).addSuccess(Empty).addError(problem(404)).addError(problem(409)).addError(problem(412)))
  .add(HttpApiEndpoint.get("getAvailability", "/api/v1/host/availability").addSuccess(AvailabilityJson))
  .add(
    HttpApiEndpoint.put("replaceWeeklyHours", "/api/v1/host/availability/weekly")
      .setHeaders(IfMatch)
      .setPayload(WeeklyHoursBody)
      .addSuccess(AvailabilityJson)
      .addError(problem(400))
      .addError(problem(412)),
  )
  .add(
    HttpApiEndpoint.put("setDateOverride", "/api/v1/host/availability/overrides/:date")
      .setPath(DatePath)
      .setHeaders(IfMatch)
      .setPayload(OverrideBody)
      .addSuccess(AvailabilityJson)
      .addError(problem(400))
      .addError(problem(412)),
  )
  .add(HttpApiEndpoint.del("removeDateOverride", "/api/v1/host/availability/overrides/:date").setPath(DatePath).setHeaders(IfMatch).addSuccess(Empty).addError(problem(400)).addError(problem(412)))
  .add(HttpApiEndpoint.get("listSchedules", "/api/v1/host/schedules").addSuccess(Schema.Struct({ schedules: Schema.Array(ScheduleJson) })))
  .add(
    HttpApiEndpoint.post("createSchedule", "/api/v1/host/schedules")
      .setHeaders(IdempotencyKey)
      .setPayload(ScheduleBody)
      .addSuccess(ScheduleJson, { status: 201 })
      .addError(problem(400))
      .addError(problem(409))
      .addError(problem(422))
      .annotate(OpenApi.Description, "A named schedule: weekly hours an event type can use (its scheduleId) instead of the host's own."),
  )
  .add(HttpApiEndpoint.put("replaceSchedule", "/api/v1/host/schedules/:id").setPath(Schema.Struct({ id: Id })).setPayload(ScheduleBody).addSuccess(ScheduleJson).addError(problem(400)).addError(problem(404)))
  .add(
    HttpApiEndpoint.del("deleteSchedule", "/api/v1/host/schedules/:id")
      .setPath(Schema.Struct({ id: Id }))
      .addSuccess(Empty)
      .addError(problem(400))
      .addError(problem(404))
      .annotate(OpenApi.Description, "Refused (400) while an event type uses it."),
  )
  .add(HttpApiEndpoint.get("listWebhooks", "/api/v1/host/webhooks").addSuccess(Schema.Struct({ webhooks: Schema.Array(WebhookJson) })))
  .add(
    HttpApiEndpoint.post("addWebhook", "/api/v1/host/webhooks")
      .setHeaders(IdempotencyKey)
      .setPayload(WebhookRequest)
      .addSuccess(WebhookJson, { status: 201 })
      .addError(problem(400))
      .addError(problem(409))
      .addError(problem(422)),
  )
  .add(HttpApiEndpoint.del("removeWebhook", "/api/v1/host/webhooks/:id").setPath(Schema.Struct({ id: Id })).addSuccess(Empty).addError(problem(404)))
  .addError(problem(403))
  .middleware(HostKey)
  .annotate(OpenApi.Description, "A host's own resources, with `Authorization: Bearer` and an API key (read keys read; changes need write).");

const sessions = HttpApiGroup.make("Sessions").add(
  HttpApiEndpoint.post("startHostSession", "/api/v1/host/sessions")
    .setPayload(HostSessionRequest)
    .setHeaders(IdempotencyKey)
    .addSuccess(SessionJson, { status: 201 })
    .addError(problem(403)),
);

export const RendezvousApi = HttpApi.make("rendezvous")
  .add(invitee)
  .add(host)
  .add(sessions)
  // Any request: over the per-address limits, a body too large or not JSON, storage unavailable.
  .addError(problem(413))
  .addError(problem(415))
  .addError(problem(429))
  .addError(problem(503))
  .annotate(OpenApi.Title, "Rendezvous API")
  .annotate(OpenApi.Version, "1")
  .annotate(OpenApi.Description, "Booking pages' data and a host's resources. Errors are RFC 9457 problem details (application/problem+json).");

/**
 * A request body example per operation, shown in the document and checked by the tests against
 * the operation's own payload Schema (what the route decodes with).
 */
export const EXAMPLES: Readonly<Record<string, unknown>> = {
  "Invitee.book": {
    eventTypeId: "7f1c2e7a-3f0b-4c51-9d0e-2b8f1c9a6d11",
    start: "2026-03-09T13:00:00Z",
    invitee: { name: "Ada Lovelace", email: "ada@example.com", timeZone: "Europe/London" },
    answers: {},
  },
  "Invitee.cancelBooking": { reason: "Something came up" },
  "Invitee.rescheduleBooking": { start: "2026-03-10T09:30:00Z" },
  "Host.declineBooking": { reason: "Fully booked that week" },
  "Host.markNoShow": { noShow: true },
  "Host.createEventType": { slug: "consult", title: "Consultation", durationMinutes: 45, minimumNoticeMinutes: 60 },
  "Host.updateEventType": { active: false },
  "Host.replaceWeeklyHours": { rules: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: "09:00", end: "17:00" })) },
  "Host.createSchedule": { name: "Evenings", rules: [1, 3].map((weekday) => ({ weekday, start: "18:00", end: "21:00" })) },
  "Host.replaceSchedule": { name: "Evenings", rules: [2, 4].map((weekday) => ({ weekday, start: "18:00", end: "21:00" })) },
  "Host.setDateOverride": { windows: [{ start: "10:00", end: "12:00" }], days: 1 },
  "Host.addWebhook": { url: "https://example.com/rendezvous", events: ["booking.created", "booking.cancelled"] },
  "Sessions.startHostSession": { signInToken: "the-token-of-a-mailed-sign-in-link" },
};

type Operation = {
  operationId: string;
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, unknown> }>;
};

const PROBLEM_REF = { $ref: "#/components/schemas/Problem" };

/**
 * The OpenAPI 3.1 document, with the server it is served from. Two corrections to what
 * `fromApi` writes: `HttpApi`'s own decode error is never sent by our routes (a bad request is
 * a problem like every other error), and each request body gets its example.
 */
export const openApiDocument = (publicUrl: string) => {
  const spec = OpenApi.fromApi(RendezvousApi) as unknown as {
    info: { title: string; version: string; description?: string };
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, unknown> };
  };
  delete spec.components.schemas["HttpApiDecodeError"];
  delete spec.components.schemas["Issue"];
  delete spec.components.schemas["PropertyKey"];
  const problem = JSONSchema.make(ProblemJson);
  spec.components.schemas["Problem"] = JSON.parse(JSON.stringify(problem.$defs?.["Problem"] ?? problem).replaceAll("#/$defs/", "#/components/schemas/"));
  for (const operations of Object.values(spec.paths)) {
    for (const operation of Object.values(operations)) {
      const example = EXAMPLES[operation.operationId];
      const body = operation.requestBody?.content["application/json"];
      if (body !== undefined && example !== undefined) body.example = example;
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) >= 400) operation.responses[status] = { description: response.description, content: { "application/problem+json": { schema: PROBLEM_REF } } };
      }
    }
  }
  return { ...spec, servers: [{ url: publicUrl }] };
};
