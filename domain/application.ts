import type { DomainEvent, DomainEventOf, EventData } from "../events/index.ts";
import { type Decision, accept, refuse } from "./decision.ts";
import type { Cents } from "./money.ts";
import { type SchemeUnderDecision, assertNever } from "./scheme.ts";

type Registration = EventData<"ApplicationRegistered">;

export type ApplicationState =
  | { readonly status: "unregistered" }
  | { readonly status: "registered"; readonly registration: Registration };

export const initialApplicationState: ApplicationState = { status: "unregistered" };

export function evolveApplication(state: ApplicationState, event: DomainEvent): ApplicationState {
  switch (event.type) {
    case "ApplicationRegistered":
      return { status: "registered", registration: event.data };
    case "SchemeOpened":
    case "BudgetTrancheReleased":
      return state;
    default:
      return assertNever(event);
  }
}

/** Staff (or the email intake) record an application that reached the fund. */
export interface RegisterApplication {
  readonly applicationId: string;
  readonly instrumentId: string;
  readonly technohub: Registration["technohub"];
  readonly applicant: Registration["applicant"];
  readonly requestedAmountCents: Cents;
  /** R-TH-09: when the message reached the fund, not when staff processed it. */
  readonly receivedAt: string;
}

export function decideRegisterApplication(
  state: ApplicationState,
  command: RegisterApplication,
  scheme: SchemeUnderDecision,
): Decision<DomainEventOf<"ApplicationRegistered">> {
  if (state.status === "registered") return refuse("already-exists", `application ${command.applicationId} is already registered`);
  const instrument = scheme.definition.instruments.find((i) => i.id === command.instrumentId);
  if (!instrument) {
    return refuse("invalid", `scheme ${scheme.definition.id} has no instrument ${command.instrumentId}`, {
      details: { instruments: scheme.definition.instruments.map((i) => i.id) },
    });
  }
  return accept({
    type: "ApplicationRegistered",
    data: {
      applicationId: command.applicationId,
      schemeId: scheme.definition.id,
      schemeVersion: scheme.version,
      instrumentId: instrument.id,
      technohub: command.technohub,
      applicant: command.applicant,
      requestedAmountCents: command.requestedAmountCents,
      receivedAt: command.receivedAt,
    },
  });
}
