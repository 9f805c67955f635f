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
}) => (
  <div class="zone-bar">
    <form method="get" class="zone-form" id="zone-form">
      {Object.entries(props.keep).map(([name, value]) => (
        <input type="hidden" name={name} value={value} data-keep="true" />
      ))}
      <label for="tz" class="visually-hidden">
        Time zone
      </label>
      <div class="zone-row">
        <select id="tz" name="tz" data-zone={props.zone} data-zone-is-hosts={props.zoneIsHosts ? "true" : "false"}>
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
        <button type="submit" class="zone-apply">
          Show
        </button>
      </div>
    </form>
    <div class="zone-meta">
      <p class="zone-note">
        Times are in <strong safe>{zoneLabel(props.zone)}</strong>
        {props.zoneIsHosts ? " (the host's time zone)" : ""}.
      </p>
      <nav class="clock-switch" aria-label="Clock">
        <a href={props.clockUrls["24h"]} data-clock="24h" aria-current={props.clock === "24h" ? "true" : undefined}>
          24-hour
        </a>
        <a href={props.clockUrls["12h"]} data-clock="12h" aria-current={props.clock === "12h" ? "true" : undefined}>
          12-hour
        </a>
      </nav>
    </div>
  </div>
);
