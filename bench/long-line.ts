import { DynamoDBDocumentClient, BatchWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type BudgetLineState, balanceOf, evolveBudgetLine } from "../domain/budget.ts";
import { type DomainEvent, type EventMetadata, eventCatalogue } from "../events/index.ts";
import { type HashedContent, eventHash, fieldFingerprints } from "../events/hash-chain.ts";
import type { EventItem } from "../functions/store/dynamodb-event-store.ts";
import { orderKeyOf, orderShard } from "../functions/store/dynamodb-event-store.ts";
import type { EventStore } from "../functions/store/event-store.ts";

/**
 * Grows a budget line to a given length by writing its events straight to the events table in
 * batches (BatchWriteItem, 25 a request), as the store would have written them: the hash chain,
 * the replay index keys and the balance beside each event (what writers that keep it leave). The
 * filler is reserve / commit / pay trios of EUR 1,000 for applications that exist only on the line.
 */
export async function growLine(options: {
  client: DynamoDBClient;
  tableName: string;
  store: Required<Pick<EventStore, "readLast">> & Pick<EventStore, "readStream">;
  streamId: string;
  schemeId: string;
  budgetLineId: string;
  to: number;
  /** The line's state at its current head (folded by the caller once). */
  state: BudgetLineState;
  onProgress?: (written: number) => void;
  /**
   * Give the filler the replay index's keys (false: leave them out, so DynamoDB Local does not
   * maintain the index for them; the command under test never reads the index).
   */
  replayIndex?: boolean;
}): Promise<BudgetLineState> {
  const documents = DynamoDBDocumentClient.from(options.client);
  const last = await options.store.readLast(options.streamId);
  let version = last?.event.version ?? 0;
  let previousHash = last!.event.hash;
  let state = options.state;
  const metadata: EventMetadata = { actor: "bench", role: "admin", channel: "system", correlationId: "bench-filler" };
  const since = last?.derived ? (JSON.parse(last.derived).balance?.since ?? 1) : 1;
  const base = { schemeId: options.schemeId, budgetLineId: options.budgetLineId };
  const items: Array<Omit<EventItem, "orderPartition" | "orderKey"> & Partial<Pick<EventItem, "orderPartition" | "orderKey">>> = [];
  let n = version;
  const eventAt = (v: number, i: number): DomainEvent => {
    const applicationId = `filler-${Math.floor(i / 3)}`;
    if (v === version + 1) return { type: "BudgetTrancheReleased", data: { ...base, schemeVersion: "bench", amountCents: Math.ceil(options.to / 3) * 100_000, boardDecision: "bench filler" } } as DomainEvent;
    switch (i % 3) {
      case 0:
        return { type: "BudgetReserved", data: { ...base, applicationId, amountCents: 100_000 } } as DomainEvent;
      case 1:
        return { type: "BudgetCommitted", data: { ...base, applicationId, amountCents: 100_000 } } as DomainEvent;
      default:
        return { type: "BudgetPaid", data: { ...base, applicationId, amountCents: 100_000 } } as DomainEvent;
    }
  };
  const recordedAt = new Date().toISOString();
  while (n < options.to) {
    n++;
    const event = eventAt(n, n - last!.event.version - 2);
    state = evolveBudgetLine(state, event);
    const content: HashedContent = {
      eventId: `bench-${options.streamId}-${n}`,
      streamId: options.streamId,
      version: n,
      type: event.type,
      schemaVersion: eventCatalogue.currentVersion(event.type),
      payload: event.data,
      metadata,
      recordedAt: recordedAt > (last?.event.recordedAt ?? "") ? recordedAt : last!.event.recordedAt,
      schemeId: options.schemeId,
      previousHash,
    };
    const hash = eventHash(content);
    const indexKeys = options.replayIndex === false ? {} : { orderPartition: `${options.schemeId}#${orderShard(options.streamId)}`, orderKey: orderKeyOf(content.recordedAt, options.streamId, n) };
    items.push({
      ...content,
      payload: JSON.stringify(event.data),
      metadata: JSON.stringify(metadata),
      hash,
      fieldPrints: JSON.stringify(fieldFingerprints(content)),
      ...indexKeys,
      derived: JSON.stringify({ balance: { ...balanceOf(state), since } }),
    });
    previousHash = hash;
  }
  version = n;
  // Oldest first, a few batches in flight: the last item (the head) is written last.
  const batches: Array<typeof items> = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  const head = batches.pop();
  let written = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        let request: Record<string, Array<{ PutRequest: { Item: Record<string, unknown> } }>> | undefined = {
          [options.tableName]: batch.map((Item) => ({ PutRequest: { Item: Item as unknown as Record<string, unknown> } })),
        };
        while (request && Object.keys(request).length) {
          const result = await documents.send(new BatchWriteCommand({ RequestItems: request }));
          request = result.UnprocessedItems as typeof request;
        }
        written += batch.length;
        if (written % 5000 < 25) options.onProgress?.(written);
      }
    }),
  );
  if (head) await documents.send(new BatchWriteCommand({ RequestItems: { [options.tableName]: head.map((Item) => ({ PutRequest: { Item: Item as unknown as Record<string, unknown> } })) } }));
  return state;
}
