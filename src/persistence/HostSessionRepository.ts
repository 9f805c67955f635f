import { SqlClient } from "@effect/sql/SqlClient";
import type { SqlError } from "@effect/sql/SqlError";
import { Effect, Schema } from "effect";
import { randomUUID } from "node:crypto";
import { HostId, HostRole } from "../domain/model.ts";
import { sqlState } from "./BookingRepository.ts";
import { decodeFirst, decodeRows, EpochColumn, iso } from "./rows.ts";
import { digestOf, newToken, TOKEN } from "./tokens.ts";

const MINUTE_MS = 60_000;
/** A sign-in link is for now, not for later: it works once, within this time. */
export const SIGN_IN_LINK_MINUTES = 15;
export const SESSION_DAYS = 30;
export const INVITATION_DAYS = 7;

const hostIdOf = (rows: ReadonlyArray<unknown>) => Effect.map(decodeFirst(Schema.Struct({ hostId: HostId }))(rows), (r) => r?.hostId);

/** A host of this Rendezvous, as the owner's team page lists them. */
export const TeamMember = Schema.Struct({ id: HostId, slug: Schema.String, name: Schema.String, email: Schema.String, role: HostRole, active: Schema.Boolean });
export type TeamMember = typeof TeamMember.Type;

/** A session as its host sees it in their list. */
export const HostSessionRow = Schema.Struct({ id: Schema.String, device: Schema.String, createdAt: EpochColumn });
export type HostSessionView = typeof HostSessionRow.Type;

/** The session id `sessionsOf` shows for a token (its digest), to mark "this browser". */
export const sessionIdOf = (token: string) => digestOf(token).toString("hex");

/** An invitation not yet used. */
const RetriedSession = Schema.Struct({ hostId: HostId, expiresAt: EpochColumn });

export const OpenInvitation = Schema.Struct({ email: Schema.String, expiresAt: EpochColumn });
export type OpenInvitation = typeof OpenInvitation.Type;

/** Who a new host is, as they chose it when accepting an invitation. */
export interface Joining {
  readonly slug: string;
  readonly name: string;
  readonly timeZone: string;
  /** The language of their mails, from the browser they joined in (left out: English). */
  readonly locale?: string;
}

/** 23505 on the host slug: another host has it. */
export const isSlugTaken = (error: SqlError) =>
  sqlState(error) === "23505" && (error.cause as { constraint?: string }).constraint === "hosts_slug_key";

/** Host access: invitations, sign-in links and sessions; tokens are handed out once and kept only as digests. */
export class HostSessionRepository extends Effect.Service<HostSessionRepository>()("rendezvous/HostSessionRepository", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient;

    const issueSignInLink = (hostId: HostId, now: number) =>
      Effect.gen(function* () {
        const token = newToken();
        // Links and sessions that can no longer be used are cleared now and then: here.
        yield* sql`DELETE FROM host_sign_in_links WHERE expires_at < ${iso(now)}::timestamptz`;
        yield* sql`DELETE FROM host_sessions WHERE expires_at < ${iso(now)}::timestamptz OR ended_at IS NOT NULL`;
        yield* sql`
          INSERT INTO host_sign_in_links (token_digest, host_id, expires_at)
          VALUES (${digestOf(token)}, ${hostId}, ${iso(now + SIGN_IN_LINK_MINUTES * MINUTE_MS)}::timestamptz)`;
        return token;
      });

    /** The host of the first row, for a well-formed token; a malformed one finds nobody without asking. */
    const hostOf = (token: string, query: (digest: Buffer) => Effect.Effect<ReadonlyArray<unknown>, SqlError>) =>
      TOKEN.test(token) ? Effect.flatMap(query(digestOf(token)), hostIdOf) : Effect.succeed(undefined);

    /** The host a sign-in link is for, while it is unused and fresh; it is not used up by looking. */
    const hostOfSignInLink = (token: string, now: number) =>
      hostOf(token, (digest) => sql<{ hostId: string }>`
        SELECT host_id FROM host_sign_in_links
        WHERE token_digest = ${digest} AND used_at IS NULL AND expires_at > ${iso(now)}::timestamptz
          AND host_id IN (SELECT id FROM hosts WHERE active)`);

    /**
     * Uses up a sign-in link and starts a session, in one statement: a link signs in once. The
     * caller may choose the session token (an API retry derives it; see `sessionOfRetry`).
     */
    const redeemSignInLink = (token: string, now: number, device: string, session: string = newToken()) =>
      Effect.gen(function* () {
        if (!TOKEN.test(token)) return undefined;
        const expiresAt = now + SESSION_DAYS * 24 * 60 * MINUTE_MS;
        const rows = yield* sql<{ hostId: string }>`
          WITH used AS (
            UPDATE host_sign_in_links SET used_at = ${iso(now)}::timestamptz
            WHERE token_digest = ${digestOf(token)} AND used_at IS NULL AND expires_at > ${iso(now)}::timestamptz
              AND host_id IN (SELECT id FROM hosts WHERE active)
            RETURNING host_id
          )
          INSERT INTO host_sessions (token_digest, host_id, expires_at, device)
          SELECT ${digestOf(session)}, host_id, ${iso(expiresAt)}::timestamptz, ${device} FROM used
          RETURNING host_id`;
        const hostId = yield* hostIdOf(rows);
        return hostId === undefined ? undefined : { hostId, session, expiresAt };
      });

    /**
     * The session a sign-in link already started with exactly this token, while the link is
     * still within its 15 minutes and the session not ended: what a retried request gets back.
     */
    const sessionOfRetry = (token: string, session: string, now: number) =>
      Effect.gen(function* () {
        if (!TOKEN.test(token) || !TOKEN.test(session)) return undefined;
        const started = yield* sql`
          SELECT s.host_id, s.expires_at FROM host_sessions s
          JOIN host_sign_in_links l ON l.host_id = s.host_id
          WHERE l.token_digest = ${digestOf(token)} AND l.used_at IS NOT NULL AND l.expires_at > ${iso(now)}::timestamptz
            AND s.token_digest = ${digestOf(session)} AND s.ended_at IS NULL`.pipe(Effect.flatMap(decodeFirst(RetriedSession)));
        return started === undefined ? undefined : { ...started, session };
      });

    const hostOfSession = (token: string, now: number) =>
      hostOf(token, (digest) => sql<{ hostId: string }>`
        SELECT s.host_id FROM host_sessions s JOIN hosts h ON h.id = s.host_id
        WHERE s.token_digest = ${digest} AND s.ended_at IS NULL AND s.expires_at > ${iso(now)}::timestamptz AND h.active`);

    const endSession = (token: string, now: number) =>
      TOKEN.test(token)
        ? sql`UPDATE host_sessions SET ended_at = ${iso(now)}::timestamptz WHERE token_digest = ${digestOf(token)} AND ended_at IS NULL`.pipe(
            Effect.asVoid,
          )
        : Effect.void;

    /** Makes a host an admin or a plain host again; the owner stays the owner. */
    const setRole = (hostId: HostId, role: "admin" | "host") =>
      sql`UPDATE hosts SET role = ${role} WHERE id = ${hostId} AND role <> 'owner' RETURNING id`.pipe(Effect.map((rows) => rows.length === 1));

    const roleOf = (hostId: HostId) =>
      sql`SELECT role FROM hosts WHERE id = ${hostId}`.pipe(
        Effect.flatMap(decodeFirst(Schema.Struct({ role: HostRole }))),
        Effect.map((r) => r?.role),
      );

    /** Makes the host the owner when there is none yet (the first run's demo host). */
    const ensureOwner = (hostId: HostId) =>
      sql`UPDATE hosts SET role = 'owner' WHERE id = ${hostId} AND NOT EXISTS (SELECT 1 FROM hosts WHERE role = 'owner')`.pipe(Effect.asVoid);

    /** An invitation from a host, or (`invitedBy` null) a sign-up link the address asked for itself. */
    const invite = (invitedBy: HostId | null, email: string, now: number) =>
      Effect.gen(function* () {
        const token = newToken();
        yield* sql`DELETE FROM host_invitations WHERE expires_at < ${iso(now)}::timestamptz AND used_at IS NULL`;
        yield* sql`
          INSERT INTO host_invitations (token_digest, email, invited_by, expires_at)
          VALUES (${digestOf(token)}, ${email}, ${invitedBy}, ${iso(now + INVITATION_DAYS * 24 * 60 * MINUTE_MS)}::timestamptz)`;
        return token;
      });

    /** Whom an unused, fresh invitation is for, and who sent it; looking does not use it up. */
    const invitation = (token: string, now: number) =>
      TOKEN.test(token)
        ? sql`
            SELECT i.email, h.name AS invited_by FROM host_invitations i LEFT JOIN hosts h ON h.id = i.invited_by
            WHERE i.token_digest = ${digestOf(token)} AND i.used_at IS NULL AND i.expires_at > ${iso(now)}::timestamptz`.pipe(
            Effect.flatMap(decodeFirst(Schema.Struct({ email: Schema.String, invitedBy: Schema.NullOr(Schema.String) }))),
          )
        : Effect.succeed(undefined);

    /**
     * Uses up an invitation, makes its host (with weekday 09:00–17:00 hours to start from) and
     * signs them in, in one statement. Undefined when the invitation is used, expired or unknown;
     * a taken slug fails with the unique violation (`isSlugTaken`).
     */
    const join = (token: string, host: Joining, now: number, device: string) =>
      Effect.gen(function* () {
        if (!TOKEN.test(token)) return undefined;
        const session = newToken();
        const expiresAt = now + SESSION_DAYS * 24 * 60 * MINUTE_MS;
        const hostId = randomUUID();
        const rows = yield* sql`
          WITH used AS (
            UPDATE host_invitations SET used_at = ${iso(now)}::timestamptz, host_id = ${hostId}::uuid
            WHERE token_digest = ${digestOf(token)} AND used_at IS NULL AND expires_at > ${iso(now)}::timestamptz
            RETURNING email
          ), host AS (
            INSERT INTO hosts (id, slug, name, email, time_zone, locale)
            SELECT ${hostId}::uuid, ${host.slug}, ${host.name}, email, ${host.timeZone}, ${host.locale ?? "en"} FROM used
            RETURNING id
          ), hours AS (
            INSERT INTO availability_rules (host_id, weekday, start_time, end_time)
            SELECT id, weekday, '09:00', '17:00' FROM host, generate_series(1, 5) AS weekday
          )
          INSERT INTO host_sessions (token_digest, host_id, expires_at, device)
          SELECT ${digestOf(session)}, id, ${iso(expiresAt)}::timestamptz, ${device} FROM host
          RETURNING host_id`;
        const joined = yield* hostIdOf(rows);
        return joined === undefined ? undefined : { hostId: joined, session, expiresAt };
      });

    /** The hosts who sign in with this address (letter case aside); few, but addresses are not unique. */
    const hostsWithEmail = (email: string) =>
      sql`SELECT id, name, email, locale FROM hosts WHERE lower(email) = lower(${email}) AND active ORDER BY created_at LIMIT 5`.pipe(
        Effect.flatMap(decodeRows(Schema.Struct({ id: HostId, name: Schema.String, email: Schema.String, locale: Schema.String }))),
      );

    /** The host's current sessions, newest first; `id` is the token's digest (it signs nobody in). */
    const sessionsOf = (hostId: HostId, now: number) =>
      sql`
        SELECT encode(token_digest, 'hex') AS id, device, created_at FROM host_sessions
        WHERE host_id = ${hostId} AND ended_at IS NULL AND expires_at > ${iso(now)}::timestamptz
        ORDER BY created_at DESC LIMIT 100`.pipe(Effect.flatMap(decodeRows(HostSessionRow)));

    /** Ends one of the host's sessions by id, or (null) every one of them; how many ended. */
    const endSessions = (hostId: HostId, id: string | null, now: number) =>
      sql`
        UPDATE host_sessions SET ended_at = ${iso(now)}::timestamptz
        WHERE host_id = ${hostId} AND ended_at IS NULL
          ${id === null ? sql`` : sql`AND token_digest = decode(${id}, 'hex')`}
        RETURNING 1`.pipe(Effect.map((rows) => rows.length));

    const team = sql`SELECT id, slug, name, email, role, active FROM hosts ORDER BY role = 'host', name, slug`.pipe(Effect.flatMap(decodeRows(TeamMember)));

    const openInvitations = (now: number) =>
      sql`
        SELECT email, expires_at FROM host_invitations
        WHERE used_at IS NULL AND invited_by IS NOT NULL AND expires_at > ${iso(now)}::timestamptz ORDER BY created_at DESC LIMIT 100`.pipe(
        Effect.flatMap(decodeRows(OpenInvitation)),
      );

    return {
      issueSignInLink,
      sessionOfRetry,
      hostOfSignInLink,
      redeemSignInLink,
      hostOfSession,
      endSession,
      roleOf,
      setRole,
      ensureOwner,
      invite,
      invitation,
      join,
      team,
      sessionsOf,
      endSessions,
      hostsWithEmail,
      openInvitations,
    } as const;
  }),
}) {}
