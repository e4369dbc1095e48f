import { z } from "zod";
import { decideOpenScheme, evolveScheme, initialSchemeState } from "../../domain/scheme.ts";
import { Identifier, streamIds } from "../../events/index.ts";
import { dependencies } from "../runtime/dependencies.ts";
import { executeCommand } from "./command.ts";
import { HttpProblem, httpRoute } from "./http.ts";

export const handler = httpRoute("OpenScheme", { path: z.object({ schemeId: Identifier }) }, async (input) => {
  const { events, schemes } = dependencies();
  const scheme = schemes.get(input.path.schemeId);
  if (!scheme) throw new HttpProblem(404, "not-found", `there is no scheme ${input.path.schemeId}`);
  const { recorded } = await executeCommand({
    store: events,
    streamId: streamIds.scheme(scheme.definition.id),
    schemeId: scheme.definition.id,
    initial: initialSchemeState,
    evolve: evolveScheme,
    decide: (state) => decideOpenScheme(state, scheme),
    input,
  });
  return { status: 201, body: { schemeId: scheme.definition.id, schemeVersion: scheme.version, version: recorded.at(-1)!.version } };
});
