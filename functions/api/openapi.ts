import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as z from "zod";
import { routeSchemas } from "./http.ts";
import { apiRoutes } from "./routes.ts";
// Every handler module, imported for the schemas its route registers.
import "./assess-application.ts";
import "./audit-as-of.ts";
import "./audit-explain.ts";
import "./get-application.ts";
import "./get-application-form.ts";
import "./list-application-mail.ts";
import "./list-intake-failures.ts";
import "./get-budget.ts";
import "./get-round-agenda.ts";
import "./issue-award-letter.ts";
import "./lapse-award.ts";
import "./list-applications.ts";
import "./list-decision-deadlines.ts";
import "./list-schemes.ts";
import "./open-scheme.ts";
import "./receive-sections.ts";
import "./record-completeness.ts";
import "./record-decision.ts";
import "./record-details.ts";
import "./register-application.ts";
import "./release-budget-tranche.ts";
import "./report-project-start.ts";
import "./request-vso-supplement.ts";
import "./withdraw-application.ts";
import "./grants/approve-payment.ts";
import "./grants/get-grant.ts";
import "./grants/list-payouts.ts";
import "./grants/record-payment.ts";
import "./grants/record-recovery.ts";
import "./grants/register-invoice.ts";
import "./grants/review-final-report.ts";
import "./grants/settle-grant.ts";
import "./grants/submit-final-report.ts";
import "./evaluation/classify-hub.ts";
import "./evaluation/get-evaluation-overview.ts";
import "./evaluation/get-hub-evaluation.ts";
import "./evaluation/list-hubs.ts";
import "./evaluation/record-finding.ts";
import "./evaluation/record-ozone-module.ts";
import "./evaluation/record-session-attendance.ts";
import "./evaluation/submit-self-evaluation.ts";
import "./grants/submit-change-request.ts";
import "./grants/decide-change-request.ts";
import "./board-budget/correct-tranche-release.ts";
import "./board-budget/lower-budget-line.ts";
import "./board-budget/transfer-budget.ts";
import "./letters/list-application-letters.ts";
import "./letters/list-undelivered-letters.ts";
import "./letters/resend-letter.ts";
import "./letters/get-letter-pdf.ts";
import "./data-protection/request-erasure.ts";
// Issue 12's routes: without these imports their bodies reached the document only when another request had loaded them.
import "./contacts/add-contact.ts";
import "./contacts/remove-contact.ts";
import "./correspondence/attach-correspondence.ts";
import "./correspondence/answer-correspondence.ts";
import "./correspondence/dismiss-correspondence.ts";
import "./correspondence/list-correspondence.ts";

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });

const problem = { $ref: "#/components/schemas/Problem" };
/** Routes that answer a file, not JSON. */
const pdfRoutes = new Set(["GetApplicationForm", "GetLetterPdf"]);

function parameters(schema: z.ZodType | undefined, where: "path" | "query") {
  if (!schema) return [];
  const json = jsonSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({ name, in: where, required: where === "path" || (json.required ?? []).includes(name), schema: property }));
}

/** OpenAPI 3.1, generated from the route table and the zod schemas the handlers validate with. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of apiRoutes) {
    const schemas = routeSchemas.get(route.id) ?? {};
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      operationId: route.id,
      summary: `${route.id} (roles: ${route.roles.join(", ")})`,
      security: [{ bearer: [] }],
      parameters: [
        ...parameters(schemas.path, "path"),
        ...parameters(schemas.query, "query"),
        ...(route.writes ? [{ name: "Idempotency-Key", in: "header", required: false, schema: { type: "string", maxLength: 200 } }, { name: "If-Match", in: "header", required: false, schema: { type: "string" } }] : []),
      ],
      ...(schemas.body ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(schemas.body) } } } } : {}),
      responses: {
        [route.writes ? (route.method === "POST" && !route.path.includes("{applicationId}") ? "201" : "200") : "200"]: pdfRoutes.has(route.id)
          ? { description: "The PDF", content: { "application/pdf": { schema: { type: "string", format: "binary" } } } }
          : { description: "OK" },
        ...(route.id === "GetLetterPdf" ? { "409": { description: "The letter no longer renders to the PDF that was sent (its hash differs)", content: { "application/problem+json": { schema: problem } } } } : {}),
        "400": { description: "Invalid input, with the path of each bad field", content: { "application/problem+json": { schema: problem } } },
        "401": { description: "No valid token" },
        "403": { description: "The caller's role may not do this", content: { "application/problem+json": { schema: problem } } },
        "404": { description: "Not found", content: { "application/problem+json": { schema: problem } } },
        ...(route.writes
          ? {
              "409": { description: "Conflict: changed since read, already done, or budget exhausted", content: { "application/problem+json": { schema: problem } } },
              "422": { description: "Refused by a rule, with the reason and rule ids", content: { "application/problem+json": { schema: problem } } },
            }
          : {}),
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Subsidy back office: staff API", version: "1" },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      schemas: {
        Problem: {
          type: "object",
          properties: { type: { type: "string" }, title: { type: "string" }, status: { type: "integer" }, detail: { type: "string" }, correlationId: { type: "string" }, errors: { type: "array" }, ruleIds: { type: "array", items: { type: "string" } } },
        },
      },
    },
    paths,
  };
}

/** Where the document is kept: GetOpenApi serves this file, so its Lambda imports no route module (issue 15: small bundles). */
export const openApiPath = fileURLToPath(new URL("./openapi.json", import.meta.url));

/** The document as the committed file holds it (a test checks the file is exactly this). */
export const openApiText = (): string => `${JSON.stringify(openApiDocument(), null, 2)}\n`;

// npm run openapi: writes the document; with --check, exits 1 when the committed file differs.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = openApiText();
  if (process.argv.includes("--check")) {
    const same = readFileSync(openApiPath, "utf8") === text;
    console.log(same ? `${openApiPath} matches the route table and schemas` : `${openApiPath} differs: run npm run openapi and commit it`);
    process.exit(same ? 0 : 1);
  }
  writeFileSync(openApiPath, text);
  console.log(`wrote ${openApiPath}: ${Object.keys(openApiDocument().paths as object).length} paths`);
}
