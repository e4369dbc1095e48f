import { projections } from "../../domain/projections/index.ts";
import { EVENT_SOURCE } from "../../events/index.ts";
import type { StoredEventFields } from "../store/dynamodb-event-store.ts";

/**
 * Bus rules, declared once: the CDK stack creates one EventBridge rule per entry and the local
 * in-process bus routes by the same entries.
 */
export interface BusRule {
  readonly name: string;
  readonly source: string;
  readonly detailTypes: ReadonlyArray<string>;
  /** Side-effect consumers (emails, payments) set this to false to ignore replays. */
  readonly acceptsReplays: boolean;
  readonly target: { readonly kind: "projector"; readonly projection: string };
}

/** What routing needs of a rule, whatever its target: projectors here, side-effect reactions elsewhere (functions/letters/rules.ts). */
export type RoutedRule = Pick<BusRule, "name" | "source" | "detailTypes" | "acceptsReplays">;

export const busRules: ReadonlyArray<BusRule> = projections.map((projection) => ({
  name: `${projection.name}-projector`,
  source: EVENT_SOURCE,
  detailTypes: projection.handles,
  acceptsReplays: true,
  target: { kind: "projector", projection: projection.name },
}));

/** The EventBridge event pattern of a rule, exactly as the stack declares it. */
export function eventPattern(rule: RoutedRule): Record<string, unknown> {
  return {
    source: [rule.source],
    "detail-type": [...rule.detailTypes],
    ...(rule.acceptsReplays ? {} : { detail: { replay: [false] } }),
  };
}

export interface BusMessage {
  readonly source: string;
  readonly detailType: string;
  readonly detail: EventDetail;
}

/** What travels on the bus: the stored event as written (validated again by every consumer), never file contents. */
export interface EventDetail {
  readonly replay: boolean;
  readonly event: StoredEventFields;
}

/** Does an EventBridge-style pattern match this message? (the subset our rules use) */
export function matches(rule: RoutedRule, message: BusMessage): boolean {
  return (
    rule.source === message.source && rule.detailTypes.includes(message.detailType) && (rule.acceptsReplays || message.detail.replay === false)
  );
}

export interface EventBus {
  publish(messages: ReadonlyArray<BusMessage>): Promise<void>;
}
