import { ApiDocsPage, type DocumentedOperation } from "../../views/ApiDocsPage.tsx";
import { openApiDocument } from "../apiDocument.ts";
import type { Reply, Request } from "../exchange.ts";
import { html, type Web } from "../web.ts";
import { beginPage } from "./pageSupport.ts";

interface Parameter {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
  readonly description?: string;
  readonly schema?: { readonly description?: string };
}
interface Operation {
  readonly operationId: string;
  readonly tags?: ReadonlyArray<string>;
  readonly description?: string;
  readonly security?: ReadonlyArray<unknown>;
  readonly parameters?: ReadonlyArray<Parameter>;
  readonly requestBody?: { readonly content: Record<string, { readonly schema?: unknown; readonly example?: unknown }> };
  readonly responses: Record<string, { readonly description: string; readonly content?: Record<string, { readonly schema?: { readonly $ref?: string } }> }>;
}

const pretty = (value: unknown) => JSON.stringify(value, null, 2);

/** The document's operations in the order it lists them, as the docs page shows them. */
const operationsOf = (paths: Record<string, Record<string, Operation>>): DocumentedOperation[] =>
  Object.entries(paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, o]) => {
      const body = o.requestBody?.content["application/json"];
      return {
        method,
        path,
        operationId: o.operationId,
        tag: o.tags?.[0] ?? "",
        description: o.description ?? "",
        secured: (o.security?.length ?? 0) > 0,
        parameters: (o.parameters ?? []).map((p) => ({ name: p.name, in: p.in, required: p.required === true, description: p.description ?? p.schema?.description ?? "" })),
        requestSchema: body?.schema === undefined ? undefined : pretty(body.schema),
        example: body?.example === undefined ? undefined : pretty(body.example),
        responses: Object.entries(o.responses).map(([status, r]) => {
          const [type, media] = Object.entries(r.content ?? {})[0] ?? [];
          return { status, description: r.description, schema: type === undefined ? "no body" : `${type} ${media?.schema?.$ref?.split("/").at(-1) ?? ""}`.trim() };
        }),
      };
    }),
  );

/** `/api/v1/openapi.json` and `/api/v1/docs`: the API described, built once per server. */
export const apiDocRoutes = (web: Web) => {
  const document = openApiDocument(web.config.publicUrl);
  const body = JSON.stringify(document);
  const operations = operationsOf(document.paths as unknown as Record<string, Record<string, Operation>>);
  const schemas = Object.entries(document.components.schemas).map(([name, schema]) => ({ name, json: pretty(schema) }));

  const openApi = (): Reply => ({ status: 200, headers: [["Content-Type", "application/json"], ["Cache-Control", "public, max-age=300"]], body });

  const docs = (request: Request): Reply => {
    const { page, cookies } = beginPage(web, request);
    return html(200, ApiDocsPage({ page, title: "Rendezvous API", description: document.info.description ?? "", origin: web.config.publicUrl, operations, schemas }) as string, cookies);
  };

  return { openApi, docs };
};
