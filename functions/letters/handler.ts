import type { EventBridgeEvent } from "aws-lambda";
import type { EventDetail } from "../bus/routing.ts";
import { dependencies } from "../runtime/dependencies.ts";
import { log } from "../runtime/log.ts";
import { recordedEventOf } from "../store/dynamodb-event-store.ts";
import { lettersMailer } from "./mailer.ts";
import { LettersReaction } from "./reaction.ts";

let reaction: LettersReaction | undefined;

function reactionOf(): LettersReaction {
  if (!reaction) {
    const deps = dependencies();
    reaction = new LettersReaction({ events: deps.events, schemes: deps.schemes, mailer: lettersMailer(), personalData: deps.personalData });
  }
  return reaction;
}

/**
 * EventBridge target (asynchronous): a thrown error makes Lambda retry, then the event goes to the
 * dead-letter queue; the reaction is idempotent per source event, so a retry finishes what is pending.
 * Replays never reach it (its rule matches `replay: false` only), and it checks again.
 */
export async function handleLetterEvent(detail: EventDetail, target: LettersReaction = reactionOf()): Promise<void> {
  if (detail.replay) return;
  const event = recordedEventOf(detail.event);
  const outcome = await target.handle(event);
  // Ids only: the recipients are personal data.
  log("info", "letter", { streamId: event.streamId, version: event.version, type: event.type, outcome });
}

export const handler = async (event: EventBridgeEvent<string, EventDetail>): Promise<void> => handleLetterEvent(event.detail);
