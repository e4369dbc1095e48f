import type { Decision } from "../../domain/decision.ts";
import type { SchemeUnderDecision } from "../../domain/scheme.ts";
import type { DomainEvent } from "../../events/index.ts";
import { bundledSchemes } from "../../schemes/bundled.ts";

/** A scheme as a decision sees it, straight from the bundled, validated definitions. */
export function schemeUnderDecision(id: string): SchemeUnderDecision {
  const loaded = bundledSchemes().get(id);
  if (!loaded) throw new Error(`scheme ${id} is not bundled`);
  return { definition: loaded.definition, version: loaded.version };
}

/** The events of a decision that must have been accepted. */
export function accepted<E>(decision: Decision<E>): ReadonlyArray<E> {
  if (decision.outcome !== "accepted") throw new Error(`expected acceptance, got refusal ${decision.refusal.code}: ${decision.refusal.reason}`);
  return decision.events;
}

/** A decision that must have been refused, as it came. */
export function refused<E>(decision: Decision<E>): Extract<Decision<E>, { outcome: "refused" }> {
  if (decision.outcome !== "refused") throw new Error(`expected a refusal, got ${decision.events.length} event(s): ${decision.events.map((e) => (e as DomainEvent).type).join(", ")}`);
  return decision;
}
