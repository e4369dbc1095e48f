import middy from "@middy/core";
import type { EventBridgeEvent } from "aws-lambda";
import { dependencies } from "../runtime/dependencies.ts";
import { log } from "../runtime/log.ts";
import { observe } from "../runtime/observability.ts";
import { type BounceOutcome, LetterBounces } from "./bounces.ts";

let bounces: LetterBounces | undefined;

/**
 * EventBridge target (asynchronous) of the rule for SES's `Email Bounced` and `Email Complaint Received` events on the default bus:
 * a thrown error makes Lambda retry, then the event goes to the dead-letter queue; recording is
 * idempotent, so a retry or a redelivered notification records nothing twice.
 */
export async function handleSesBounce(detail: unknown, target: LetterBounces = (bounces ??= new LetterBounces(dependencies()))): Promise<BounceOutcome> {
  const result = await target.handle(detail);
  // Ids only: the addresses are personal data.
  log(result.outcome === "recorded" || result.outcome === "already-recorded" ? "info" : "warn", "letter bounce or complaint", { ...result });
  return result.outcome;
}

export const handler = middy<EventBridgeEvent<string, unknown>, void>()
  .use(observe())
  .handler(async (event) => {
    await handleSesBounce(event.detail);
  });
