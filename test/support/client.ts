/** A cookie-keeping HTTP client for page flows, as a browser without JavaScript would behave. */
export class PageClient {
  private readonly cookies = new Map<string, string>();

  constructor(readonly base: string) {}

  private remember(response: Response) {
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(";");
      const eq = pair!.indexOf("=");
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  }

  /** The `Cookie` header this browser sends (for a WebSocket it opens, say). */
  get cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  private headers(extra: Record<string, string> = {}) {
    const cookie = this.cookieHeader;
    return { ...(cookie === "" ? {} : { cookie }), ...extra };
  }

  async get(path: string, headers: Record<string, string> = {}) {
    const response = await fetch(this.base + path, { headers: this.headers(headers), redirect: "manual" });
    this.remember(response);
    return { status: response.status, headers: response.headers, body: await response.text() };
  }

  async postForm(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    const response = await fetch(this.base + path, {
      method: "POST",
      headers: this.headers({ "content-type": "application/x-www-form-urlencoded", origin: this.base, ...headers }),
      body: new URLSearchParams(fields).toString(),
      redirect: "manual",
    });
    this.remember(response);
    return { status: response.status, headers: response.headers, body: await response.text() };
  }
}

/** The value of the first `<input name=…>` in some HTML. */
export const inputValue = (html: string, name: string) => {
  const match = new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`).exec(html);
  return match?.[1]?.replaceAll("&#34;", '"').replaceAll("&amp;", "&");
};

/** Every slot start offered as a button on a page. */
export const offeredStarts = (html: string) => [...html.matchAll(/name="start" value="([^"]+)"/g)].map((m) => m[1]!);

/** What a booking form posts: its own hidden fields as the page rendered them, then the invitee's. */
export const bookingFormFields = (formHtml: string, invitee: Record<string, string>): Record<string, string> => ({
  _csrf: inputValue(formHtml, "_csrf")!,
  start: inputValue(formHtml, "start")!,
  tz: inputValue(formHtml, "tz")!,
  hold: inputValue(formHtml, "hold")!,
  idempotencyKey: inputValue(formHtml, "idempotencyKey")!,
  ...invitee,
});
