import { Schema } from "effect";
import type { Meeting, MeetingQuery, MeetingView } from "../../domain/meetings.ts";
import { EventTypeId, NOTE, type EventType, type Host } from "../../domain/model.ts";
import { addDays, formatLocalDate, formatWallTime, parseLocalDate } from "../../domain/time.ts";
import { zoneTable } from "../../domain/zone.ts";
import { MeetingsPage } from "../../views/HostSetupPages.tsx";
import { isReply, type Reply, type Request } from "../exchange.ts";
import { isAppError } from "../problems.ts";
import { html, redirect, type Web } from "../web.ts";
import { errorPage, PRIVATE } from "./pageSupport.ts";
import { hostGet, hostPost } from "./hostSupport.ts";

const PAGE_SIZE = 25;
/** A CSV export holds at most this many meetings (narrow the filter for more). */
const EXPORT_LIMIT = 10_000;
const VIEWS: ReadonlyArray<MeetingView> = ["upcoming", "pending", "past", "cancelled"];

/** The list's query string, read as typed: the filter values to show again, the query, and what is wrong. */
const queryOf = (request: Request, host: Host) => {
  const q = request.query;
  const values: Record<string, string> = {};
  for (const key of ["view", "type", "from", "to", "q"]) values[key] = q.get(key) ?? "";
  const errors = new Map<string, string>();
  const view = VIEWS.find((v) => v === values["view"]) ?? "upcoming";
  const type = values["type"]!;
  if (type !== "" && !Schema.is(EventTypeId)(type)) errors.set("type", "is not one of your event types");
  const table = zoneTable(host.timeZone);
  const day = (key: "from" | "to") => {
    const text = values[key]!.trim();
    if (text === "") return null;
    const date = parseLocalDate(text);
    if (date === undefined) errors.set(key, "must be a date such as 2027-03-09");
    return date ?? null;
  };
  const from = day("from");
  const to = day("to");
  const search = values["q"]!.trim().slice(0, 200);
  const page = Math.max(1, Math.min(10_000, Number.parseInt(q.get("page") ?? "1", 10) || 1));
  const query: MeetingQuery = {
    view,
    eventTypeId: type !== "" && Schema.is(EventTypeId)(type) ? type : null,
    from: from === null ? null : table.startOfDay(from),
    // "Until" includes that whole day.
    to: to === null ? null : table.startOfDay(addDays(to, 1)),
    search: search.includes("\u0000") || !search.isWellFormed() ? "" : search,
  };
  return { values, errors, query, page };
};

const withParams = (path: string, values: Record<string, string>, extra: Record<string, string> = {}) => {
  const params = new URLSearchParams(Object.entries({ ...values, ...extra }).filter(([, v]) => v !== ""));
  const text = params.toString();
  return text === "" ? path : `${path}?${text}`;
};

/** A CSV cell: quoted, and never read as a formula by a spreadsheet. */
const cell = (value: string) => `"${(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value).replaceAll('"', '""')}"`;

const csvOf = (meetings: ReadonlyArray<Meeting>, host: Host, eventTypes: ReadonlyMap<string, EventType>) => {
  const table = zoneTable(host.timeZone);
  const local = (ms: number) => {
    const wall = table.wallClockAt(ms);
    const date = Math.floor(wall / 86_400_000);
    return `${formatLocalDate(date as never)} ${formatWallTime(Math.floor((wall - date * 86_400_000) / 60_000))}`;
  };
  const header = ["Start", "End", "Time zone", "Event type", "Status", "Invitee", "Email", "Invitee's time zone", "Answers", "Cancelled by", "Reason", "No-show", "Your note"];
  const lines = meetings.map(({ booking: b, note, noShow }) => {
    const eventType = eventTypes.get(b.eventTypeId);
    const answers = [
      ...(eventType?.questions ?? []).filter((q) => (b.answers[q.id] ?? "") !== "").map((q) => `${q.label}: ${b.answers[q.id]}`),
      ...(b.answers[NOTE] === undefined ? [] : [`Note: ${b.answers[NOTE]}`]),
    ].join("; ");
    return [local(b.start), local(b.end), host.timeZone, eventType?.title ?? "", b.status, b.invitee.name, b.invitee.email, b.invitee.timeZone, answers, b.cancelledBy ?? "", b.cancelReason ?? "", noShow ? "yes" : "", note]
      .map(cell)
      .join(",");
  });
  // A byte-order mark, so spreadsheet programs read the file as UTF-8.
  return `\uFEFF${[header.map(cell).join(","), ...lines].join("\r\n")}\r\n`;
};

/** Every meeting of a host, past and cancelled too: filtered, searched, paged, exported; and the host's notes on them. */
export const hostMeetingsRoutes = (web: Web) => {
  const { booking: context } = web;

  const list = async (request: Request): Promise<Reply> => {
    const host = await hostGet(web, request);
    if (isReply(host)) return host;
    const { values, errors, query, page } = queryOf(request, host.snapshot.host);
    const found = errors.size > 0 ? { meetings: [], total: 0 } : await context.meetings(host.hostId, query, PAGE_SIZE, page - 1);
    if (isAppError(found)) return errorPage(host.view.page, found, host.cookies);
    const first = (page - 1) * PAGE_SIZE;
    const body = MeetingsPage({
      ...host.view,
      eventTypes: host.snapshot.eventTypes,
      values,
      errors,
      view: query.view,
      meetings: found.meetings,
      total: found.total,
      first,
      pages: {
        previous: page > 1 ? withParams("/host/meetings", values, { page: String(page - 1) }) : undefined,
        next: first + found.meetings.length < found.total ? withParams("/host/meetings", values, { page: String(page + 1) }) : undefined,
        csv: withParams("/host/meetings.csv", values),
      },
      clock: web.views.clockOf(request),
      self: withParams("/host/meetings", values, page > 1 ? { page: String(page) } : {}),
    }) as string;
    return html(errors.size > 0 ? 422 : 200, body, [...host.cookies, ...PRIVATE]);
  };

  const csv = async (request: Request): Promise<Reply> => {
    const host = await hostGet(web, request);
    if (isReply(host)) return host;
    const { errors, query } = queryOf(request, host.snapshot.host);
    if (errors.size > 0) return list(request);
    const meetings = await context.exportMeetings(host.hostId, query, EXPORT_LIMIT);
    if (isAppError(meetings)) return errorPage(host.view.page, meetings, host.cookies);
    return {
      status: 200,
      headers: [
        ["Content-Type", "text/csv; charset=utf-8"],
        ["Content-Disposition", `attachment; filename="meetings-${query.view}.csv"`],
        ["Cache-Control", "no-store"],
        ...PRIVATE,
      ],
      body: csvOf(meetings, host.snapshot.host, host.snapshot.eventTypes),
    };
  };

  /** The host's private note and no-show mark on one of their meetings. */
  const keepNote = async (request: Request): Promise<Reply> => {
    const post = await hostPost(web, request);
    if (isReply(post)) return post;
    const note = typeof post.fields["note"] === "string" ? post.fields["note"].trim() : "";
    const kept = await context.keepMeetingNote(post.hostId, request.params[0]!, note, post.fields["noShow"] === "on");
    if (isAppError(kept)) return errorPage(post.view.page, kept, post.cookies);
    // Back to the list the note was written on (only ever a list of ours).
    const back = typeof post.fields["back"] === "string" && /^\/host\/meetings(\?[^#\s]*)?$/.test(post.fields["back"]) ? post.fields["back"] : "/host/meetings";
    return redirect(`${back}#meeting-${request.params[0]!}`, post.cookies);
  };

  return { list, csv, keepNote };
};
