import { SqlClient } from "@effect/sql/SqlClient";
import type { SqlError } from "@effect/sql/SqlError";
import { Effect, Schema } from "effect";
import { createHash, randomBytes } from "node:crypto";
import { HostId } from "../domain/model.ts";
import { decodeFirst } from "./rows.ts";

const MINUTE_MS = 60_000;
/** A sign-in link is for now, not for later: it works once, within this time. */
export const SIGN_IN_LINK_MINUTES = 15;
export const SESSION_DAYS = 30;

/** 256 random bits: unguessable, and short enough for a URL or a cookie. */
const newToken = () => randomBytes(32).toString("base64url");
const digestOf = (token: string) => createHash("sha256").update(token).digest();
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const iso = (ms: number) => new Date(ms).toISOString();
const hostIdOf = (rows: ReadonlyArray<unknown>) => Effect.map(decodeFirst(Schema.Struct({ hostId: HostId }))(rows), (r) => r?.hostId);

/** Host sign-in links and sessions; tokens are handed out once and kept only as digests. */
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
        WHERE token_digest = ${digest} AND used_at IS NULL AND expires_at > ${iso(now)}::timestamptz`);

    /** Uses up a sign-in link and starts a session, in one statement: a link signs in once. */
    const redeemSignInLink = (token: string, now: number) =>
      Effect.gen(function* () {
        if (!TOKEN.test(token)) return undefined;
        const session = newToken();
        const expiresAt = now + SESSION_DAYS * 24 * 60 * MINUTE_MS;
        const rows = yield* sql<{ hostId: string }>`
          WITH used AS (
            UPDATE host_sign_in_links SET used_at = ${iso(now)}::timestamptz
            WHERE token_digest = ${digestOf(token)} AND used_at IS NULL AND expires_at > ${iso(now)}::timestamptz
            RETURNING host_id
          )
          INSERT INTO host_sessions (token_digest, host_id, expires_at)
          SELECT ${digestOf(session)}, host_id, ${iso(expiresAt)}::timestamptz FROM used
          RETURNING host_id`;
        const hostId = yield* hostIdOf(rows);
        return hostId === undefined ? undefined : { hostId, session, expiresAt };
      });

    const hostOfSession = (token: string, now: number) =>
      hostOf(token, (digest) => sql<{ hostId: string }>`
        SELECT host_id FROM host_sessions
        WHERE token_digest = ${digest} AND ended_at IS NULL AND expires_at > ${iso(now)}::timestamptz`);

    const endSession = (token: string, now: number) =>
      TOKEN.test(token)
        ? sql`UPDATE host_sessions SET ended_at = ${iso(now)}::timestamptz WHERE token_digest = ${digestOf(token)} AND ended_at IS NULL`.pipe(
            Effect.asVoid,
          )
        : Effect.void;

    return { issueSignInLink, hostOfSignInLink, redeemSignInLink, hostOfSession, endSession } as const;
  }),
}) {}
