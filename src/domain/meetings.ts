import type { Booking, EventTypeId } from "./model.ts";

/** The host's lists of meetings: still to come, over, or called off. */
export type MeetingView = "upcoming" | "pending" | "past" | "cancelled";

/** One change in a booking's audit trail. */
export interface HistoryEntry {
  readonly type: "created" | "cancelled" | "rescheduled" | "accepted" | "declined";
  readonly actor: "invitee" | "host" | "system";
  readonly at: number;
}

/** A booking as its host reviews it: with their own note, whether the invitee came, and its history. */
export interface Meeting {
  readonly booking: Booking;
  readonly note: string;
  readonly noShow: boolean;
  readonly history: ReadonlyArray<HistoryEntry>;
}

/** What the host's meeting list shows. */
export interface MeetingQuery {
  readonly view: MeetingView;
  readonly eventTypeId: EventTypeId | null;
  /** Meetings starting at or after, and before, these instants. */
  readonly from: number | null;
  readonly to: number | null;
  /** Part of the invitee's name or email, any letter case; empty for all. */
  readonly search: string;
}
