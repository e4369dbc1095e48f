import type { EventBridgeEvent } from "aws-lambda";
import { projectionNamed } from "../../domain/projections/index.ts";
import type { EventDetail } from "../bus/routing.ts";
import { dependencies, requiredEnv } from "../runtime/dependencies.ts";
import { log } from "../runtime/log.ts";
import { recordedEventOf } from "../store/dynamodb-event-store.ts";
import { Projector } from "./projector.ts";

let projector: Projector | undefined;

function projectorOf(): Projector {
  if (!projector) {
    const deps = dependencies();
    projector = new Projector(projectionNamed(requiredEnv("PROJECTION")), deps.readModels, deps.events);
  }
  return projector;
}

/** EventBridge target (invoked asynchronously): a thrown error makes Lambda retry twice, then the event goes to the dead-letter queue. */
export async function handleBusEvent(detail: EventDetail, target: Projector = projectorOf()): Promise<void> {
  const event = recordedEventOf(detail.event);
  const outcome = await target.handle(event);
  log("debug", "projected", { projection: target.projection.name, streamId: event.streamId, version: event.version, outcome });
}

export const handler = async (event: EventBridgeEvent<string, EventDetail>): Promise<void> => handleBusEvent(event.detail);
