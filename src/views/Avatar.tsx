import type { Host } from "../domain/model.ts";

/** Up to two initials of a name. */
export const initialsOf = (name: string) =>
  name
    .split(/\s+/)
    .filter((w) => w !== "")
    .slice(0, 2)
    .map((w) => [...w][0]!.toUpperCase())
    .join("");

/** One of twelve hues per host, from their id: the same on every page. */
export const hueOf = (hostId: string) => Math.floor((Number.parseInt(hostId.slice(0, 6), 16) % 360) / 30) * 30;

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The host's initials on their colour, as a picture (what `/host/avatars/:slug` serves without an upload). */
export const initialsSvg = (name: string, hostId: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">` +
  `<rect width="96" height="96" rx="48" fill="hsl(${hueOf(hostId)} 55% 30%)"/>` +
  `<text x="48" y="48" dy=".35em" text-anchor="middle" font-family="system-ui,sans-serif" font-size="38" font-weight="700" fill="#fff">${escapeXml(initialsOf(name))}</text></svg>`;

/** The host's picture: their upload, or their initials (both served from one address). */
export const Avatar = (p: { readonly host: Host }) => (
  <img class="avatar" src={`/host/avatars/${p.host.slug}`} alt="" width="56" height="56" />
);
