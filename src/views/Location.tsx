import type { EventType } from "../domain/model.ts";
import { translate } from "../i18n/i18n.ts";
import type { Language } from "../i18n/language.ts";

const KIND_WORDS = { in_person: "page.location.in_person", phone: "page.location.phone", video: "page.location.video" } as const;

/** Where a meeting happens: a video link or a phone number one can follow, an address as text. */
export const Location = (p: { readonly eventType: Pick<EventType, "location" | "locationKind">; readonly language: Language }) => {
  const { location, locationKind } = p.eventType;
  if (location === "") return "";
  const href = locationKind === "video" ? location : locationKind === "phone" ? `tel:${location.replace(/[^+0-9]/g, "")}` : undefined;
  return (
    <span class="location">
      <span safe>{locationKind === "none" ? "" : translate(p.language.ui, KIND_WORDS[locationKind])}</span>
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
