import * as z from "zod";
import { type ApplicationState, evolveApplication, initialApplicationState } from "../../../domain/application.ts";
import type { BudgetLineState } from "../../../domain/budget.ts";
import { localDate } from "../../../domain/calendar.ts";
import type { Decision } from "../../../domain/decision.ts";
import { type GrantState, evolveGrant, initialGrantState } from "../../../domain/payments.ts";
import type { SchemeUnderDecision } from "../../../domain/scheme.ts";
import { type DomainEvent, type EventData, Identifier, streamIds } from "../../../events/index.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { budgetLineStream, executeDecision } from "../command.ts";
import { type Caller, HttpProblem, type HttpResult, httpRoute } from "../http.ts";
import type { RouteId } from "../routes.ts";
import { firstEventOf } from "../../store/first-events.ts";

/**
 * `application` is read, never written: it carries the application's position on the line when its
 * last budget event came with it (issue 15), and the details a change request is checked against (issue 13).
 */
export type GrantStreams = { grant: GrantState; line: BudgetLineState; application: ApplicationState };

export interface GrantCommandContext<B, P> {
  readonly states: GrantStreams;
  readonly scheme: SchemeUnderDecision;
  readonly body: B;
  readonly path: P;
  readonly caller: Caller;
  readonly today: string;
  readonly newId: () => string;
}

/**
 * A command on a grant: finds its scheme and budget line from GrantOpened, then decides over the
 * grant and its budget line, so a payment and the ledger move in one append.
 */
export function grantCommand<B, P extends { grantId: string }>(spec: {
  routeId: RouteId;
  body: z.ZodType<B>;
  path: z.ZodType<P>;
  status?: number;
  decide: (context: GrantCommandContext<B, P>) => Decision<DomainEvent>;
}) {
  return httpRoute(spec.routeId, { body: spec.body, path: spec.path }, async (input): Promise<HttpResult> => {
    const deps = dependencies();
    const { grantId } = input.path;
    const first = await firstEventOf(deps.events, streamIds.grant(grantId));
    if (!first || first.type !== "GrantOpened") throw new HttpProblem(404, "not-found", `there is no grant ${grantId}`);
    const opened = first.data as EventData<"GrantOpened">;
    const scheme = deps.schemes.get(opened.schemeId)!;
    const today = localDate(deps.clock().toISOString(), scheme.definition.timeZone);
    const { recorded, replayed } = await executeDecision<GrantStreams>({
      store: deps.events,
      input,
      schemeId: opened.schemeId,
      primary: "grant",
      streams: {
        grant: { streamId: streamIds.grant(grantId), initial: initialGrantState, evolve: evolveGrant },
        line: budgetLineStream(streamIds.budgetLine(opened.schemeId, opened.budgetLineId), { applicationId: opened.applicationId, partners: ["grant", "application"] }),
        application: { streamId: streamIds.application(opened.applicationId), initial: initialApplicationState, evolve: evolveApplication },
      },
      decide: (states) => spec.decide({ states, scheme, body: input.body, path: input.path, caller: input.caller, today, newId: deps.newId }),
      streamOf: (event) => (event.type.startsWith("Budget") ? "line" : "grant"),
    });
    const own = recorded.filter((e) => e.streamId === streamIds.grant(grantId));
    return {
      status: spec.status ?? 200,
      headers: replayed ? { "idempotent-replayed": "true" } : undefined,
      body: { grantId, version: own.at(-1)?.version ?? null, recorded: recorded.map((e) => ({ streamId: e.streamId, version: e.version, type: e.type, data: e.data })) },
    };
  });
}

export const GrantPath = z.object({ grantId: Identifier });
export const InvoicePath = z.object({ grantId: Identifier, invoiceId: Identifier });
