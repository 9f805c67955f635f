import { wordsOf, type Language } from "../i18n/language.ts";
import type { Clock } from "./format.ts";
import { zoneLabel } from "./format.ts";

export interface ZoneOption {
  readonly zone: string;
  /** "New York (GMT-05:00)". */
  readonly label: string;
}

export interface ZoneGroup {
  readonly region: string;
  readonly zones: ReadonlyArray<ZoneOption>;
}

/**
 * Which zone times are shown in, and a way to change it: a plain GET form (it works without
 * JavaScript), grouped by region with each zone's current offset. The page script adds a
 * search box that filters the list.
 */
export const ZonePicker = (props: {
  readonly zone: string;
  readonly zoneIsHosts: boolean;
  readonly groups: ReadonlyArray<ZoneGroup>;
  /** Query parameters to keep when the zone changes (month, date, clock). */
  readonly keep: Readonly<Record<string, string>>;
  readonly clock: Clock;
  readonly clockUrls: { readonly "12h": string; readonly "24h": string };
  readonly language: Language;
}) => {
  const t = wordsOf(props.language);
  const [before, after = ""] = t(props.zoneIsHosts ? "page.zone.hostsNote" : "page.zone.note").split("{zone}", 2) as [string, string?];
  return (
  <div class="zone-bar">
    <form method="get" class="zone-form" id="zone-form">
      {Object.entries(props.keep).map(([name, value]) => (
        <input type="hidden" name={name} value={value} data-keep="true" />
      ))}
      <label for="tz" class="visually-hidden" safe>
        {t("page.zone.label")}
      </label>
      <div class="zone-row">
        <select id="tz" name="tz" data-search={t("page.zone.search")} data-zone={props.zone} data-zone-is-hosts={props.zoneIsHosts ? "true" : "false"}>
          {props.groups.map((g) => (
            <optgroup label={g.region}>
              {g.zones.map((z) => (
                <option value={z.zone} selected={z.zone === props.zone} safe>
                  {z.label}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
        <button type="submit" class="zone-apply" safe>
          {t("page.zone.show")}
        </button>
      </div>
    </form>
    <div class="zone-meta">
      <p class="zone-note">
        <span safe>{before}</span>
        <strong safe>{zoneLabel(props.zone)}</strong>
        <span safe>{after}</span>
      </p>
      <nav class="clock-switch" aria-label={t("page.clock")}>
        <a href={props.clockUrls["24h"]} data-clock="24h" aria-current={props.clock === "24h" ? "true" : undefined} safe>
          {t("page.clock.24h")}
        </a>
        <a href={props.clockUrls["12h"]} data-clock="12h" aria-current={props.clock === "12h" ? "true" : undefined} safe>
          {t("page.clock.12h")}
        </a>
      </nav>
    </div>
  </div>
  );
};
