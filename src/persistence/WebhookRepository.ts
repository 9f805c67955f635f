import { SqlClient } from "@effect/sql/SqlClient";
import { Effect, Schema } from "effect";
import { HostId, WebhookEvent } from "../domain/model.ts";
import { decodeFirst, decodeRows, EpochColumn } from "./rows.ts";

const WebhookRow = Schema.Struct({
  id: Schema.UUID,
  hostId: HostId,
  url: Schema.String,
  secret: Schema.String,
  events: Schema.Array(WebhookEvent),
  createdAt: EpochColumn,
});
export type Webhook = typeof WebhookRow.Type;

/** A host's webhooks: where booking changes are POSTed, and the secret that signs them. */
export class WebhookRepository extends Effect.Service<WebhookRepository>()("rendezvous/WebhookRepository", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient;

    const list = (hostId: HostId) =>
      sql`SELECT * FROM webhooks WHERE host_id = ${hostId} ORDER BY created_at, id`.pipe(Effect.flatMap(decodeRows(WebhookRow)));

    const find = (hostId: HostId, id: string) =>
      sql`SELECT * FROM webhooks WHERE host_id = ${hostId} AND id = ${id}`.pipe(Effect.flatMap(decodeFirst(WebhookRow)));

    const add = (hostId: HostId, url: string, events: ReadonlyArray<WebhookEvent>, secret: string) =>
      sql`
        INSERT INTO webhooks (host_id, url, secret, events) VALUES (${hostId}, ${url}, ${secret}, ${events}::text[])
        RETURNING *`.pipe(Effect.flatMap(decodeFirst(WebhookRow)), Effect.map((w) => w!));

    /** Deletes one of the host's webhooks (and its undelivered calls); false if there was none. */
    const remove = (hostId: HostId, id: string) =>
      sql`DELETE FROM webhooks WHERE host_id = ${hostId} AND id = ${id} RETURNING id`.pipe(Effect.map((rows) => rows.length === 1));

    return { list, find, add, remove } as const;
  }),
}) {}
