import type { DomainEvent } from "../events/index.ts";
import { type Decision, refuse } from "./decision.ts";

/**
 * R-ST-01: one regional plan per region; R-ST-05: its documents carry the region number. Issue 12
 * finding 7: the number is bound to the plan whichever way it was registered (the staff API or a
 * mail), on its own stream, so every later mail with the number finds that plan and a second plan
 * for the region is refused.
 */
export interface RegionState {
  readonly applicationId?: string;
}

export const initialRegionState: RegionState = {};

export function evolveRegion(state: RegionState, event: DomainEvent): RegionState {
  return event.type === "RegionNumberClaimed" && !state.applicationId ? { applicationId: event.data.applicationId } : state;
}

/** Binds a new plan's region number along with its registration, or refuses a second plan for the region. */
export function bindRegionNumber(
  registration: Decision<DomainEvent>,
  region: RegionState,
  binding: { readonly schemeId: string; readonly regionNumber: string; readonly applicationId: string },
): Decision<DomainEvent> {
  if (region.applicationId && region.applicationId !== binding.applicationId) {
    return refuse("already-exists", `region ${binding.regionNumber} already has a regional plan: application ${region.applicationId} (R-ST-01: one plan per region)`, {
      ruleIds: ["R-ST-01"],
      details: { applicationId: region.applicationId },
    });
  }
  if (region.applicationId || !registration.events?.length) return registration;
  const events = [...registration.events, { type: "RegionNumberClaimed", data: binding } as DomainEvent];
  return registration.outcome === "accepted" ? { outcome: "accepted", events } : { ...registration, events };
}
