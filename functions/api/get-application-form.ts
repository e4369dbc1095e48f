import * as z from "zod";
import type { SchemeUnderDecision } from "../../domain/scheme.ts";
import { Identifier } from "../../events/index.ts";
import { applicationFormDownload } from "../intake/form-pdf.ts";
import { dependencies } from "../runtime/dependencies.ts";
import { binaryBody } from "./binary-body.ts";
import { HttpProblem, httpRoute } from "./http.ts";

// One PDF per scheme version per container: generating it takes a few milliseconds, but only once.
const forms = new Map<string, Promise<{ base64: string; etag: string }>>();

function formOf(scheme: SchemeUnderDecision) {
  const key = `${scheme.definition.id}@${scheme.version}`;
  let form = forms.get(key);
  if (!form) {
    form = applicationFormDownload(scheme);
    forms.set(key, form);
  }
  return form;
}

/** R-TH-14: the fillable application form of a scheme; the email intake reads its fields back. */
export const handler = httpRoute("GetApplicationForm", { path: z.object({ schemeId: Identifier }) }, async (input) => {
  const scheme = dependencies().schemes.get(input.path.schemeId);
  if (!scheme) throw new HttpProblem(404, "not-found", `there is no scheme ${input.path.schemeId}`);
  const form = await formOf(scheme);
  return {
    status: 200,
    headers: {
      "content-type": "application/pdf",
      "content-disposition": `attachment; filename="aanvraagformulier-${scheme.definition.id}.pdf"`,
      etag: form.etag,
    },
    body: form.base64,
  };
}).use(binaryBody());
