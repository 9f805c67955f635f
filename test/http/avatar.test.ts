import { describe, expect, it } from "vitest";
import { useTestApp } from "../support/app.ts";
import { inputValue, PageClient } from "../support/client.ts";
import { createHost } from "../support/fixtures.ts";
import { signedInAs } from "../support/host.ts";

const app = useTestApp();

/** A 1×1 PNG. */
const PNG = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000" + "1f15c4890000000d49444154789c6360f80f0000010100001a0a2db40000000049454e44ae426082", "hex");

const upload = async (browser: PageClient, bytes: Buffer, name = "me.png", csrf?: string) => {
  const page = await browser.get("/host/account");
  const form = new FormData();
  form.set("_csrf", csrf ?? inputValue(page.body, "_csrf")!);
  form.set("avatar", new Blob([new Uint8Array(bytes)]), name);
  const res = await fetch(`${app.url}/host/account/avatar`, { method: "POST", body: form, headers: { cookie: browser.cookieHeader, origin: app.url }, redirect: "manual" });
  return { status: res.status, body: await res.text() };
};

describe("a host's picture", () => {
  it("is an uploaded PNG, JPEG or WebP of at most 48 KB, checked by its bytes, else their initials", async () => {
    const host = await app.runtime.runPromise(createHost());
    const browser = await signedInAs(app, host.hostId);
    const url = `${app.url}/host/avatars/${host.hostSlug}`;

    const initials = await fetch(url);
    expect(initials.headers.get("content-type")).toBe("image/svg+xml");
    expect(await initials.text()).toContain(">HH</text>");

    const notAnImage = await upload(browser, Buffer.from("<svg onload=alert(1)>"), "evil.png");
    expect(notAnImage.status).toBe(422);
    expect(notAnImage.body).toContain("The picture must be a PNG, JPEG or WebP image");
    const tooLarge = await upload(browser, Buffer.concat([PNG, Buffer.alloc(50 * 1024)]));
    expect(tooLarge.status).toBe(422);
    expect(tooLarge.body).toContain("The picture must be at most 48 KB");
    expect((await upload(browser, PNG, "me.png", "forged")).status).toBe(403);
    expect((await upload(new PageClient(app.url), PNG)).status).toBe(401);

    expect((await upload(browser, PNG)).status).toBe(303);
    const picture = await fetch(url);
    expect(picture.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await picture.arrayBuffer()).equals(PNG)).toBe(true);
    expect(picture.headers.get("cache-control")).toBe("public, max-age=300");
    expect((await new PageClient(app.url).get(`/${host.hostSlug}`)).body).toContain(`<img class="avatar" src="/host/avatars/${host.hostSlug}"`);

    const account = await browser.get("/host/account");
    expect((await browser.postForm("/host/account/avatar/delete", { _csrf: inputValue(account.body, "_csrf")! })).status).toBe(303);
    expect((await fetch(url)).headers.get("content-type")).toBe("image/svg+xml");
    expect((await fetch(`${app.url}/host/avatars/nobody-here`)).status).toBe(404);
  });
});
