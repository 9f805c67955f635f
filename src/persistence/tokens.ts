import { createHash, randomBytes } from "node:crypto";

/** 256 random bits: unguessable, and short enough for a URL or a cookie. */
export const newToken = () => randomBytes(32).toString("base64url");
/** What is kept of a token: its SHA-256, so a copy of the database signs nobody in. */
export const digestOf = (token: string) => createHash("sha256").update(token).digest();
export const TOKEN = /^[A-Za-z0-9_-]{43}$/;
