import * as z from "zod";
import { type SchemeState, decideOpenScheme, evolveScheme, initialSchemeState } from "../../domain/scheme.ts";
import { Identifier, streamIds } from "../../events/index.ts";
import { dependencies } from "../runtime/dependencies.ts";
import { type StreamSpec, budgetLineStream, executeDecision } from "./command.ts";
import { HttpProblem, httpRoute } from "./http.ts";

/** Opens a scheme and its budget lines (each line its own stream) in one append. */
export const handler = httpRoute("OpenScheme", { path: z.object({ schemeId: Identifier }) }, async (input) => {
  const { events, schemes } = dependencies();
  const scheme = schemes.get(input.path.schemeId);
  if (!scheme) throw new HttpProblem(404, "not-found", `there is no scheme ${input.path.schemeId}`);
  const id = scheme.definition.id;
  const streams: Record<string, StreamSpec<unknown>> = {
    scheme: { streamId: streamIds.scheme(id), initial: initialSchemeState, evolve: evolveScheme as StreamSpec<unknown>["evolve"] },
  };
  for (const line of scheme.definition.budgetLines) {
    streams[`line:${line.id}`] = budgetLineStream(streamIds.budgetLine(id, line.id)) as StreamSpec<unknown>;
  }
  const { recorded } = await executeDecision<Record<string, unknown>>({
    store: events,
    input,
    schemeId: id,
    primary: "scheme",
    streams,
    decide: (states) => decideOpenScheme(states.scheme as SchemeState, scheme),
    streamOf: (event) => (event.type === "BudgetLineOpened" ? `line:${event.data.budgetLineId}` : "scheme"),
    maxAttempts: 1,
  });
  return { status: 201, body: { schemeId: id, schemeVersion: scheme.version, budgetLines: recorded.filter((e) => e.type === "BudgetLineOpened").length } };
});
