import type { SqlClient } from "@effect/sql/SqlClient";
import { Cause, Effect, Exit, Option, type Request as EffectRequest } from "effect";
import type { HostActors, HostActorsShape } from "../actors/HostActors.ts";
import type { HostSnapshot } from "../actors/HostSnapshot.ts";
import type { HostMessage } from "../actors/protocol.ts";
import type { AppConfig, AppConfigShape } from "../AppConfig.ts";
import { NotFound } from "../domain/errors.ts";
import type { HostId } from "../domain/model.ts";
import type { BookingRepository } from "../persistence/BookingRepository.ts";
import type { HostRepository } from "../persistence/HostRepository.ts";
import type { HostSessionRepository } from "../persistence/HostSessionRepository.ts";
import type { PageContext } from "../views/Layout.tsx";
import type { Assets } from "./assets.ts";
import type { Reply, Request } from "./exchange.ts";
import { isAppError, type AppError } from "./problems.ts";
import { csrfTokenOf, type Visitor } from "./session.ts";

export type WebServices = HostActors | HostRepository | BookingRepository | HostSessionRepository | AppConfig | SqlClient;

/** What route handlers share: configuration, the actors, assets and a way to run Effects. */
export interface Web {
  readonly config: AppConfigShape;
  readonly secret: string;
  readonly actors: HostActorsShape;
  readonly assets: Assets;
  readonly run: <A, E>(effect: Effect.Effect<A, E, WebServices>) => Promise<Exit.Exit<A, E>>;
  readonly now: () => number;
}

export type Handler = (request: Request) => Reply | Promise<Reply>;

export const VARY_HTMX = ["Vary", "HX-Request, HX-Request-Type, Accept-Encoding"] as const;

export const html = (status: number, body: string, headers: ReadonlyArray<readonly [string, string]> = []): Reply => ({
  status,
  headers: [["Content-Type", "text/html; charset=utf-8"], ["Cache-Control", "no-store"], VARY_HTMX, ...headers],
  body,
});

export const json = (status: number, value: unknown, headers: ReadonlyArray<readonly [string, string]> = []): Reply => ({
  status,
  headers: [["Content-Type", "application/json"], ["Cache-Control", "no-store"], ...headers],
  body: JSON.stringify(value),
});

export const redirect = (location: string, headers: ReadonlyArray<readonly [string, string]> = []): Reply => ({
  status: 303,
  headers: [["Location", location], ["Cache-Control", "no-store"], ...headers],
  body: "",
});

/** The partial (fragment) view is for htmx requests that target part of a page. */
export const wantsPartial = (request: Request) => request.headers.get("hx-request-type") === "partial";

export const pageContext = (web: Web, visitor: Visitor): PageContext => ({
  assets: web.assets.urls,
  csrf: csrfTokenOf(web.secret, visitor.id),
});

export const cookieHeaders = (visitor: Visitor): [string, string][] =>
  visitor.setCookie === undefined ? [] : [["Set-Cookie", visitor.setCookie]];

/** A typed failure of an Effect run on behalf of a request; defects become a thrown error (500). */
export const failureOf = <E>(exit: Exit.Failure<unknown, E>): E => {
  const failure = Cause.failureOption(exit.cause);
  if (Option.isSome(failure)) return failure.value;
  throw Cause.squash(exit.cause);
};

/** The value, or the typed failure the pages and the API answer with; anything else is thrown (500). */
const valueOrError = <A, E>(exit: Exit.Exit<A, E>): A | AppError => {
  if (Exit.isSuccess(exit)) return exit.value;
  const error = failureOf(exit);
  if (isAppError(error)) return error;
  throw error;
};

export const runOrFail = async <A, E>(web: Web, effect: Effect.Effect<A, E, WebServices>): Promise<A | AppError> =>
  valueOrError(await web.run(effect));

/**
 * A command for a host's actor. When the actor is running this costs no fiber of its own (the
 * booking hot path); otherwise the actor is started through `ask`.
 */
export const askHost = <M extends HostMessage>(web: Web, hostId: HostId, message: M): Promise<EffectRequest.Request.Success<M> | AppError> =>
  new Promise((resolve, reject) => {
    const settle = (exit: Exit.Exit<unknown, unknown>) => {
      try {
        resolve(valueOrError(exit as Exit.Exit<EffectRequest.Request.Success<M>, unknown>));
      } catch (error) {
        reject(error);
      }
    };
    if (!web.actors.tryAsk(hostId, message, web.now(), settle)) runOrFail(web, web.actors.ask(hostId, message)).then(resolve, reject);
  });

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/**
 * The host's latest snapshot by slug: at once from memory when its actor runs (the read path
 * then never leaves the uWS handler), else started from Postgres.
 */
export const snapshotBySlug = (web: Web, slug: string): HostSnapshot | AppError | Promise<HostSnapshot | AppError> => {
  if (!SLUG.test(slug)) return new NotFound({ what: "host" });
  const known = web.actors.peekSlug(slug);
  const running = known === undefined ? undefined : web.actors.peek(known);
  if (running !== undefined) return running;
  return runOrFail(web, Effect.flatMap(web.actors.hostIdOfSlug(slug), web.actors.snapshot));
};

export const isSlug = (s: string) => SLUG.test(s);
