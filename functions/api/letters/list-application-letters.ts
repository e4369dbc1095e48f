import * as z from "zod";
import { type LetterView, applicationLettersList, lettersProjection } from "../../../domain/projections/letters.ts";
import { Identifier } from "../../../events/index.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { httpRoute } from "../http.ts";

/** Issue 13: every letter sent about an application, oldest first: kind, hash, pages, and what became of it per recipient. */
export const handler = httpRoute("ListApplicationLetters", { path: z.object({ applicationId: Identifier }) }, async (input) => {
  const { applicationId } = input.path;
  const items = ((await dependencies().readModels.list(lettersProjection.name, applicationLettersList(applicationId))) as LetterView[]).map(publicView);
  return { status: 200, body: { applicationId, count: items.length, items } };
});

/** The view without the fold kept for the projector. */
export const publicView = ({ state: _state, entry: _entry, ...view }: LetterView) => view;
