import { Schema } from "effect";
import { joiningProblems, profileProblems } from "../../booking/HostSetup.ts";
import { InvalidInput, NotFound } from "../../domain/errors.ts";
import { EventTypeId, type ScheduleId } from "../../domain/model.ts";
import { negotiateLocale } from "../../i18n/i18n.ts";
import type { WeeklyRule } from "../../domain/schedule.ts";
import { ErrorPage } from "../../views/ErrorPage.tsx";
import { canonicalTimeZone, zoneTable } from "../../domain/zone.ts";
import { parseLocalDate } from "../../domain/time.ts";
import type { PageContext } from "../../views/Layout.tsx";
import { AccountPage, AvailabilityPage, type AvailabilityProps, EventTypeEditor, EventTypesPage, JoinPage, TeamPage, type Notice } from "../../views/HostSetupPages.tsx";
import { isReply, type Reply, type Request } from "../exchange.ts";
import { multipartOf } from "../forms.ts";
import { initialsSvg } from "../../views/Avatar.tsx";
import { copyDay, eventTypeValues, parseEventType, parseEmail, parseOverride, parseWeeklyHours, valuesOf, weeklyHoursValues, type FormValues } from "../hostForms.ts";
import { isAppError, problemOf, type AppError } from "../problems.ts";
import { browserZoneOf, deviceOf, hostSessionCookie, hostSessionOf } from "../session.ts";
import { html, redirect, type Web } from "../web.ts";
import { beginFormPost, beginPage, errorPage, PRIVATE } from "./pageSupport.ts";
import { hostGet, hostPost, type SignedIn } from "./hostSupport.ts";

const NO_ERRORS: ReadonlyMap<string, string> = new Map();

/** What a redirect back to a setup page says happened (`?saved=1`). */
const DONE: Record<string, string> = {
  created: "The event type is created.",
  deleted: "The event type is deleted. Meetings booked with it keep its name.",
  saved: "Saved. Open booking pages show the change now.",
  "date-saved": "The date is saved.",
  "date-removed": "That date uses the weekly hours again.",
  "schedule-deleted": "The schedule is deleted.",
};

/** The weekly hours a page shows: the host's own (`id` null), a new schedule's, or a named one's. */
interface ScheduleChoice {
  readonly id: ScheduleId | "new" | null;
  readonly name: string;
  readonly rules: ReadonlyArray<WeeklyRule>;
}

const noticeOf = (request: Request): Notice | undefined => {
  const text = DONE[[...request.query.keys()].find((k) => k in DONE) ?? ""];
  return text === undefined ? undefined : { text, error: false };
};

/**
 * A form sent to be checked, not saved (`_check` names the field just left, for inline
 * validation on blur): the errors of that field and of fields already shown wrong, nothing written.
 */
const checkedOnly = (fields: Record<string, unknown>, errors: ReadonlyMap<string, string>): ReadonlyMap<string, string> | undefined => {
  const field = fields["_check"];
  if (typeof field !== "string") return undefined;
  const shown = new Set(typeof fields["_shown"] === "string" ? fields["_shown"].split(",") : []);
  return new Map([...errors].filter(([name]) => name === field || shown.has(name)));
};

/**
 * A form's handler as a check route (`…/check`, counted as a read, not a change): the body
 * always carries `_check`, so nothing sent there is ever saved.
 */
export const asCheck =
  (handler: (request: Request) => Promise<Reply>) =>
  (request: Request): Promise<Reply> =>
    handler({ ...request, body: Buffer.concat([request.body, Buffer.from("&_check=_")]) });

/** A refusal from the actor that names a field goes back to that field; anything else is a page notice. */
const refusalOf = (error: AppError): { readonly errors: ReadonlyMap<string, string> } | { readonly notice: Notice; readonly status: number } =>
  error._tag === "InvalidInput" ? { errors: new Map([[error.field, error.message]]) } : { notice: { text: problemOf(error).detail, error: true }, status: problemOf(error).status };

/** Event types, availability, the team and invitations: a host sets everything up here, without SQL. */
export const hostSetupRoutes = (web: Web) => {
  const { booking: context } = web;
  const secure = web.config.publicUrl.startsWith("https:");

  const page = (cookies: ReadonlyArray<readonly [string, string]>, status: number, body: JSX.Element): Reply => html(status, body as string, [...cookies, ...PRIVATE]);

  // ----- Event types ------------------------------------------------------------------------

  const eventTypes = async (request: Request): Promise<Reply> => {
    const host = await hostGet(web, request);
    if (isReply(host)) return host;
    const list = [...host.snapshot.eventTypes.values()].filter((e) => e.deleted !== true).sort((a, b) => a.title.localeCompare(b.title));
    const zones = web.views.zonePickerGroups(web.now(), host.snapshot.host.timeZone);
    return page(host.cookies, 200, EventTypesPage({ ...host.view, eventTypes: list, zones, notice: noticeOf(request), schedules: host.snapshot.availability.schedules, publicUrl: web.config.publicUrl }));
  };

  /** One of the host's own event types, unless deleted. */
  const ownEventType = (host: SignedIn, id: string) => {
    const eventType = Schema.is(EventTypeId)(id) ? host.snapshot.eventTypes.get(id) : undefined;
    return eventType === undefined || eventType.deleted === true ? undefined : eventType;
  };

  /** `/host/event-types/:id/delete`: gone for good, unless meetings are still to come (then it is turned off instead). */
  const deleteEventType = async (request: Request): Promise<Reply> => {
    const host = await hostPost(web, request);
    if (isReply(host)) return host;
    const eventType = ownEventType(host, request.params[0]!);
    if (eventType === undefined) return errorPage(host.view.page, new NotFound({ what: "event type" }), host.cookies);
    const deleted = await context.deleteEventType(host.hostId, eventType.id);
    if (isAppError(deleted)) {
      const refusal = refusalOf(deleted);
      const notice = "notice" in refusal ? refusal.notice : { text: [...refusal.errors.values()][0] ?? "It cannot be deleted.", error: true };
      return editor(host, eventType.id, eventTypeValues(eventType), NO_ERRORS, 409, notice);
    }
    return redirect("/host/event-types?deleted=1", host.cookies);
  };

  /** `/host/preview?event&tz`: the event type's public page, as an invitee in that zone sees it. */
  const preview = async (request: Request): Promise<Reply> => {
    const host = await hostGet(web, request);
    if (isReply(host)) return host;
    const eventType = ownEventType(host, request.query.get("event") ?? "");
    const zone = canonicalTimeZone(request.query.get("tz") ?? "");
    if (eventType === undefined || zone === undefined) return errorPage(host.view.page, new NotFound({ what: "event type" }), host.cookies);
    return redirect(`/${host.snapshot.host.slug}/${eventType.slug}?tz=${encodeURIComponent(zone)}`, host.cookies);
  };

  const editor = (host: SignedIn, id: string | null, values: FormValues, errors: ReadonlyMap<string, string>, status = 200, notice?: Notice) =>
    page(host.cookies, status, EventTypeEditor({ ...host.view, id, values, errors, notice, schedules: host.snapshot.availability.schedules }));

  const newEventType = async (request: Request): Promise<Reply> => {
    const host = await hostGet(web, request);
    return isReply(host) ? host : editor(host, null, eventTypeValues(undefined), NO_ERRORS);
  };

  const editEventType = async (request: Request): Promise<Reply> => {
    const host = await hostGet(web, request);
    if (isReply(host)) return host;
    const eventType = ownEventType(host, request.params[0]!);
    if (eventType === undefined) return errorPage(host.view.page, new NotFound({ what: "event type" }), PRIVATE);
    return editor(host, eventType.id, eventTypeValues(eventType), NO_ERRORS);
  };

  /** A new event type's editor, filled in from one of the host's event types (saved only when the host creates it). */
  const duplicateEventType = async (request: Request): Promise<Reply> => {
    const host = await hostGet(web, request);
    if (isReply(host)) return host;
    const eventType = ownEventType(host, request.params[0]!);
    if (eventType === undefined) return errorPage(host.view.page, new NotFound({ what: "event type" }), PRIVATE);
    const taken = new Set([...host.snapshot.eventTypes.values()].map((e) => e.slug));
    let slug = `${eventType.slug.slice(0, 58)}-copy`;
    for (let n = 2; taken.has(slug); n++) slug = `${eventType.slug.slice(0, 56)}-copy-${n}`;
    return editor(host, null, { ...eventTypeValues(eventType), title: `${eventType.title} (copy)`.slice(0, 200), slug }, NO_ERRORS);
  };

  /** Creates (`POST /host/event-types`) or saves (`POST /host/event-types/:id`) through the host's actor. */
  const saveEventType = async (request: Request): Promise<Reply> => {
    const host = await hostPost(web, request);
    if (isReply(host)) return host;
    const raw = request.params[0];
    const id = raw === undefined ? null : Schema.is(EventTypeId)(raw) ? raw : undefined;
    if (id === undefined) return errorPage(host.view.page, new NotFound({ what: "event type" }), PRIVATE);
    const values = valuesOf(host.fields);
    const parsed = parseEventType(host.fields);
    const checked = checkedOnly(host.fields, "errors" in parsed ? parsed.errors : NO_ERRORS);
    if (checked !== undefined) return editor(host, id, values, checked);
    if ("errors" in parsed) return editor(host, id, values, parsed.errors, 422);
    const saved = await context.saveEventType(host.hostId, id, parsed.value);
    if (isAppError(saved)) {
      const refusal = refusalOf(saved);
      return "errors" in refusal ? editor(host, id, values, refusal.errors, 422) : editor(host, id, values, NO_ERRORS, refusal.status, refusal.notice);
    }
    return redirect(`/host/event-types?${id === null ? "created" : "saved"}=1#event-type-${saved}`, host.cookies);
  };

  // ----- Availability -----------------------------------------------------------------------

  /** Which weekly hours a request is about (`schedule`: empty for the host's own, `new`, or an id), or undefined for an unknown one. */
  const scheduleOf = (host: SignedIn, raw: unknown): ScheduleChoice | undefined => {
    if (raw === undefined || raw === null || raw === "") return { id: null, name: "", rules: host.snapshot.availability.rules };
    if (raw === "new") return { id: "new", name: "", rules: host.snapshot.availability.rules };
    return host.snapshot.availability.schedules.find((n) => n.id === raw);
  };

  const availabilityPage = (
    request: Request,
    host: SignedIn,
    schedule: ScheduleChoice,
    forms: {
      hours?: { values: FormValues; errors: ReadonlyMap<string, string> };
      override?: { values: FormValues; errors: ReadonlyMap<string, string> };
      preview?: AvailabilityProps["preview"];
    },
    status = 200,
    notice?: Notice,
  ) => {
    const today = zoneTable(host.snapshot.host.timeZone).localDateOf(web.now());
    const overrides = host.snapshot.availability.overrides.filter((o) => o.date >= today).sort((a, b) => a.date - b.date);
    return page(
      host.cookies,
      status,
      AvailabilityPage({
        ...host.view,
        notice,
        schedule: { id: schedule.id, name: schedule.name },
        schedules: host.snapshot.availability.schedules,
        usedBy: [...host.snapshot.eventTypes.values()].filter((e) => e.deleted !== true && e.scheduleId === schedule.id).map((e) => e.title),
        hours: forms.hours ?? { values: { ...weeklyHoursValues(schedule.rules), name: schedule.name }, errors: NO_ERRORS },
        override: forms.override ?? { values: {}, errors: NO_ERRORS },
        overrides,
        preview: forms.preview,
        clock: web.views.clockOf(request),
      }),
    );
  };

  const unknownSchedule = (host: SignedIn) => errorPage(host.view.page, new NotFound({ what: "schedule" }), [...host.cookies, ...PRIVATE]);

  const availability = async (request: Request): Promise<Reply> => {
    const host = await hostGet(web, request);
    if (isReply(host)) return host;
    const schedule = scheduleOf(host, request.query.get("schedule"));
    return schedule === undefined ? unknownSchedule(host) : availabilityPage(request, host, schedule, {}, 200, noticeOf(request));
  };

  /** Saves weekly hours (the host's own or a named schedule's), or (the copy button) shows them with one day copied onto others, unsaved. */
  const saveWeeklyHours = async (request: Request): Promise<Reply> => {
    const host = await hostPost(web, request);
    if (isReply(host)) return host;
    const schedule = scheduleOf(host, host.fields["schedule"]);
    if (schedule === undefined) return unknownSchedule(host);
    const values = valuesOf(host.fields);
    if (host.fields["action"] === "copy") {
      const notice = { text: "Copied. Check the hours, then save them.", error: false };
      return availabilityPage(request, host, schedule, { hours: { values: { ...copyDay(host.fields), name: values["name"] ?? "" }, errors: NO_ERRORS } }, 200, notice);
    }
    const parsed = parseWeeklyHours(host.fields);
    if ("errors" in parsed) return availabilityPage(request, host, schedule, { hours: { values, errors: parsed.errors } }, 422);
    const saved = await context.replaceWeeklyHours(host.hostId, parsed.value, schedule.id === null ? undefined : { id: schedule.id, name: values["name"] ?? "" });
    if (isAppError(saved)) {
      const refusal = refusalOf(saved);
      return "errors" in refusal
        ? availabilityPage(request, host, schedule, { hours: { values, errors: refusal.errors } }, 422)
        : availabilityPage(request, host, schedule, { hours: { values, errors: NO_ERRORS } }, refusal.status, refusal.notice);
    }
    return redirect(`/host/availability?${typeof saved === "string" ? `schedule=${saved}&` : ""}saved=1`, host.cookies);
  };

  /** Deletes a named schedule no event type uses. */
  const deleteSchedule = async (request: Request): Promise<Reply> => {
    const host = await hostPost(web, request);
    if (isReply(host)) return host;
    const schedule = scheduleOf(host, request.params[0]);
    if (schedule === undefined || schedule.id === null || schedule.id === "new") return unknownSchedule(host);
    const deleted = await context.deleteSchedule(host.hostId, schedule.id);
    if (isAppError(deleted)) return availabilityPage(request, host, schedule, {}, problemOf(deleted).status, refusalNotice(deleted));
    return redirect("/host/availability?schedule-deleted=1", host.cookies);
  };

  const refusalNotice = (error: AppError): Notice => ({ text: problemOf(error).detail, error: true });

  const saveOverride = async (request: Request): Promise<Reply> => {
    const host = await hostPost(web, request);
    if (isReply(host)) return host;
    const values = valuesOf(host.fields);
    const today = zoneTable(host.snapshot.host.timeZone).localDateOf(web.now());
    const parsed = parseOverride(host.fields, today);
    const own = scheduleOf(host, "")!;
    if ("errors" in parsed) return availabilityPage(request, host, own, { override: { values, errors: parsed.errors } }, 422);
    if (host.fields["action"] === "preview") {
      const preview = await context.previewOverride(host.hostId, parsed.value.date, parsed.value.windows, parsed.value.days);
      if (isAppError(preview)) return availabilityPage(request, host, own, { override: { values, errors: NO_ERRORS } }, problemOf(preview).status, refusalNotice(preview));
      return availabilityPage(request, host, own, { override: { values, errors: NO_ERRORS }, preview });
    }
    const saved = await context.setDateOverride(host.hostId, parsed.value.date, parsed.value.windows, parsed.value.days);
    if (isAppError(saved)) return availabilityPage(request, host, own, { override: { values, errors: NO_ERRORS } }, problemOf(saved).status, refusalNotice(saved));
    return redirect("/host/availability?date-saved=1#overrides-h", host.cookies);
  };

  const removeOverride = async (request: Request): Promise<Reply> => {
    const host = await hostPost(web, request);
    if (isReply(host)) return host;
    const date = parseLocalDate(request.params[0]!);
    if (date === undefined) return errorPage(host.view.page, new NotFound({ what: "page" }), PRIVATE);
    const removed = await context.setDateOverride(host.hostId, date, null);
    if (isAppError(removed)) return errorPage(host.view.page, removed, PRIVATE);
    return redirect("/host/availability?date-removed=1#overrides-h", host.cookies);
  };

  // ----- Account and sessions ---------------------------------------------------------------

  const accountPage = async (request: Request, host: SignedIn, form?: { values: FormValues; errors: ReadonlyMap<string, string> }, status = 200, notice?: Notice) => {
    const [sessions, agendaHour, listed] = await Promise.all([context.sessionsOf(host.hostId, hostSessionOf(request)), context.agendaHourOf(host.hostId), context.listedOf(host.hostId)]);
    if (isAppError(sessions)) return errorPage(host.view.page, sessions, host.cookies);
    if (isAppError(agendaHour)) return errorPage(host.view.page, agendaHour, host.cookies);
    if (isAppError(listed)) return errorPage(host.view.page, listed, host.cookies);
    const { name, slug, timeZone, bio, locale } = host.snapshot.host;
    const values = form?.values ?? { name, slug, timeZone, bio, locale };
    const zones = web.views.zonePickerGroups(web.now(), values["timeZone"] ?? timeZone);
    return page(
      host.cookies,
      status,
      AccountPage({ ...host.view, notice, role: host.role, origin: web.config.publicUrl, sessions, values, errors: form?.errors ?? NO_ERRORS, zones, agendaHour, listed }),
    );
  };

  const account = async (request: Request): Promise<Reply> => {
    const host = await hostGet(web, request);
    if (isReply(host)) return host;
    const done = request.query.has("ended") ? "That session is signed out." : request.query.has("saved") ? "Saved. Your booking pages show it now." : undefined;
    return accountPage(request, host, undefined, 200, done === undefined ? undefined : { text: done, error: false });
  };

  /**
   * `/host/account/avatar`: a picture from a multipart form (its CSRF token and session checked
   * like any form's), or, at `…/avatar/delete`, back to the initials.
   */
  const uploadAvatar = async (request: Request): Promise<Reply> => {
    const parts = await multipartOf(request.headers.get("content-type"), request.body);
    const asForm = { ...request, body: Buffer.from(new URLSearchParams(parts?.fields ?? {}).toString()) };
    const host = await hostPost(web, asForm);
    if (isReply(host)) return host;
    const saved = await context.setAvatar(host.hostId, parts?.files["avatar"] ?? Buffer.alloc(0));
    if (isAppError(saved)) {
      const refusal = refusalOf(saved);
      return "errors" in refusal
        ? accountPage(request, host, { values: {}, errors: refusal.errors }, 422)
        : accountPage(request, host, undefined, refusal.status, refusal.notice);
    }
    return redirect("/host/account?saved=1", host.cookies);
  };

  const removeAvatar = async (request: Request): Promise<Reply> => {
    const host = await hostPost(web, request);
    if (isReply(host)) return host;
    const removed = await context.setAvatar(host.hostId, null);
    if (isAppError(removed)) return errorPage(host.view.page, removed, host.cookies);
    return redirect("/host/account?saved=1", host.cookies);
  };

  /** `/host/avatars/:slug`: the host's picture, or their initials on their colour (SVG). */
  const avatar = async (request: Request): Promise<Reply> => {
    const found = await context.avatarOf(request.params[0]!);
    if (isAppError(found) || found === undefined) return { status: 404, headers: [["Content-Type", "text/plain"], ["Cache-Control", "no-store"]], body: "no such host" };
    // Pictures change rarely: a few minutes' staleness after a change spares every page view a query.
    const headers: ReadonlyArray<readonly [string, string]> = [["Cache-Control", "public, max-age=300"]];
    if (found.avatar !== null && found.avatarType !== null) return { status: 200, headers: [["Content-Type", found.avatarType], ...headers], body: found.avatar };
    return { status: 200, headers: [["Content-Type", "image/svg+xml"], ...headers], body: initialsSvg(found.name, found.id) };
  };

  /** `/host/account/agenda`: the hour the host's day is mailed to them, or off. */
  const saveAgenda = async (request: Request): Promise<Reply> => {
    const host = await hostPost(web, request);
    if (isReply(host)) return host;
    const raw = typeof host.fields["agendaHour"] === "string" ? host.fields["agendaHour"] : "";
    const hour = raw === "off" ? null : /^\d{1,2}$/.test(raw) ? Number(raw) : Number.NaN;
    const saved = await context.setAgendaHour(host.hostId, hour);
    if (isAppError(saved)) return errorPage(host.view.page, saved, host.cookies);
    return redirect("/host/account?saved=1", host.cookies);
  };

  /** `/host/account/listing`: whether the front page lists the host (a checkbox: ticked or left out). */
  const saveListing = async (request: Request): Promise<Reply> => {
    const host = await hostPost(web, request);
    if (isReply(host)) return host;
    const saved = await context.setListed(host.hostId, host.fields["listed"] === "on");
    if (isAppError(saved)) return errorPage(host.view.page, saved, host.cookies);
    return redirect("/host/account?saved=1", host.cookies);
  };

  /** The host's name, zone and bio, through their actor (open pages refresh). */
  const saveProfile = async (request: Request): Promise<Reply> => {
    const host = await hostPost(web, request);
    if (isReply(host)) return host;
    const values = valuesOf(host.fields);
    const profile = {
      name: (values["name"] ?? "").trim(),
      slug: (values["slug"] ?? "").trim().toLowerCase(),
      timeZone: values["timeZone"] ?? "",
      bio: (values["bio"] ?? "").trim(),
      locale: values["locale"] ?? "en",
    };
    const problems = new Map(profileProblems(profile).map((p) => [p.field, p.message]));
    const checked = checkedOnly(host.fields, problems);
    if (checked !== undefined) return accountPage(request, host, { values, errors: checked });
    if (problems.size > 0) return accountPage(request, host, { values, errors: problems }, 422);
    const saved = await context.saveProfile(host.hostId, profile);
    if (isAppError(saved)) {
      const refusal = refusalOf(saved);
      return "errors" in refusal ? accountPage(request, host, { values, errors: refusal.errors }, 422) : accountPage(request, host, { values, errors: NO_ERRORS }, refusal.status, refusal.notice);
    }
    return redirect("/host/account?saved=1", host.cookies);
  };

  /** Ends one session (`/host/sessions/:id/end`) or all (`/host/sessions/end-all`); ending this browser's signs it out. */
  const endSessions = async (request: Request): Promise<Reply> => {
    const host = await hostPost(web, request);
    if (isReply(host)) return host;
    const id = request.params[0] ?? null;
    const ended = await context.endSessions(host.hostId, id, hostSessionOf(request));
    if (isAppError(ended)) return errorPage(host.view.page, ended, host.cookies);
    return ended.signedOut
      ? redirect("/host?signed-out=1", [...host.cookies, ["Set-Cookie", hostSessionCookie(undefined, 0, secure)]])
      : redirect("/host/account?ended=1#sessions-h", host.cookies);
  };

  // ----- Team and invitations ---------------------------------------------------------------

  const teamPage = async (host: SignedIn, form: { values: FormValues; errors: ReadonlyMap<string, string> }, status = 200, invitationLink?: { email: string; url: string }) => {
    const team = await context.team(host.hostId);
    if (isAppError(team)) return errorPage(host.view.page, team, PRIVATE);
    return page(host.cookies, status, TeamPage({ ...host.view, ...team, ...form, invitationLink, isOwner: host.role === "owner" }));
  };

  const team = async (request: Request): Promise<Reply> => {
    const host = await hostGet(web, request);
    return isReply(host) ? host : teamPage(host, { values: {}, errors: NO_ERRORS });
  };

  /** Makes an invitation link, mails it, and shows it once (only its digest is kept). */
  const invite = async (request: Request): Promise<Reply> => {
    const host = await hostPost(web, request);
    if (isReply(host)) return host;
    const values = valuesOf(host.fields);
    const email = parseEmail(host.fields);
    if ("errors" in email) return teamPage(host, { values, errors: email.errors }, 422);
    const url = await context.invite(host.snapshot.host, email.value);
    if (isAppError(url)) return errorPage(host.view.page, url, PRIVATE);
    return teamPage(host, { values: {}, errors: NO_ERRORS }, 201, { email: email.value, url });
  };

  /** `/host/team/:id/deactivate|reactivate`: an owner or admin turns another host off or on. */
  const setMemberActive = (active: boolean) => async (request: Request): Promise<Reply> => {
    const host = await hostPost(web, request);
    if (isReply(host)) return host;
    const changed = await context.setHostActive(host.hostId, request.params[0]!, active);
    if (isAppError(changed)) return errorPage(host.view.page, changed, host.cookies);
    return redirect(`/host/team#member-${request.params[0]!}`, host.cookies);
  };

  /** `/host/team/:id/role`: the owner makes a host an admin, or a host again. */
  const setMemberRole = async (request: Request): Promise<Reply> => {
    const host = await hostPost(web, request);
    if (isReply(host)) return host;
    const role = host.fields["role"];
    if (role !== "admin" && role !== "host") return errorPage(host.view.page, new InvalidInput({ field: "role", message: "must be admin or host" }), host.cookies);
    const changed = await context.setRole(host.hostId, request.params[0]!, role);
    if (isAppError(changed)) return errorPage(host.view.page, changed, host.cookies);
    return redirect(`/host/team#member-${request.params[0]!}`, host.cookies);
  };

  const invitationGone = (pageContext: PageContext, cookies: ReadonlyArray<readonly [string, string]>) =>
    html(
      410,
      ErrorPage({
        page: pageContext,
        title: "This invitation does not work",
        message: "It was used already, is older than 7 days, or was never made. Ask whoever invited you for a new one.",
      }) as string,
      [...cookies, ...PRIVATE],
    );

  const joinForm = (pageContext: PageContext, invitation: { readonly email: string; readonly invitedBy: string | null }, values: FormValues, errors: ReadonlyMap<string, string>, status = 200) =>
    page(
      [],
      status,
      JoinPage({
        page: pageContext,
        ...invitation,
        values,
        errors,
        zones: web.views.zonePickerGroups(web.now(), values["timeZone"] ?? "UTC"),
        origin: web.config.publicUrl,
      }),
    );

  const joinPage = async (request: Request): Promise<Reply> => {
    const post = beginPage(web, request);
    const invitation = await context.invitation(request.params[0]!);
    if (isAppError(invitation)) return errorPage(post.page, invitation, post.cookies);
    if (invitation === undefined) return invitationGone(post.page, post.cookies);
    const reply = joinForm(post.page, invitation, { timeZone: browserZoneOf(request) ?? "UTC" }, NO_ERRORS);
    return { ...reply, headers: [...reply.headers, ...post.cookies] };
  };

  /** Accepting an invitation makes the host and signs them in. */
  const join = async (request: Request): Promise<Reply> => {
    const post = beginFormPost(web, request);
    if (isReply(post)) return post;
    const token = request.params[0]!;
    const invitation = await context.invitation(token);
    if (isAppError(invitation)) return errorPage(post.page, invitation, post.cookies);
    if (invitation === undefined) return invitationGone(post.page, post.cookies);
    const values = valuesOf(post.fields);
    const joining = { name: (values["name"] ?? "").trim(), slug: (values["slug"] ?? "").trim().toLowerCase(), timeZone: values["timeZone"] ?? "" };
    const problems = new Map(joiningProblems(joining).map((p) => [p.field, p.message]));
    const checked = checkedOnly(post.fields, problems);
    if (checked !== undefined) return joinForm(post.page, invitation, values, checked);
    if (problems.size > 0) return joinForm(post.page, invitation, values, problems, 422);
    const locale = negotiateLocale(request.headers.get("accept-language"));
    const joined = await context.join(token, { ...joining, locale }, deviceOf(request.headers.get("user-agent")));
    if (isAppError(joined)) {
      return joined._tag === "InvalidInput" ? joinForm(post.page, invitation, values, new Map([[joined.field, joined.message]]), 422) : errorPage(post.page, joined, post.cookies);
    }
    if (joined === undefined) return invitationGone(post.page, post.cookies);
    const maxAge = Math.floor((joined.expiresAt - web.now()) / 1000);
    return redirect("/host/event-types", [...post.cookies, ["Set-Cookie", hostSessionCookie(joined.session, maxAge, secure)]]);
  };

  return { uploadAvatar, removeAvatar, avatar, saveAgenda, saveListing, deleteEventType, deactivate: setMemberActive(false), reactivate: setMemberActive(true), setMemberRole, account, saveProfile, endSessions, eventTypes, preview, newEventType, duplicateEventType, editEventType, saveEventType, availability, saveWeeklyHours, deleteSchedule, saveOverride, removeOverride, team, invite, joinPage, join };
};
