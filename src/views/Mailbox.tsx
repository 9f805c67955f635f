import { Layout, type PageContext } from "./Layout.tsx";

export interface MailboxEntry {
  readonly id: number;
  readonly recipient: string;
  readonly subject: string;
  readonly receivedAt: number;
}

export interface MailboxMessageView extends MailboxEntry {
  readonly messageId: string;
  readonly textBody: string;
  readonly calendar: string | null;
}

const stamp = (ms: number) => new Date(ms).toISOString().replace("T", " ").replace(/\.\d{3}Z$/, " UTC");

const Note = () => (
  <p class="muted">
    No <code>SMTP_URL</code> is set, so Rendezvous keeps every mail here instead of sending it. Only this machine can open
    this page.
  </p>
);

/** `/mailbox`: every mail kept while no SMTP server is configured, newest first. */
export const MailboxPage = (p: { readonly page: PageContext; readonly messages: ReadonlyArray<MailboxEntry> }) => (
  <Layout page={p.page} title="Mailbox · Rendezvous" noindex>
    <section class="card" aria-labelledby="mailbox-h">
      <h1 id="mailbox-h">Local mailbox</h1>
      <Note />
      {p.messages.length === 0 ? <p>No mail yet.</p> : ""}
      <ul class="meetings">
        {p.messages.map((m) => (
          <li class="meeting">
            <p>
              <a href={`/mailbox/${m.id}`} safe>
                {m.subject}
              </a>
            </p>
            <p class="muted" safe>{`To ${m.recipient} · ${stamp(m.receivedAt)}`}</p>
          </li>
        ))}
      </ul>
    </section>
  </Layout>
);

/** One kept mail: its text, and links to its HTML, its invitation and the raw message. */
export const MailboxMessagePage = (p: { readonly page: PageContext; readonly message: MailboxMessageView }) => (
  <Layout page={p.page} title={`${p.message.subject} · Mailbox`} noindex>
    <section class="card" aria-labelledby="message-h">
      <p>
        <a href="/mailbox">All mail</a>
      </p>
      <h1 id="message-h" safe>
        {p.message.subject}
      </h1>
      <p class="muted" safe>{`To ${p.message.recipient} · ${stamp(p.message.receivedAt)} · Message-ID ${p.message.messageId}`}</p>
      <ul>
        <li>
          <a href={`/mailbox/${p.message.id}/html`}>HTML version</a>
        </li>
        {p.message.calendar === null ? (
          ""
        ) : (
          <li>
            <a href={`/mailbox/${p.message.id}/invite.ics`}>Calendar invitation (invite.ics)</a>
          </li>
        )}
        <li>
          <a href={`/mailbox/${p.message.id}/message.eml`}>Raw message (.eml)</a>
        </li>
      </ul>
      <pre class="mail-text" safe>
        {p.message.textBody}
      </pre>
    </section>
  </Layout>
);
