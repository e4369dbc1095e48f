/**
 * What a decider returns: the events to append, or a refusal with a reason staff can act on
 * (R-X-05). Refusals are values, not exceptions: they are expected outcomes of the business.
 */
export type RefusalCode =
  | "not-found"
  | "already-exists"
  | "invalid"
  | "ineligible"
  | "closed"
  | "budget-exhausted"
  | "forbidden";

export interface Refusal {
  readonly code: RefusalCode;
  readonly reason: string;
  readonly ruleIds?: ReadonlyArray<string>;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** A refusal may still record events: the refused submission itself, so nothing sent is lost (R-X-05). */
export type Decision<E> =
  | { readonly outcome: "accepted"; readonly events: ReadonlyArray<E> }
  | { readonly outcome: "refused"; readonly refusal: Refusal; readonly events?: ReadonlyArray<E> };

export const accept = <E>(...events: E[]): Decision<E> => ({ outcome: "accepted", events });
export const refuse = <E = never>(code: RefusalCode, reason: string, extra: Omit<Refusal, "code" | "reason"> = {}): Decision<E> => ({
  outcome: "refused",
  refusal: { code, reason, ...extra },
});

/** Refuses, and records the refusal as events all the same. */
export const refuseAndRecord = <E>(code: RefusalCode, reason: string, events: E[], extra: Omit<Refusal, "code" | "reason"> = {}): Decision<E> => ({
  outcome: "refused",
  refusal: { code, reason, ...extra },
  events,
});
