import { Layout, type PageContext } from "./Layout.tsx";

/** What the docs page reads of the OpenAPI document (it renders any document of that shape). */
export interface DocumentedOperation {
  readonly method: string;
  readonly path: string;
  readonly operationId: string;
  readonly tag: string;
  readonly description: string;
  readonly secured: boolean;
  readonly parameters: ReadonlyArray<{ readonly name: string; readonly in: string; readonly required: boolean; readonly description: string }>;
  readonly requestSchema: string | undefined;
  readonly example: string | undefined;
  readonly responses: ReadonlyArray<{ readonly status: string; readonly description: string; readonly schema: string }>;
}

/**
 * `/api/v1/docs`: the OpenAPI document as one server-rendered page: every operation with its
 * parameters, body, example and answers. Nothing is fetched from elsewhere, and it reads
 * without JavaScript.
 */
export const ApiDocsPage = (props: {
  readonly page: PageContext;
  readonly title: string;
  readonly description: string;
  readonly origin: string;
  readonly operations: ReadonlyArray<DocumentedOperation>;
  readonly schemas: ReadonlyArray<{ readonly name: string; readonly json: string }>;
}) => (
  <Layout page={props.page} title={props.title}>
    <div class="api-docs">
    <h1 safe>{props.title}</h1>
    <p safe>{props.description}</p>
    <p>
      The machine-readable document: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1). Host operations take{" "}
      <code>Authorization: Bearer rvk_…</code>, a key made on <a href="/host/api-keys">API keys</a>.
    </p>
    <pre class="command">
      <code safe>{`curl -H "Authorization: Bearer $RENDEZVOUS_KEY" ${props.origin}/api/v1/host/event-types`}</code>
    </pre>
    <nav aria-label="Operations">
      <ul>
        {props.operations.map((o) => (
          <li>
            <a href={`#${o.operationId}`}>
              <code safe>{`${o.method.toUpperCase()} ${o.path}`}</code>
            </a>
          </li>
        ))}
      </ul>
    </nav>
    {props.operations.map((o) => (
      <section id={o.operationId} class="card">
        <h2>
          <code safe>{`${o.method.toUpperCase()} ${o.path}`}</code>
        </h2>
        <p class="muted" safe>
          {`${o.tag} · ${o.operationId}${o.secured ? " · needs an API key" : ""}`}
        </p>
        {o.description === "" ? "" : <p safe>{o.description}</p>}
        {o.parameters.length === 0 ? (
          ""
        ) : (
          <table class="hours">
            <thead>
              <tr>
                <th scope="col">Parameter</th>
                <th scope="col">In</th>
                <th scope="col">What</th>
              </tr>
            </thead>
            <tbody>
              {o.parameters.map((p) => (
                <tr>
                  <td>
                    <code safe>{p.name}</code>
                    {p.required ? " (required)" : ""}
                  </td>
                  <td safe>{p.in}</td>
                  <td safe>{p.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {o.requestSchema === undefined ? (
          ""
        ) : (
          <details>
            <summary>Request body (JSON Schema)</summary>
            <pre class="command">
              <code safe>{o.requestSchema}</code>
            </pre>
          </details>
        )}
        {o.example === undefined ? (
          ""
        ) : (
          <>
            <h3>Example</h3>
            <pre class="command">
              <code safe>{o.example}</code>
            </pre>
          </>
        )}
        <h3>Answers</h3>
        <ul>
          {o.responses.map((r) => (
            <li>
              <strong safe>{r.status}</strong> <span safe>{r.description}</span> <code safe>{r.schema}</code>
            </li>
          ))}
        </ul>
      </section>
    ))}
    <h2>Schemas</h2>
    {props.schemas.map((s) => (
      <details id={`schema-${s.name}`}>
        <summary safe>{s.name}</summary>
        <pre class="command">
          <code safe>{s.json}</code>
        </pre>
      </details>
    ))}
    </div>
  </Layout>
);
