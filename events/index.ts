import type { z } from "zod";
import { EventCatalogue } from "./contract.ts";
import { ApplicationRegisteredV1, ApplicationRegisteredV2, applicationRegisteredV1ToV2 } from "./application-events.ts";
import { BudgetTrancheReleasedV1, SchemeOpenedV1 } from "./scheme-events.ts";
import {
  BudgetCommittedV1,
  BudgetLineIntakeClosedV1,
  BudgetLineOpenedV1,
  BudgetReleasedV1,
  BudgetReservedV1,
} from "./budget-events.ts";
import {
  ApplicationAssessedV1,
  ApplicationDetailsRecordedV1,
  ApplicationFoundIncompleteV1,
  ApplicationQueuedV1,
  ApplicationRefusedV1,
  ApplicationRejectedV1,
  ApplicationSectionsReceivedV1,
  ApplicationWithdrawnV1,
  AwardGrantedV1,
  AwardLapsedV1,
  AwardLetterIssuedV1,
  GrantOpenedV1,
  ProjectStartedV1,
} from "./lifecycle-events.ts";

export * from "./contract.ts";
export * from "./envelope.ts";
export * from "./primitives.ts";

/** The current version of every event type: what decisions write and what the domain reads. */
export const currentEvents = {
  SchemeOpened: SchemeOpenedV1,
  BudgetLineOpened: BudgetLineOpenedV1,
  BudgetTrancheReleased: BudgetTrancheReleasedV1,
  BudgetReserved: BudgetReservedV1,
  BudgetCommitted: BudgetCommittedV1,
  BudgetReleased: BudgetReleasedV1,
  BudgetLineIntakeClosed: BudgetLineIntakeClosedV1,
  ApplicationRegistered: ApplicationRegisteredV2,
  ApplicationDetailsRecorded: ApplicationDetailsRecordedV1,
  ApplicationSectionsReceived: ApplicationSectionsReceivedV1,
  ApplicationFoundIncomplete: ApplicationFoundIncompleteV1,
  ApplicationQueued: ApplicationQueuedV1,
  ApplicationAssessed: ApplicationAssessedV1,
  AwardGranted: AwardGrantedV1,
  ApplicationRejected: ApplicationRejectedV1,
  ApplicationRefused: ApplicationRefusedV1,
  ApplicationWithdrawn: ApplicationWithdrawnV1,
  ProjectStarted: ProjectStartedV1,
  AwardLapsed: AwardLapsedV1,
  AwardLetterIssued: AwardLetterIssuedV1,
  GrantOpened: GrantOpenedV1,
} as const;

export const eventCatalogue = new EventCatalogue(
  [...Object.values(currentEvents), ApplicationRegisteredV1],
  [applicationRegisteredV1ToV2],
);

export type EventType = keyof typeof currentEvents;
export type EventData<T extends EventType> = z.infer<(typeof currentEvents)[T]["schema"]>;
/** A domain event of any known type, as the domain sees it (current version). */
export type DomainEvent = { [T in EventType]: { type: T; data: EventData<T> } }[EventType];
export type DomainEventOf<T extends EventType> = Extract<DomainEvent, { type: T }>;
