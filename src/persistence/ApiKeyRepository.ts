import { SqlClient } from "@effect/sql/SqlClient";
import { Effect, Schema } from "effect";
import { HostId } from "../domain/model.ts";
import { decodeFirst, decodeRows, EpochColumn, iso } from "./rows.ts";
import { digestOf, newToken, TOKEN } from "./tokens.ts";

export const API_KEY_SCOPES = ["read", "write"] as const;
export const ApiKeyScope = Schema.Literal(...API_KEY_SCOPES);
export type ApiKeyScope = typeof ApiKeyScope.Type;

/** Keys say what they are, so a leaked one is recognised (by people and secret scanners) and never taken for a session token. */
export const API_KEY_PREFIX = "rvk_";
const API_KEY = new RegExp(`^${API_KEY_PREFIX}[A-Za-z0-9_-]{43}$`);
export const isApiKey = (bearer: string) => bearer.startsWith(API_KEY_PREFIX);

const ApiKeyRow = Schema.Struct({
  id: Schema.UUID,
  name: Schema.String,
  scopes: Schema.Array(ApiKeyScope),
  createdAt: EpochColumn,
  lastUsedAt: Schema.NullOr(EpochColumn),
});
export type ApiKey = typeof ApiKeyRow.Type;

/** Host API keys: made and revoked on the dashboard, kept as digests, each with its scopes. */
export class ApiKeyRepository extends Effect.Service<ApiKeyRepository>()("rendezvous/ApiKeyRepository", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient;

    /** The host's keys in use, oldest first. */
    const list = (hostId: HostId) =>
      sql`
        SELECT id, name, scopes, created_at, last_used_at FROM api_keys
        WHERE host_id = ${hostId} AND revoked_at IS NULL ORDER BY created_at, id`.pipe(Effect.flatMap(decodeRows(ApiKeyRow)));

    /** Makes a key; the key itself is returned this once and kept only as its digest. */
    const create = (hostId: HostId, name: string, scopes: ReadonlyArray<ApiKeyScope>, now: number) =>
      Effect.gen(function* () {
        const key = `${API_KEY_PREFIX}${newToken()}`;
        const row = yield* sql`
          INSERT INTO api_keys (host_id, name, token_digest, scopes, created_at)
          VALUES (${hostId}, ${name}, ${digestOf(key)}, ${scopes}::text[], ${iso(now)}::timestamptz)
          RETURNING id, name, scopes, created_at, last_used_at`.pipe(Effect.flatMap(decodeFirst(ApiKeyRow)));
        return { apiKey: row!, key };
      });

    /** Revokes one of the host's keys; false when the host has no such key in use. */
    const revoke = (hostId: HostId, id: string, now: number) =>
      sql`
        UPDATE api_keys SET revoked_at = ${iso(now)}::timestamptz
        WHERE host_id = ${hostId} AND id = ${id} AND revoked_at IS NULL RETURNING id`.pipe(Effect.map((rows) => rows.length === 1));

    /**
     * The active host and scopes of a key in use, noting when it was used (at most once a
     * minute, so a busy script does not write on every request).
     */
    const authenticate = (key: string, now: number) =>
      API_KEY.test(key) && TOKEN.test(key.slice(API_KEY_PREFIX.length))
        ? sql`
            WITH found AS (
              SELECT k.id, k.host_id, k.scopes, k.last_used_at FROM api_keys k JOIN hosts h ON h.id = k.host_id
              WHERE k.token_digest = ${digestOf(key)} AND k.revoked_at IS NULL AND h.active
            ), used AS (
              UPDATE api_keys k SET last_used_at = ${iso(now)}::timestamptz FROM found
              WHERE k.id = found.id AND (found.last_used_at IS NULL OR found.last_used_at < ${iso(now - 60_000)}::timestamptz)
            )
            SELECT host_id, scopes FROM found`.pipe(Effect.flatMap(decodeFirst(Schema.Struct({ hostId: HostId, scopes: Schema.Array(ApiKeyScope) }))))
        : Effect.succeed(undefined);

    return { list, create, revoke, authenticate } as const;
  }),
}) {}
