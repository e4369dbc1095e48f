import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBRecord } from "aws-lambda";
import { EVENT_SOURCE } from "../../events/index.ts";
import { type EventItem, storedFieldsOf } from "../store/dynamodb-event-store.ts";
import type { BusMessage, EventBus, EventDetail } from "../bus/routing.ts";

export function busMessageOf(item: EventItem, replay = false): BusMessage {
  const detail: EventDetail = {
    replay,
    event: storedFieldsOf(item),
  };
  return { source: EVENT_SOURCE, detailType: item.type, detail };
}

/**
 * The outbox relay: DynamoDB Streams -> bus. Only inserts are events (the table receives nothing
 * else). On a publish failure it reports the first unpublished record, so Lambda retries from
 * there: at-least-once, and the projectors are idempotent.
 */
export async function relayStreamRecords(records: ReadonlyArray<DynamoDBRecord>, bus: EventBus): Promise<DynamoDBBatchResponse> {
  const pending: Array<{ sequenceNumber: string; message: BusMessage }> = [];
  for (const record of records) {
    if (record.eventName !== "INSERT" || !record.dynamodb?.NewImage) continue;
    const item = unmarshall(record.dynamodb.NewImage as Record<string, AttributeValue>) as EventItem;
    pending.push({ sequenceNumber: record.dynamodb.SequenceNumber ?? "", message: busMessageOf(item) });
  }
  for (let i = 0; i < pending.length; i += 10) {
    const batch = pending.slice(i, i + 10);
    try {
      await bus.publish(batch.map((p) => p.message));
    } catch {
      return { batchItemFailures: [{ itemIdentifier: batch[0]!.sequenceNumber }] };
    }
  }
  return { batchItemFailures: [] };
}
