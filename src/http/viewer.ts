import { canonicalTimeZone } from "../domain/zone.ts";
import type { Viewer } from "../views/EventPage.tsx";
import type { Clock } from "../views/format.ts";
import { languageOf, type Language } from "../i18n/language.ts";
import type { Request } from "./exchange.ts";
import { chosenLanguageIn } from "./session.ts";

/** Who is looking at a page: their clock (12 or 24 hours), week start and time zone. */

const firstLanguage = (request: Request) =>
  (request.headers.get("accept-language") ?? "en-GB").split(",")[0]!.split(";")[0]!.trim() || "en-GB";

/** Regions whose calendars start the week on Sunday; elsewhere, Monday. */
const SUNDAY_FIRST = new Set(["US", "CA", "JP", "IL", "BR", "MX", "PH", "KR", "TW", "HK", "IN", "ZA", "AU", "SA", "AR", "CO", "PE"]);

export const weekStartOf = (request: Request): 0 | 1 => {
  const region = /^[a-z]{2,3}-([A-Z]{2})/i.exec(firstLanguage(request))?.[1]?.toUpperCase();
  return region !== undefined && SUNDAY_FIRST.has(region) ? 0 : 1;
};

/** The page language: chosen on the page (`lang`, then its cookie), else the browser's. */
export const languageOfRequest = (request: Request): Language =>
  languageOf(request.query.get("lang") ?? chosenLanguageIn(request.headers.get("cookie")), request.headers.get("accept-language"));

/** Reads the viewer of a request; the hour cycle of each language is looked up once per server. */
export const makeViewerReader = () => {
  const hourCycles = new Map<string, Clock>();

  /** 12- or 24-hour clock: the visitor's choice, else what their language writes. */
  const clockOf = (request: Request): Clock => {
    const asked = request.query.get("clock");
    if (asked === "12h" || asked === "24h") return asked;
    const language = firstLanguage(request);
    let clock = hourCycles.get(language);
    if (clock === undefined) {
      try {
        const cycle = new Intl.DateTimeFormat(language, { hour: "numeric" }).resolvedOptions().hourCycle;
        clock = cycle === "h11" || cycle === "h12" ? "12h" : "24h";
      } catch {
        clock = "24h";
      }
      if (hourCycles.size < 1_000) hourCycles.set(language, clock);
    }
    return clock;
  };

  /** The zone to show: asked for in the URL, else the browser's (its cookie), else the host's. */
  const viewerOf = (request: Request, browserZone: string | undefined, hostZone: string): { viewer: Viewer; notice?: string } => {
    const clock = clockOf(request);
    const language = languageOfRequest(request);
    const asked = request.query.get("tz");
    if (asked !== null && asked !== "") {
      const zone = canonicalTimeZone(asked);
      if (zone !== undefined) return { viewer: { zone, zoneIsHosts: false, clock, language } };
      return {
        viewer: { zone: hostZone, zoneIsHosts: true, clock, language },
        notice: `"${asked.slice(0, 64)}" is not a time zone we know, so times are shown in the host's time zone.`,
      };
    }
    const browser = browserZone === undefined ? undefined : canonicalTimeZone(browserZone);
    if (browser !== undefined) return { viewer: { zone: browser, zoneIsHosts: false, clock, language } };
    return { viewer: { zone: hostZone, zoneIsHosts: true, clock, language } };
  };

  /** The viewer a form was posted from: the zone it was showing (else `fallbackZone`), the request's clock. */
  const postedViewer = (request: Request, fields: Record<string, unknown>, fallbackZone: string): Viewer => ({
    zone: canonicalTimeZone(String(fields["tz"] ?? "")) ?? fallbackZone,
    zoneIsHosts: false,
    clock: clockOf(request),
    language: languageOfRequest(request),
  });

  return { clockOf, viewerOf, postedViewer, languageOf: languageOfRequest };
};
