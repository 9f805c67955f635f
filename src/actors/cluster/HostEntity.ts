import { Entity } from "@effect/cluster";
import { Rpc } from "@effect/rpc";
import { Schema } from "effect";
import { NotFound } from "../../domain/errors.ts";
import * as Protocol from "../protocol.ts";

/**
 * One host message as a cluster RPC: the protocol's own Schemas, and the two failures the
 * pool adds to every message (the host is gone; the database or the actor stopped).
 * Volatile, as every RPC is unless annotated: a booking is persisted by its actor, and a
 * cluster-persisted message would cost a write of its own.
 */
const rpcOf = <Self, Tag extends string, Payload extends Schema.Struct.Fields, Success extends Schema.Schema.Any, Failure extends Schema.Schema.All>(
  request: Schema.TaggedRequestClass<Self, Tag, Payload, Success, Failure>,
) => Rpc.make(request._tag, { payload: request, success: request.success, error: Schema.Union(request.failure, NotFound, Protocol.StorageUnavailable) });

/** A host's calendar as a sharded entity: its id is the host's, its owner runs the host's actor. */
export const HostEntity = Entity.make("Host", [
  rpcOf(Protocol.Hold),
  rpcOf(Protocol.Release),
  rpcOf(Protocol.Renew),
  rpcOf(Protocol.Book),
  rpcOf(Protocol.Cancel),
  rpcOf(Protocol.Reschedule),
  rpcOf(Protocol.Accept),
  rpcOf(Protocol.Decline),
  rpcOf(Protocol.ReplaceWeeklyRules),
  rpcOf(Protocol.SetDateOverride),
  rpcOf(Protocol.SaveEventType),
  rpcOf(Protocol.SaveProfile),
  rpcOf(Protocol.SetHostActive),
  rpcOf(Protocol.DeleteEventType),
  rpcOf(Protocol.SaveSchedule),
  rpcOf(Protocol.DeleteSchedule),
]);
