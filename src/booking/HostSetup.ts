import { Effect, type Request as EffectRequest } from "effect";
import type { HostActorsShape } from "../actors/HostActors.ts";
import { DECODED, DeleteEventType, DeleteSchedule, ReplaceWeeklyRules, SaveEventType, SaveProfile, SaveSchedule, SetDateOverride, SetHostActive, type EventTypeFields, type HostMessage } from "../actors/protocol.ts";
import { InvalidInput, NotFound } from "../domain/errors.ts";
import type { EventTypeId, HostId, ScheduleId } from "../domain/model.ts";
import { addDays, type LocalDate } from "../domain/time.ts";
import { RESERVED_HOST_SLUGS, SLUG } from "../domain/validation.ts";
import { canonicalTimeZone, zoneTable } from "../domain/zone.ts";
import { decideOverride } from "../actors/decisions.ts";
import { invitationMail, signInMail, signUpMail } from "../notify/accountMails.ts";
import { isLocale, localeOf, type Locale } from "../i18n/i18n.ts";
import { HostRepository } from "../persistence/HostRepository.ts";
import { AgendaRepository } from "../persistence/AgendaRepository.ts";
import type { MailSettings, OutgoingMail } from "../notify/messages.ts";
import { HostSessionRepository, INVITATION_DAYS, isSlugTaken, sessionIdOf, SIGN_IN_LINK_MINUTES, type Joining } from "../persistence/HostSessionRepository.ts";
import { isBookingError, type BookingError } from "./errors.ts";

type Answer<A> = A | BookingError;

export const MAX_AVATAR_BYTES = 48 * 1024;

/** An image's type from its signature bytes. */
const imageTypeOf = (b: Uint8Array): "image/png" | "image/jpeg" | "image/webp" | undefined => {
  const starts = (...bytes: number[]) => bytes.every((x, i) => b[i] === x);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "image/png";
  if (starts(0xff, 0xd8, 0xff)) return "image/jpeg";
  if (starts(0x52, 0x49, 0x46, 0x46) && b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50) return "image/webp";
  return undefined;
};

interface SetupDeps {
  readonly actors: HostActorsShape;
  readonly run: <A, E>(effect: Effect.Effect<A, E, HostSessionRepository | HostRepository | AgendaRepository>) => Promise<Answer<A>>;
  readonly ask: <M extends HostMessage>(hostId: HostId, message: M) => Promise<Answer<EffectRequest.Request.Success<M>>>;
  readonly now: () => number;
  /** Sends in the background: the answer never waits for (or reveals) a mail server. */
  readonly sendMail: (mail: OutgoingMail) => void;
  readonly mailSettings: MailSettings;
  /** SIGNUP=open: anyone may ask for a sign-up link. */
  readonly signupOpen: boolean;
}

export interface WeeklyWindow {
  readonly weekday: number;
  readonly start: number;
  readonly end: number;
}

export interface Profile {
  readonly name: string;
  readonly slug: string;
  readonly timeZone: string;
  readonly bio: string;
  /** The language of the host's mails. */
  readonly locale: string;
}

/** What a host may change about themselves, checked all fields at once. */
export const profileProblems = (p: Profile): ReadonlyArray<InvalidInput> => [
  ...joiningProblems({ name: p.name, slug: p.slug, timeZone: p.timeZone }),
  ...(p.bio.length > 1000 || p.bio.includes("\u0000") || !p.bio.isWellFormed() ? [new InvalidInput({ field: "bio", message: "About you must be at most 1000 characters of text" })] : []),
  ...(isLocale(p.locale) ? [] : [new InvalidInput({ field: "locale", message: "Language must be one of those offered" })]),
];

/** What someone accepting an invitation chose; checked here, all fields at once. */
export const joiningProblems = (j: Joining): ReadonlyArray<InvalidInput> => {
  const problems: InvalidInput[] = [];
  if (j.name.trim().length < 1 || j.name.length > 200) problems.push(new InvalidInput({ field: "name", message: "Name must be 1 to 200 characters" }));
  else if (j.name.includes("\u0000") || !j.name.isWellFormed()) problems.push(new InvalidInput({ field: "name", message: "Name must not contain NUL characters or broken Unicode" }));
  if (!SLUG.test(j.slug)) problems.push(new InvalidInput({ field: "slug", message: "Address must be lowercase letters, digits and dashes (at most 64)" }));
  else if (RESERVED_HOST_SLUGS.has(j.slug)) problems.push(new InvalidInput({ field: "slug", message: "This address is reserved; choose another" }));
  if (canonicalTimeZone(j.timeZone) === undefined) problems.push(new InvalidInput({ field: "timeZone", message: "Choose a time zone from the list" }));
  return problems;
};

/**
 * What a signed-in host sets up themselves: their team (owners and admins invite hosts),
 * event types and availability. Schedule changes go through the host's actor, so open pages
 * refresh and no booking is judged against a half-applied change.
 */
export const makeHostSetup = (deps: SetupDeps) => {
  const access = <A, E>(f: (repo: HostSessionRepository) => Effect.Effect<A, E>) => deps.run(Effect.flatMap(HostSessionRepository, f));

  /** Owners and admins run the team; to anyone else the team pages do not exist. */
  const teamLead = async (hostId: HostId): Promise<Answer<true>> => {
    const role = await access((r) => r.roleOf(hostId));
    if (isBookingError(role)) return role;
    return role === "owner" || role === "admin" ? true : new NotFound({ what: "page" });
  };

  const team = async (hostId: HostId) => {
    const lead = await teamLead(hostId);
    if (lead !== true) return lead;
    const members = await access((r) => r.team);
    const invitations = await access((r) => r.openInvitations(deps.now()));
    if (isBookingError(members)) return members;
    if (isBookingError(invitations)) return invitations;
    return { members, invitations };
  };

  const linkOf = (path: string) => `${deps.mailSettings.publicUrl}${path}`;

  /** A single-use invitation link for that address, also mailed to it in the inviter's name. */
  const invite = async (inviter: { readonly id: HostId; readonly name: string; readonly locale: string }, email: string): Promise<Answer<string>> => {
    const lead = await teamLead(inviter.id);
    if (lead !== true) return lead;
    const token = await access((r) => r.invite(inviter.id, email, deps.now()));
    if (isBookingError(token)) return token;
    const url = linkOf(`/host/join/${token}`);
    deps.sendMail(invitationMail(deps.mailSettings, email, { name: inviter.name, locale: localeOf(inviter.locale) }, url, INVITATION_DAYS));
    return url;
  };

  /** Issues and mails a sign-in link to each of these hosts. */
  const mailSignInLinks = (r: HostSessionRepository, hosts: ReadonlyArray<{ readonly id: HostId; readonly name: string; readonly email: string; readonly locale: string }>) =>
    Effect.forEach(hosts, (host) =>
      Effect.map(r.issueSignInLink(host.id, deps.now()), (token) =>
        deps.sendMail(signInMail(deps.mailSettings, { ...host, locale: localeOf(host.locale) }, linkOf(`/host/sign-in/${token}`), SIGN_IN_LINK_MINUTES)),
      ),
    );

  /**
   * Mails a sign-in link to each host with this address. Answers the same whether or not
   * there is one, at once, so the form tells nobody which addresses have accounts.
   */
  const emailSignInLink = (email: string) => {
    void access((r) => Effect.flatMap(r.hostsWithEmail(email), (hosts) => mailSignInLinks(r, hosts))).catch(() => undefined);
  };

  /**
   * SIGNUP=open: mails a sign-up link to a new address, or sign-in links to the hosts who have
   * it. Answers at once and alike either way; with sign-up closed it is a 404.
   */
  const requestSignUp = (email: string, locale: Locale): Answer<void> => {
    if (!deps.signupOpen) return new NotFound({ what: "page" });
    void access((r) =>
      Effect.flatMap(r.hostsWithEmail(email), (hosts) =>
        hosts.length > 0
          ? mailSignInLinks(r, hosts)
          : Effect.map(r.invite(null, email, deps.now()), (token) => deps.sendMail(signUpMail(deps.mailSettings, email, linkOf(`/host/join/${token}`), INVITATION_DAYS, locale))),
      ),
    ).catch(() => undefined);
    return undefined;
  };

  const invitation = (token: string) => access((r) => r.invitation(token, deps.now()));

  /** Makes the invited host and signs them in; undefined when the invitation no longer works. */
  const join = async (token: string, joining: Joining, device: string) => {
    const problem = joiningProblems(joining)[0];
    if (problem !== undefined) return problem;
    const joined = await deps.run(
      Effect.flatMap(HostSessionRepository, (r) => r.join(token, { ...joining, timeZone: canonicalTimeZone(joining.timeZone)! }, deps.now(), device)).pipe(
        Effect.catchIf(isSlugTaken, () => new InvalidInput({ field: "slug", message: "Another host has this address; choose another" })),
      ),
    );
    return joined;
  };

  const roleOf = (hostId: HostId) => access((r) => r.roleOf(hostId));

  /** The host's current sessions, the one of `currentToken` marked. */
  const sessionsOf = async (hostId: HostId, currentToken: string | undefined) => {
    const list = await access((r) => r.sessionsOf(hostId, deps.now()));
    if (isBookingError(list)) return list;
    const current = currentToken === undefined ? undefined : sessionIdOf(currentToken);
    return list.map((s) => ({ ...s, current: s.id === current }));
  };

  /**
   * Ends one of the host's sessions (another host's id ends nothing: a 404), or all with
   * `null`; says whether the session of `currentToken` was among them.
   */
  const endSessions = async (hostId: HostId, id: string | null, currentToken: string | undefined): Promise<Answer<{ readonly signedOut: boolean }>> => {
    if (id !== null && !/^[0-9a-f]{64}$/.test(id)) return new NotFound({ what: "page" });
    const ended = await access((r) => r.endSessions(hostId, id, deps.now()));
    if (isBookingError(ended)) return ended;
    if (ended === 0 && id !== null) return new NotFound({ what: "page" });
    return { signedOut: id === null || (currentToken !== undefined && sessionIdOf(currentToken) === id) };
  };

  /**
   * Creates (no id) or replaces one of the host's event types; another host's id is a 404. With
   * `ifMatch` (an API client's `If-Match`) it replaces only the version those tags name.
   */
  const saveEventType = (hostId: HostId, id: EventTypeId | null, fields: typeof EventTypeFields.Type, ifMatch?: ReadonlyArray<string>) =>
    deps.ask(hostId, new SaveEventType({ id, fields, ifMatch }, DECODED));

  /** Deletes one of the host's event types without upcoming meetings. */
  const deleteEventType = (hostId: HostId, id: EventTypeId, ifMatch?: ReadonlyArray<string>) => deps.ask(hostId, new DeleteEventType({ id, ifMatch }, DECODED));

  /** Replaces the host's own weekly hours, or (with a schedule) a named schedule's; `"new"` creates one. */
  const replaceWeeklyHours = (
    hostId: HostId,
    rules: ReadonlyArray<WeeklyWindow>,
    schedule?: { readonly id: ScheduleId | "new"; readonly name: string },
    ifMatch?: ReadonlyArray<string>,
  ) =>
    schedule === undefined
      ? deps.ask(hostId, new ReplaceWeeklyRules({ rules, ifMatch }, DECODED))
      : deps.ask(hostId, new SaveSchedule({ id: schedule.id === "new" ? null : schedule.id, name: schedule.name, rules }, DECODED));

  const deleteSchedule = (hostId: HostId, id: ScheduleId) => deps.ask(hostId, new DeleteSchedule({ id }, DECODED));

  /**
   * What an override would change, before it is saved: per active event type, the starts it
   * would take away and the ones it would add on those dates (decided against the latest
   * snapshot, nothing written).
   */
  const previewOverride = async (hostId: HostId, date: LocalDate, windows: ReadonlyArray<{ start: number; end: number }>, days: number) => {
    const snapshot = await deps.run(deps.actors.snapshot(hostId));
    if (isBookingError(snapshot)) return snapshot;
    const decided = decideOverride(snapshot, new SetDateOverride({ date, windows, days }, DECODED));
    if (decided._tag !== "Write") return new InvalidInput({ field: "date", message: "cannot be previewed" });
    const zone = zoneTable(snapshot.host.timeZone);
    const from = zone.startOfDay(date);
    const to = zone.startOfDay(addDays(date, days));
    const now = deps.now();
    return [...snapshot.eventTypes.values()]
      .filter((e) => e.active)
      .map((eventType) => {
        const before = snapshot.slots(eventType, from, to, now);
        const after = decided.next.slots(eventType, from, to, now);
        return { eventType, removed: before.filter((t) => !after.includes(t)), added: after.filter((t) => !before.includes(t)) };
      });
  };

  /** Sets the windows of `days` local dates from `date` (empty: days off), or with null goes back to the weekly hours. */
  const setDateOverride = (hostId: HostId, date: LocalDate, windows: ReadonlyArray<{ start: number; end: number }> | null, days = 1, ifMatch?: ReadonlyArray<string>) =>
    deps.ask(hostId, new SetDateOverride({ date, windows, days, ifMatch }, DECODED));

  /** The host's name, zone and bio, checked here (every field at once) and again by the actor. */
  const saveProfile = async (hostId: HostId, profile: Profile) => {
    const problem = profileProblems(profile)[0];
    if (problem !== undefined) return problem;
    const taken = await deps.run(Effect.flatMap(HostRepository, (r) => r.slugTaken(profile.slug, hostId)));
    if (isBookingError(taken)) return taken;
    if (taken) return new InvalidInput({ field: "slug", message: "Another host has this address; choose another" });
    return deps.ask(hostId, new SaveProfile(profile, DECODED));
  };

  /** Another member of the team, for an owner's or admin's action; nobody acts on themselves or the owner. */
  const otherMember = async (leadId: HostId, memberId: string) => {
    const lead = await teamLead(leadId);
    if (lead !== true) return lead;
    const members = await access((r) => r.team);
    if (isBookingError(members)) return members;
    const member = members.find((m) => m.id === memberId);
    if (member === undefined) return new NotFound({ what: "page" });
    if (member.id === leadId || member.role === "owner") return new InvalidInput({ field: "member", message: "The owner, and you yourself, cannot be changed here." });
    return member;
  };

  /**
   * Deactivates a host (their pages offer nothing, their sessions end, they cannot sign in;
   * meetings already booked stay) or makes them active again.
   */
  const setHostActive = async (leadId: HostId, memberId: string, active: boolean): Promise<Answer<void>> => {
    const member = await otherMember(leadId, memberId);
    if (isBookingError(member)) return member;
    const changed = await deps.ask(member.id, new SetHostActive({ active }, DECODED));
    if (isBookingError(changed) || active) return changed;
    const ended = await access((r) => r.endSessions(member.id, null, deps.now()));
    return isBookingError(ended) ? ended : undefined;
  };

  /** The owner makes a host an admin (who may invite and deactivate too), or a host again. */
  const setRole = async (leadId: HostId, memberId: string, role: "admin" | "host"): Promise<Answer<void>> => {
    if ((await roleOf(leadId)) !== "owner") return new NotFound({ what: "page" });
    const member = await otherMember(leadId, memberId);
    if (isBookingError(member)) return member;
    const changed = await access((r) => r.setRole(member.id, role));
    return isBookingError(changed) ? changed : undefined;
  };

  /** The hour (host-local) the host's daily agenda is mailed at, or null for none. */
  const agendaHourOf = (hostId: HostId) => deps.run(Effect.flatMap(AgendaRepository, (r) => r.agendaHourOf(hostId)));

  const setAgendaHour = (hostId: HostId, hour: number | null): Promise<Answer<void>> =>
    hour !== null && (!Number.isInteger(hour) || hour < 0 || hour > 23)
      ? Promise.resolve(new InvalidInput({ field: "agendaHour", message: "must be an hour of the day, or off" }))
      : deps.run(Effect.flatMap(AgendaRepository, (r) => r.setAgendaHour(hostId, hour)));

  const listedOf = (hostId: HostId) => deps.run(Effect.flatMap(HostRepository, (r) => r.listedOf(hostId)));

  const setListed = (hostId: HostId, listed: boolean) => deps.run(Effect.flatMap(HostRepository, (r) => r.setListed(hostId, listed)));

  /** A host's uploaded picture by their address, for the page that shows it. */
  const avatarOf = (slug: string) => (SLUG.test(slug) ? deps.run(Effect.flatMap(HostRepository, (r) => r.avatarOf(slug))) : Promise.resolve(undefined));

  /**
   * Keeps a picture the host uploaded (checked by its first bytes, not its name or declared
   * type: PNG, JPEG or WebP, at most 48 KiB), or with null goes back to their initials.
   */
  const setAvatar = async (hostId: HostId, bytes: Uint8Array | null): Promise<Answer<void>> => {
    if (bytes === null) return deps.run(Effect.flatMap(HostRepository, (r) => r.setAvatar(hostId, null)));
    if (bytes.length === 0) return new InvalidInput({ field: "avatar", message: "Choose a picture to upload" });
    if (bytes.length > MAX_AVATAR_BYTES) return new InvalidInput({ field: "avatar", message: "The picture must be at most 48 KB" });
    const type = imageTypeOf(bytes);
    if (type === undefined) return new InvalidInput({ field: "avatar", message: "The picture must be a PNG, JPEG or WebP image" });
    return deps.run(Effect.flatMap(HostRepository, (r) => r.setAvatar(hostId, { bytes, type })));
  };

  return { avatarOf, setAvatar, agendaHourOf, setAgendaHour, listedOf, setListed, previewOverride, deleteEventType, saveProfile, setHostActive, setRole, team, invite, requestSignUp, signupOpen: deps.signupOpen, emailSignInLink, invitation, join, roleOf, sessionsOf, endSessions, saveEventType, replaceWeeklyHours, deleteSchedule, setDateOverride };
};

export type HostSetup = ReturnType<typeof makeHostSetup>;
