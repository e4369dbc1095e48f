import type { z } from "zod";
import { EventCatalogue } from "./contract.ts";
import { ApplicationRegisteredV1, ApplicationRegisteredV2, applicationRegisteredV1ToV2 } from "./application-events.ts";
import { BudgetTrancheReleasedV1, SchemeOpenedV1 } from "./scheme-events.ts";

export * from "./contract.ts";
export * from "./envelope.ts";
export * from "./primitives.ts";

/** The current version of every event type: what decisions write and what the domain reads. */
export const currentEvents = {
  SchemeOpened: SchemeOpenedV1,
  BudgetTrancheReleased: BudgetTrancheReleasedV1,
  ApplicationRegistered: ApplicationRegisteredV2,
} as const;

export const eventCatalogue = new EventCatalogue(
  [SchemeOpenedV1, BudgetTrancheReleasedV1, ApplicationRegisteredV1, ApplicationRegisteredV2],
  [applicationRegisteredV1ToV2],
);

export type EventType = keyof typeof currentEvents;
export type EventData<T extends EventType> = z.infer<(typeof currentEvents)[T]["schema"]>;
/** A domain event of any known type, as the domain sees it (current version). */
export type DomainEvent = { [T in EventType]: { type: T; data: EventData<T> } }[EventType];
export type DomainEventOf<T extends EventType> = Extract<DomainEvent, { type: T }>;
