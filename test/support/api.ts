/** A booking over the JSON API, as a script or the storm makes one. */
export interface ApiBooking {
  readonly id: string;
  readonly manageToken: string;
  readonly start: string;
  readonly status: string;
}

export const bookViaApi = (
  baseUrl: string,
  booking: {
    readonly eventTypeId: string;
    readonly start: string;
    readonly name?: string;
    readonly email?: string;
    readonly timeZone?: string;
    readonly answers?: Record<string, string>;
    readonly holdToken?: string;
  },
  headers: Record<string, string> = {},
) =>
  fetch(`${baseUrl}/api/v1/bookings`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({
      eventTypeId: booking.eventTypeId,
      start: booking.start,
      invitee: { name: booking.name ?? "Ada Lovelace", email: booking.email ?? "ada@example.com", timeZone: booking.timeZone ?? "UTC" },
      ...(booking.answers === undefined ? {} : { answers: booking.answers }),
      ...(booking.holdToken === undefined ? {} : { holdToken: booking.holdToken }),
    }),
  });
