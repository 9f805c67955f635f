import { createHash } from "node:crypto";
import { escapeHtml } from "@kitajs/html";

/**
 * On a first visit the server knows no zone but the host's. This runs before the times are
 * parsed: when the browser's zone differs, it hides them until the page script has fetched
 * them in the browser's zone (one request, no reload, no flash of the host's times). Written
 * without characters HTML escapes, so it reads the same escaped; allowed by its CSP hash.
 */
const SCRIPT =
  "(function () { var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;" +
  " if (zone) if (zone !== document.currentScript.dataset.hostsZone) document.documentElement.classList.add(`zone-pending`); })();";

if (escapeHtml(SCRIPT) !== SCRIPT) throw new Error("the zone guess script must not contain characters HTML escapes");

/** For the page's Content-Security-Policy: this inline script, and no other. */
export const ZONE_GUESS_SOURCE = `'sha256-${createHash("sha256").update(SCRIPT).digest("base64")}'`;

export const ZoneGuess = (props: { readonly hostsZone: string }) => (
  <script data-hosts-zone={props.hostsZone} safe>
    {SCRIPT}
  </script>
);
