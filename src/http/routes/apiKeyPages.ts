import { apiKeyProblems } from "../../booking/ApiKeys.ts";
import { ApiKeysPage } from "../../views/ApiKeysPage.tsx";
import type { Notice } from "../../views/HostSetupPages.tsx";
import { isReply, type Reply, type Request } from "../exchange.ts";
import { valuesOf, type FormValues } from "../hostForms.ts";
import { isAppError } from "../problems.ts";
import { html, redirect, type Web } from "../web.ts";
import { errorPage, PRIVATE } from "./pageSupport.ts";
import { hostGet, hostPost, type SignedIn } from "./hostSupport.ts";

const NO_ERRORS: ReadonlyMap<string, string> = new Map();

/** `/host/api-keys`: the host makes keys for their scripts (each shown once) and revokes them. */
export const apiKeyPages = (web: Web) => {
  const context = web.booking;

  const keysPage = async (host: SignedIn, form: { values: FormValues; errors: ReadonlyMap<string, string> }, status = 200, made?: { name: string; key: string }, notice?: Notice) => {
    const keys = await context.apiKeys(host.hostId);
    if (isAppError(keys)) return errorPage(host.view.page, keys, PRIVATE);
    // PRIVATE: a page that shows a new key is never stored by a cache.
    return html(status, ApiKeysPage({ ...host.view, ...form, keys, made, notice, origin: web.config.publicUrl }) as string, [...host.cookies, ...PRIVATE]);
  };

  const list = async (request: Request): Promise<Reply> => {
    const host = await hostGet(web, request);
    if (isReply(host)) return host;
    return keysPage(host, { values: {}, errors: NO_ERRORS }, 200, undefined, request.query.has("revoked") ? { text: "That key is revoked: it no longer works.", error: false } : undefined);
  };

  const create = async (request: Request): Promise<Reply> => {
    const host = await hostPost(web, request);
    if (isReply(host)) return host;
    const values = valuesOf(host.fields);
    const name = values["name"] ?? "";
    const scopes = (["read", "write"] as const).filter((s) => values[s] === "on");
    const problems = apiKeyProblems(name, scopes);
    if (problems.length > 0) return keysPage(host, { values, errors: new Map(problems.map((p) => [p.field, p.message])) }, 422);
    const made = await context.createApiKey(host.hostId, name, scopes);
    if (isAppError(made)) {
      return made._tag === "InvalidInput" ? keysPage(host, { values, errors: new Map([[made.field, made.message]]) }, 422) : errorPage(host.view.page, made, PRIVATE);
    }
    return keysPage(host, { values: {}, errors: NO_ERRORS }, 201, { name: made.apiKey.name, key: made.key });
  };

  const revoke = async (request: Request): Promise<Reply> => {
    const host = await hostPost(web, request);
    if (isReply(host)) return host;
    const revoked = await context.revokeApiKey(host.hostId, request.params[0]!);
    if (isAppError(revoked)) return errorPage(host.view.page, revoked, host.cookies);
    return redirect("/host/api-keys?revoked=1", host.cookies);
  };

  return { list, create, revoke };
};
