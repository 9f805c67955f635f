import { allTimeZones, currentZoneName } from "../domain/zone.ts";
import type { ZoneGroup } from "../views/ZonePicker.tsx";

/** How many instants' pickers are kept (one per hour of the dates people look at). */
const KEPT = 64;

/**
 * Every zone, grouped by region, with its offset at an instant: the date on screen, so a zone
 * reads as it will on the day being booked (Chatham is GMT+12:45 in July, GMT+13:45 in December).
 * Kept per hour of that instant, a few dozen at most.
 */
export const makeZonePicker = () => {
  const built = new Map<number, ReadonlyArray<ZoneGroup>>();
  const formats = new Map<string, Intl.DateTimeFormat>();
  const formatOf = (zone: string) => {
    let format = formats.get(zone);
    if (format === undefined) {
      format = new Intl.DateTimeFormat("en", { timeZone: zone, timeZoneName: "longOffset" });
      formats.set(zone, format);
    }
    return format;
  };
  const build = (at: number): ReadonlyArray<ZoneGroup> => {
    const byRegion = new Map<string, { zone: string; label: string }[]>();
    for (const zone of [...allTimeZones(), "UTC"]) {
      const offset = formatOf(zone).formatToParts(at).find((p) => p.type === "timeZoneName")?.value ?? "GMT";
      const name = currentZoneName(zone).replaceAll("_", " ");
      const slash = name.indexOf("/");
      const region = slash === -1 ? "Other" : name.slice(0, slash);
      const place = slash === -1 ? name : name.slice(slash + 1).replaceAll("/", " / ");
      const list = byRegion.get(region) ?? [];
      list.push({ zone, label: `${place} (${offset === "GMT" ? "GMT+00:00" : offset})` });
      byRegion.set(region, list);
    }
    return [...byRegion]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([region, zones]) => ({ region, zones: zones.sort((a, b) => a.label.localeCompare(b.label)) }));
  };
  return (at: number, current: string): ReadonlyArray<ZoneGroup> => {
    const hour = Math.floor(at / 3_600_000);
    let groups = built.get(hour);
    if (groups === undefined) {
      groups = build(at);
      if (built.size >= KEPT) built.delete(built.keys().next().value!);
      built.set(hour, groups);
    }
    const known = groups.some((g) => g.zones.some((z) => z.zone === current));
    return known ? groups : [{ region: "Current", zones: [{ zone: current, label: currentZoneName(current).replaceAll("_", " ") }] }, ...groups];
  };
};
