import middy from "@middy/core";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { EventBridgeBus } from "../bus/eventbridge-bus.ts";
import { requiredEnv } from "../runtime/dependencies.ts";
import { observe, traced } from "../runtime/observability.ts";
import { relayStreamRecords } from "./relay.ts";

// Created once per container, not per invocation.
const bus = new EventBridgeBus(traced(new EventBridgeClient({})), requiredEnv("EVENT_BUS_NAME"));

/** DynamoDB Streams (the outbox) -> EventBridge. Partial batch failures make Lambda retry from the first unsent record. */
export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(observe())
  .handler(async (event) => relayStreamRecords(event.Records, bus));
