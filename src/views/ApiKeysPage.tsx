import { Checkbox, ErrorSummary, FieldError, idOf, TextField, type Errors, type Values } from "./fields.tsx";
import { HostNav, NoticeLine, type HostPageProps } from "./HostSetupPages.tsx";
import { CsrfField, Layout } from "./Layout.tsx";

export interface ApiKeysProps extends HostPageProps {
  readonly keys: ReadonlyArray<{ readonly id: string; readonly name: string; readonly scopes: ReadonlyArray<string>; readonly createdAt: number; readonly lastUsedAt: number | null }>;
  readonly values: Values;
  readonly errors: Errors;
  /** The key just made, shown this once: only its digest is kept. */
  readonly made?: { readonly name: string; readonly key: string } | undefined;
  readonly origin: string;
}

const LABELS: Record<string, string> = { name: "Name", scopes: "What it may do" };
const minute = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** `/host/api-keys`: keys for the host's own scripts, made, listed and revoked here. */
export const ApiKeysPage = (p: ApiKeysProps) => (
  <Layout page={p.page} title={`API keys · ${p.host.name}`} noindex>
    <HostNav page={p.page} current="api-keys" lead={p.lead} host={p.host} />
    <section class="card" aria-labelledby="keys-h">
      <h1 id="keys-h">API keys</h1>
      <NoticeLine notice={p.notice} />
      {p.made === undefined ? (
        ""
      ) : (
        <div class="success" role="status">
          <p safe>{`Your new key “${p.made.name}”. Copy it now: it is shown only this once.`}</p>
          <p>
            <input class="copy-link" readonly value={p.made.key} aria-label="New API key" id="new-api-key" />
          </p>
          <p class="hint">
            Send it as <code>Authorization: Bearer …</code>, for example:
          </p>
          <pre class="command" safe>{`curl -H "Authorization: Bearer ${p.made.key}" ${p.origin}/api/v1/host/webhooks`}</pre>
        </div>
      )}
      <p class="muted">
        A key acts as you in the API at /api/v1: read lets it look, write lets it look and change things. What it can do:{" "}
        <a href="/api/v1/docs">the API's documentation</a>.
      </p>
      {p.keys.length === 0 ? (
        <p>No keys yet.</p>
      ) : (
        <ul class="meetings" aria-label="Your keys">
          {p.keys.map((k) => (
            <li class="meeting" id={`key-${k.id}`}>
              <p>
                <strong safe>{k.name}</strong> <span class="badge" safe>{k.scopes.join(" + ")}</span>
              </p>
              <p class="muted" safe>{`Made ${minute(k.createdAt)} · ${k.lastUsedAt === null ? "never used" : `last used ${minute(k.lastUsedAt)}`}`}</p>
              <form method="post" action={`/host/api-keys/${k.id}/revoke`}>
                <CsrfField page={p.page} />
                <button type="submit" class="danger" aria-label={`Revoke ${k.name}`}>
                  Revoke
                </button>
              </form>
            </li>
          ))}
        </ul>
      )}
      <h2 id="new-key-h">Make a key</h2>
      <form method="post" action="/host/api-keys" aria-labelledby="new-key-h" novalidate>
        <CsrfField page={p.page} />
        <ErrorSummary errors={p.errors} labels={(field) => LABELS[field] ?? field} />
        <TextField name="name" label="Name" values={p.values} errors={p.errors} maxlength={100} required hint="What the key is for, such as “CRM sync”" />
        <fieldset id={idOf("scopes")} tabindex="-1">
          <legend>What it may do</legend>
          <Checkbox name="read" label="Read" values={p.values} />
          <Checkbox name="write" label="Write" values={p.values} />
          <FieldError id={`${idOf("scopes")}-error`} message={p.errors.get("scopes")} />
        </fieldset>
        <button type="submit" class="primary">
          Make a key
        </button>
      </form>
    </section>
  </Layout>
);
