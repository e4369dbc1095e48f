import { letterKindOf } from "../../domain/letters.ts";
import { EVENT_SOURCE } from "../../events/index.ts";
import type { RoutedRule } from "../bus/routing.ts";

/**
 * Issue 13: the bus rule of the letters reaction. The decisions that concern an applicant, and staff's
 * re-sends. A consumer with side effects (mail to applicants), so replays are never delivered to it.
 */
export const lettersRule: RoutedRule & { readonly target: { readonly kind: "reaction"; readonly reaction: "letters" } } = {
  name: "letters-reaction",
  source: EVENT_SOURCE,
  detailTypes: [...Object.keys(letterKindOf), "LetterResendRequested"],
  acceptsReplays: false,
  target: { kind: "reaction", reaction: "letters" },
};
