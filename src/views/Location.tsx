import type { EventType } from "../domain/model.ts";

const KIND_WORDS: Record<EventType["locationKind"], string> = { none: "", in_person: "In person: ", phone: "By phone: ", video: "Video call: " };

/** Where a meeting happens: a video link or a phone number one can follow, an address as text. */
export const Location = (p: { readonly eventType: Pick<EventType, "location" | "locationKind"> }) => {
  const { location, locationKind } = p.eventType;
  if (location === "") return "";
  const href = locationKind === "video" ? location : locationKind === "phone" ? `tel:${location.replace(/[^+0-9]/g, "")}` : undefined;
  return (
    <span class="location">
      <span safe>{KIND_WORDS[locationKind]}</span>
      {href === undefined ? (
        <span safe>{location}</span>
      ) : (
        <a href={href} rel="noopener noreferrer" safe>
          {location}
        </a>
      )}
    </span>
  );
};
