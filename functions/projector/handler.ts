import middy from "@middy/core";
import type { EventBridgeEvent } from "aws-lambda";
import { projectionNamed } from "../../domain/projections/index.ts";
import type { EventDetail } from "../bus/routing.ts";
import { dependencies, requiredEnv } from "../runtime/dependencies.ts";
import { log } from "../runtime/log.ts";
import { recordProjectorLag } from "../runtime/metrics.ts";
import { observe } from "../runtime/observability.ts";
import { recordedEventOf } from "../store/dynamodb-event-store.ts";
import { PoisonEvent, Projector, isPermanentFailure } from "./projector.ts";

let projector: Projector | undefined;

function projectorOf(): Projector {
  if (!projector) {
    const deps = dependencies();
    // Projectors fold sealed values (issue 16): the read models hold them sealed, the API reveals them.
    const events = "sealed" in deps.events && typeof deps.events.sealed === "function" ? (deps.events as { sealed(): typeof deps.events }).sealed() : deps.events;
    projector = new Projector(projectionNamed(requiredEnv("PROJECTION")), deps.readModels, events);
  }
  return projector;
}

/**
 * EventBridge target (invoked asynchronously): a thrown error makes Lambda retry twice, then the
 * event goes to the dead-letter queue (re-driven as docs/deploy.md describes). A PoisonEvent is
 * logged as such: the in-process bus dead-letters it at once, Lambda after its two retries.
 */
export async function handleBusEvent(detail: EventDetail, target: Projector = projectorOf()): Promise<void> {
  let event;
  try {
    event = recordedEventOf(detail.event);
  } catch (error) {
    if (isPermanentFailure(error)) throw new PoisonEvent(target.projection.name, detail.event.streamId, detail.event.version, error);
    throw error;
  }
  try {
    const outcome = await target.handle(event);
    recordProjectorLag(event, new Date());
    log("debug", "projected", { projection: target.projection.name, streamId: event.streamId, version: event.version, outcome });
  } catch (error) {
    if (error instanceof PoisonEvent) log("error", "poison event", { projection: error.projection, streamId: error.streamId, version: error.version, error: error.message });
    throw error;
  }
}

export const handler = middy<EventBridgeEvent<string, EventDetail>, void>()
  .use(observe())
  .handler(async (event) => handleBusEvent(event.detail));
