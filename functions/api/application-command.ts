import * as z from "zod";
import { type ApplicationState, evolveApplication, initialApplicationState } from "../../domain/application.ts";
import type { BudgetLineState } from "../../domain/budget.ts";
import { localDate } from "../../domain/calendar.ts";
import type { Decision } from "../../domain/decision.ts";
import type { SchemeUnderDecision } from "../../domain/scheme.ts";
import { type DomainEvent, type EventData, Identifier, streamIds } from "../../events/index.ts";
import { type Dependencies, dependencies } from "../runtime/dependencies.ts";
import { applicationStreamOf, budgetLineStream, executeDecision } from "./command.ts";
import { HttpProblem, type HttpResult, httpRoute } from "./http.ts";
import type { RouteId } from "./routes.ts";
import { firstEventOf } from "../store/first-events.ts";

export type ApplicationStreams = {
  application: ApplicationState;
  line: BudgetLineState;
  grant: null;
};

export interface ApplicationCommandContext<B, X> {
  readonly states: ApplicationStreams;
  readonly scheme: SchemeUnderDecision;
  readonly body: B;
  readonly applicationId: string;
  /** Today in the scheme's time zone: business dates given by staff may not lie after it. */
  readonly today: string;
  readonly prepared: X;
}

export const ApplicationPath = z.object({ applicationId: Identifier });

/** A date staff state (a meeting, a letter, a start); never in the future. */
export function notAfterToday(date: string | undefined, today: string, what: string): string {
  if (date === undefined) return today;
  if (date > today) throw new HttpProblem(422, "invalid", `${what} ${date} lies in the future (today is ${today})`);
  return date;
}

/**
 * A command on an existing application: finds its scheme and budget line from the registration,
 * then decides over the application, its budget line and its grant, appending to all at once.
 */
export function applicationCommand<B, X = undefined>(spec: {
  routeId: RouteId;
  body: z.ZodType<B>;
  prepare?: (args: { registration: EventData<"ApplicationRegistered">; scheme: SchemeUnderDecision; deps: Dependencies }) => Promise<X>;
  decide: (context: ApplicationCommandContext<B, X>) => Decision<DomainEvent>;
}) {
  return httpRoute(spec.routeId, { body: spec.body, path: ApplicationPath }, async (input): Promise<HttpResult> => {
    const deps = dependencies();
    const { applicationId } = input.path;
    const first = await firstEventOf(deps.events, streamIds.application(applicationId));
    if (!first || first.type !== "ApplicationRegistered") throw new HttpProblem(404, "not-found", `there is no application ${applicationId}`);
    const registration = first.data as EventData<"ApplicationRegistered">;
    const scheme = deps.schemes.get(registration.schemeId);
    if (!scheme) throw new Error(`application ${applicationId} names scheme ${registration.schemeId}, which is not loaded`);
    const budgetLineId = scheme.definition.instruments.find((i) => i.id === registration.instrumentId)!.budgetLineId;
    const prepared = (spec.prepare ? await spec.prepare({ registration, scheme, deps }) : undefined) as X;
    const today = localDate(deps.clock().toISOString(), scheme.definition.timeZone);
    const { recorded, replayed, states } = await executeDecision<ApplicationStreams>({
      store: deps.events,
      input,
      schemeId: scheme.definition.id,
      primary: "application",
      streams: {
        application: { streamId: streamIds.application(applicationId), initial: initialApplicationState, evolve: evolveApplication },
        // Issue 15: the line from its balance and this application's position, not from its history.
        line: budgetLineStream(streamIds.budgetLine(scheme.definition.id, budgetLineId), { applicationId, partners: ["application", "grant"] }),
        grant: { streamId: streamIds.grant(applicationId), initial: null, evolve: (s) => s },
      },
      decide: (states) => spec.decide({ states, scheme, body: input.body, applicationId, today, prepared }),
      streamOf: applicationStreamOf,
    });
    const own = recorded.filter((e) => e.streamId === streamIds.application(applicationId));
    const after = replayed ? states.application : own.reduce((s, e) => evolveApplication(s, e as DomainEvent), states.application);
    const version = own.at(-1)?.version;
    return {
      status: 200,
      headers: { ...(version ? { etag: `"${version}"` } : {}), ...(replayed ? { "idempotent-replayed": "true" } : {}) },
      body: { applicationId, status: after.status, version: version ?? null, recorded: recorded.map((e) => ({ streamId: e.streamId, version: e.version, type: e.type })) },
    };
  });
}
