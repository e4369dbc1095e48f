import * as z from "zod";
import { type LetterView, UNDELIVERED_LETTERS_LIST, lettersProjection } from "../../../domain/projections/letters.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { httpRoute } from "../http.ts";
import { pageOfList, pageQuery } from "../paged-list.ts";
import { publicView } from "./list-application-letters.ts";

/** Issue 13: letters that reached none or not all of their recipients (bounced, refused, no contact), for staff to re-send; a page at a time (issue 15). */
export const handler = httpRoute("ListUndeliveredLetters", { query: z.object(pageQuery) }, async (input) => {
  const page = await pageOfList<LetterView>(dependencies().readModels, lettersProjection.name, UNDELIVERED_LETTERS_LIST, input.query);
  return { status: 200, body: { count: page.items.length, items: page.items.map(publicView), ...(page.next ? { next: page.next } : {}) } };
});
