import { type LetterView, UNDELIVERED_LETTERS_LIST, lettersProjection } from "../../../domain/projections/letters.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { httpRoute } from "../http.ts";
import { publicView } from "./list-application-letters.ts";

/** Issue 13: letters that reached none or not all of their recipients (bounced, refused, no contact), for staff to re-send. */
export const handler = httpRoute("ListUndeliveredLetters", {}, async () => {
  const items = ((await dependencies().readModels.list(lettersProjection.name, UNDELIVERED_LETTERS_LIST)) as LetterView[]).map(publicView);
  return { status: 200, body: { count: items.length, items } };
});
