import { Effect, Schema } from "effect";
import { InvalidInput, NotFound } from "../domain/errors.ts";
import type { HostId } from "../domain/model.ts";
import { ApiKeyRepository, API_KEY_SCOPES, type ApiKey, type ApiKeyScope } from "../persistence/ApiKeyRepository.ts";
import { isBookingError, type BookingError } from "./errors.ts";

type Answer<A> = A | BookingError;

/** Enough for every script a host runs, few enough to review on one page. */
export const MAX_API_KEYS = 20;

interface ApiKeyDeps {
  readonly run: <A, E>(effect: Effect.Effect<A, E, ApiKeyRepository>) => Promise<Answer<A>>;
  readonly now: () => number;
}

/** What is wrong with a new key's name and scopes, every field at once. */
export const apiKeyProblems = (name: string, scopes: ReadonlyArray<string>): ReadonlyArray<InvalidInput> => [
  ...(name.trim().length < 1 || name.length > 100 || name.includes("\u0000") || !name.isWellFormed()
    ? [new InvalidInput({ field: "name", message: "Name must be 1 to 100 characters of text" })]
    : []),
  ...(scopes.length === 0 || scopes.some((s) => !(API_KEY_SCOPES as ReadonlyArray<string>).includes(s))
    ? [new InvalidInput({ field: "scopes", message: "Choose read, write or both" })]
    : []),
];

/** The host's API keys: listed, made (the key shown once) and revoked, on the dashboard. */
export const makeApiKeys = (deps: ApiKeyDeps) => {
  const keys = <A, E>(f: (repo: ApiKeyRepository) => Effect.Effect<A, E>) => deps.run(Effect.flatMap(ApiKeyRepository, f));

  const apiKeys = (hostId: HostId) => keys((r) => r.list(hostId));

  const createApiKey = async (hostId: HostId, name: string, scopes: ReadonlyArray<string>): Promise<Answer<{ readonly apiKey: ApiKey; readonly key: string }>> => {
    const problem = apiKeyProblems(name, scopes)[0];
    if (problem !== undefined) return problem;
    const existing = await apiKeys(hostId);
    if (isBookingError(existing)) return existing;
    if (existing.length >= MAX_API_KEYS) return new InvalidInput({ field: "name", message: `You have ${MAX_API_KEYS} keys; revoke one you no longer use first` });
    const granted = API_KEY_SCOPES.filter((s): s is ApiKeyScope => scopes.includes(s));
    return keys((r) => r.create(hostId, name.trim(), granted, deps.now()));
  };

  /** Revokes one of the host's keys at once; another host's (or no) key is a 404. */
  const revokeApiKey = async (hostId: HostId, id: string): Promise<Answer<void>> => {
    if (!Schema.is(Schema.UUID)(id)) return new NotFound({ what: "page" });
    const revoked = await keys((r) => r.revoke(hostId, id, deps.now()));
    return revoked === true ? undefined : isBookingError(revoked) ? revoked : new NotFound({ what: "page" });
  };

  return { apiKeys, createApiKey, revokeApiKey };
};
