import { allTimeZones } from "../domain/zone.ts";
import type { ZoneGroup } from "../views/ZonePicker.tsx";

/** ICU still names these zones by their old spellings; people search for the new ones. */
const CURRENT_NAMES: Record<string, string> = {
  "Asia/Calcutta": "Asia/Kolkata",
  "Asia/Katmandu": "Asia/Kathmandu",
  "Asia/Saigon": "Asia/Ho Chi Minh",
  "Asia/Rangoon": "Asia/Yangon",
  "Europe/Kiev": "Europe/Kyiv",
  "America/Godthab": "America/Nuuk",
  "Atlantic/Faeroe": "Atlantic/Faroe",
  "Pacific/Truk": "Pacific/Chuuk",
  "Pacific/Ponape": "Pacific/Pohnpei",
  "Pacific/Enderbury": "Pacific/Kanton",
};

/** Every zone, grouped by region, with its offset now; rebuilt at most hourly (offsets change rarely). */
export const makeZonePicker = () => {
  let zoneGroups: { readonly hour: number; readonly groups: ReadonlyArray<ZoneGroup> } | undefined;
  return (now: number, current: string): ReadonlyArray<ZoneGroup> => {
    const hour = Math.floor(now / 3_600_000);
    if (zoneGroups?.hour !== hour) {
      const byRegion = new Map<string, { zone: string; label: string }[]>();
      for (const zone of [...allTimeZones(), "UTC"]) {
        const offset =
          new Intl.DateTimeFormat("en", { timeZone: zone, timeZoneName: "longOffset" })
            .formatToParts(now)
            .find((p) => p.type === "timeZoneName")?.value ?? "GMT";
        const name = (CURRENT_NAMES[zone] ?? zone).replaceAll("_", " ");
        const slash = name.indexOf("/");
        const region = slash === -1 ? "Other" : name.slice(0, slash);
        const place = slash === -1 ? name : name.slice(slash + 1).replaceAll("/", " / ");
        const list = byRegion.get(region) ?? [];
        list.push({ zone, label: `${place} (${offset === "GMT" ? "GMT+00:00" : offset})` });
        byRegion.set(region, list);
      }
      zoneGroups = {
        hour,
        groups: [...byRegion]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([region, zones]) => ({ region, zones: zones.sort((a, b) => a.label.localeCompare(b.label)) })),
      };
    }
    const known = zoneGroups.groups.some((g) => g.zones.some((z) => z.zone === current));
    return known ? zoneGroups.groups : [{ region: "Current", zones: [{ zone: current, label: current.replaceAll("_", " ") }] }, ...zoneGroups.groups];
  };
};
