import { randomUUID } from "node:crypto";
import { ConditionalCheckFailedException, type DynamoDBClient, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { CorruptEvent, ConcurrencyConflict, RecordTooLarge, StoreUnavailable } from "../../domain/errors.ts";
import { EVENT_SOURCE, EventMetadata, EventSchemaViolation, type RecordedEvent, UnknownEventType, eventCatalogue } from "../../events/index.ts";
import { GENESIS_HASH, type HashedContent, eventHash, fieldFingerprints } from "../../events/hash-chain.ts";
import type { AppendOptions, EventStore, StoredEvent, StreamAppend } from "./event-store.ts";
import { MAX_BUS_ENTRY_BYTES, MAX_ITEM_BYTES, MAX_TRANSACTION_BYTES, busEntrySize, describeLimit, dynamoItemSize } from "./limits.ts";
import { ORDER_SHARDS, eventsTable } from "./tables.ts";
import { recordAppended } from "../runtime/metrics.ts";
import { withStandIns } from "../../events/personal-data.ts";
import type { PersonalDataVault } from "../personal-data/vault.ts";

/** An event item exactly as stored. Payload and metadata are JSON text so the hashed bytes round-trip exactly. */
export interface EventItem {
  streamId: string;
  version: number;
  eventId: string;
  type: string;
  schemaVersion: number;
  payload: string;
  metadata: string;
  recordedAt: string;
  schemeId: string;
  previousHash: string;
  hash: string;
  /** JSON of `fieldFingerprints`: lets an auditor name the field of an altered event. */
  fieldPrints?: string;
  orderPartition: string;
  orderKey: string;
  /** Derived state kept beside the event (see StreamAppend.derived): not hashed, not published, not exported. */
  derived?: string;
}

/** The item without its index keys: what travels on the bus and in exports. */
export type StoredEventFields = Omit<EventItem, "orderPartition" | "orderKey">;

export interface DynamoDbEventStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Injected so tests and replays control time; the adapter, not the domain, owns the clock. */
  now?: () => Date;
  newEventId?: () => string;
  /** Told of every successful append (the local runtime uses it to know when projections caught up). */
  onAppended?: (recorded: ReadonlyArray<RecordedEvent>) => void;
  /**
   * Issue 16: seals personal-data fields before the hash is computed, and reveals them (or `[erased]`)
   * on readStream/readStreamWithDerived/readLast (what commands fold); readSchemes stays sealed. Without it the store writes what it is given and reads sealed values as
   * stored: what the projectors and the auditors' tools see.
   */
  personalData?: PersonalDataVault;
}

/** Deterministic shard of a stream in the replay index (FNV-1a of its id). */
export function orderShard(streamId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < streamId.length; i++) {
    hash ^= streamId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % ORDER_SHARDS;
}

export const orderKeyOf = (recordedAt: string, streamId: string, version: number) =>
  `${recordedAt}#${streamId}#${String(version).padStart(10, "0")}`;

/** The stored fields without the index keys, always in the same key order: one export line. */
export function storedFieldsOf(item: StoredEventFields): StoredEventFields {
  return {
    streamId: item.streamId,
    version: item.version,
    eventId: item.eventId,
    type: item.type,
    schemaVersion: item.schemaVersion,
    payload: item.payload,
    metadata: item.metadata,
    recordedAt: item.recordedAt,
    schemeId: item.schemeId,
    previousHash: item.previousHash,
    hash: item.hash,
    ...(item.fieldPrints === undefined ? {} : { fieldPrints: item.fieldPrints }),
  };
}

/** The content an item's hash covers, rebuilt from the item (used by the store and by verify). */
export function hashedContentOf(item: StoredEventFields): HashedContent {
  return {
    eventId: item.eventId,
    streamId: item.streamId,
    version: item.version,
    type: item.type,
    schemaVersion: item.schemaVersion,
    payload: JSON.parse(item.payload),
    metadata: JSON.parse(item.metadata) as EventMetadata,
    recordedAt: item.recordedAt,
    schemeId: item.schemeId,
    previousHash: item.previousHash,
  };
}

/** Reads a stored item into a domain-facing event: payload upcast to the current version and validated. */
export function recordedEventOf(item: StoredEventFields): RecordedEvent {
  try {
    return {
      eventId: item.eventId,
      streamId: item.streamId,
      version: item.version,
      type: item.type,
      schemaVersion: item.schemaVersion,
      data: parseSealed(item.type, item.schemaVersion, JSON.parse(item.payload)),
      metadata: JSON.parse(item.metadata) as EventMetadata,
      recordedAt: item.recordedAt,
      schemeId: item.schemeId,
      hash: item.hash,
      previousHash: item.previousHash,
    };
  } catch (error) {
    if (error instanceof UnknownEventType || error instanceof EventSchemaViolation || error instanceof SyntaxError) {
      throw new CorruptEvent(item.streamId, item.version, error.message);
    }
    throw error;
  }
}

/**
 * Validates a stored payload against its schema with its sealed personal-data values (issue 16)
 * standing in as values of their format, and gives them back sealed: a reader without keys (a
 * projector, a replay, the audit export) folds sealed values; revealing them is a separate step.
 */
function parseSealed(type: string, schemaVersion: number, payload: unknown): unknown {
  const { payload: checked, restore } = withStandIns(type, payload);
  return restore(eventCatalogue.parse(type, schemaVersion, checked));
}

/**
 * Event store on one DynamoDB table (partition = stream id, sort = version).
 *
 * Gap-free appends without a transaction per event: the adapter reads the stream's head at the
 * expected version (it needs that event's hash for the chain anyway) and puts the next versions
 * on the condition that they do not exist. Because nothing ever deletes or updates an event item
 * (the functions' IAM policies forbid it), "version N exists" can never become false again, so
 * head-exists + next-does-not-exist proves N was the last version at the moment of the write.
 * Several events or several streams go in one TransactWriteItems: all or nothing.
 */
export class DynamoDbEventStore implements EventStore {
  private readonly documents: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly now: () => Date;
  private readonly newEventId: () => string;
  private readonly onAppended: ((recorded: ReadonlyArray<RecordedEvent>) => void) | undefined;
  private readonly personalData: PersonalDataVault | undefined;

  constructor(private readonly options: DynamoDbEventStoreOptions) {
    this.onAppended = options.onAppended;
    this.personalData = options.personalData;
    this.documents = DynamoDBDocumentClient.from(options.client);
    this.tableName = options.tableName;
    this.now = options.now ?? (() => new Date());
    this.newEventId = options.newEventId ?? randomUUID;
  }

  async append(appends: ReadonlyArray<StreamAppend>, options: AppendOptions = {}): Promise<RecordedEvent[]> {
    if (appends.length === 0) return [];
    if (new Set(appends.map((a) => a.streamId)).size !== appends.length) {
      throw new Error("append names a stream twice: put all of one stream's events in one StreamAppend");
    }
    const items: EventItem[] = [];
    const plainData: unknown[] = [];
    for (const append of appends) {
      EventMetadata.parse(append.metadata);
      for (const event of append.events) eventCatalogue.parse(event.type, eventCatalogue.currentVersion(event.type), event.data);
      // Sealed after validation and before hashing: the chain covers the ciphertext (issue 16).
      const payloads: unknown[] = [];
      for (const event of append.events) payloads.push(this.personalData ? await this.personalData.seal(event.type, event.data, append.streamId, append.schemeId) : event.data);
      const head = append.head?.version === append.expectedVersion && append.expectedVersion > 0 ? append.head : await this.head(append.streamId, append.expectedVersion);
      const now = this.now().toISOString();
      // Per stream, time never runs backwards, so the replay order agrees with the version order.
      const recordedAt = head && head.recordedAt > now ? head.recordedAt : now;
      let previousHash = head?.hash ?? GENESIS_HASH;
      append.events.forEach((event, index) => {
        const version = append.expectedVersion + index + 1;
        const content: HashedContent = {
          eventId: this.newEventId(),
          streamId: append.streamId,
          version,
          type: event.type,
          schemaVersion: eventCatalogue.currentVersion(event.type),
          payload: payloads[index],
          metadata: append.metadata,
          recordedAt,
          schemeId: append.schemeId,
          previousHash,
        };
        const hash = eventHash(content);
        items.push({
          ...content,
          payload: JSON.stringify(payloads[index]),
          metadata: JSON.stringify(append.metadata),
          hash,
          fieldPrints: JSON.stringify(fieldFingerprints(content)),
          orderPartition: `${append.schemeId}#${orderShard(append.streamId)}`,
          orderKey: orderKeyOf(recordedAt, append.streamId, version),
          ...(append.derived?.[index] === undefined ? {} : { derived: append.derived[index] }),
        });
        plainData.push(event.data);
        previousHash = hash;
      });
    }
    if (items.length > 100) throw new Error(`one decision may append at most 100 events (DynamoDB transaction limit), got ${items.length}`);
    checkSizes(items);
    await this.write(items, appends, options);
    recordAppended(appends);
    // The caller gets back what it decided (plaintext), the store keeps it sealed.
    const recorded = items.map((item, i) => ({ ...recordedEventOf(item), data: this.personalData ? plainData[i] : recordedEventOf(item).data }));
    this.onAppended?.(recorded);
    return recorded;
  }

  private async head(streamId: string, expectedVersion: number): Promise<EventItem | undefined> {
    if (expectedVersion === 0) return undefined;
    const result = await this.call("read stream head", () =>
      this.documents.send(new GetCommand({ TableName: this.tableName, Key: { streamId, version: expectedVersion }, ConsistentRead: true })),
    );
    if (!result.Item) {
      throw new ConcurrencyConflict(streamId, expectedVersion, "beyond-stream-end", await this.lastVersion(streamId));
    }
    return result.Item as EventItem;
  }

  private async write(items: EventItem[], appends: ReadonlyArray<StreamAppend>, options: AppendOptions): Promise<void> {
    const condition = "attribute_not_exists(streamId)";
    try {
      if (items.length === 1) {
        await this.documents.send(new PutCommand({ TableName: this.tableName, Item: items[0], ConditionExpression: condition }));
      } else {
        await this.documents.send(
          new TransactWriteCommand({
            TransactItems: items.map((Item) => ({ Put: { TableName: this.tableName, Item, ConditionExpression: condition } })),
            ClientRequestToken: options.idempotencyToken,
          }),
        );
      }
    } catch (error) {
      throw await this.conflictOrUnavailable(error, items, appends);
    }
  }

  private async conflictOrUnavailable(error: unknown, items: EventItem[], appends: ReadonlyArray<StreamAppend>): Promise<Error> {
    let failedStream: string | undefined;
    if (error instanceof ConditionalCheckFailedException) failedStream = items[0]?.streamId;
    if (error instanceof TransactionCanceledException) {
      const reasons = error.CancellationReasons ?? [];
      const index = reasons.findIndex((r) => r.Code === "ConditionalCheckFailed" || r.Code === "TransactionConflict");
      // A concurrent transaction on the same item also means another writer got there: a conflict to retry.
      if (index >= 0) failedStream = items[index]?.streamId;
    }
    if (failedStream) {
      const append = appends.find((a) => a.streamId === failedStream);
      // Not followed by a read of where the stream is now: every caller reads it again to decide
      // again, and on a hot budget line that read was one request per conflict for nothing (issue 15).
      return new ConcurrencyConflict(failedStream, append?.expectedVersion ?? 0, "stream-moved-on");
    }
    return toStoreUnavailable("append", error);
  }

  private async lastVersion(streamId: string): Promise<number> {
    const result = await this.call("read stream head", () =>
      this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "streamId = :s",
          ExpressionAttributeValues: { ":s": streamId },
          ProjectionExpression: "version",
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      ),
    );
    return (result.Items?.[0]?.version as number | undefined) ?? 0;
  }

  async readStream(streamId: string, fromVersion = 1, toVersion = Number.MAX_SAFE_INTEGER): Promise<RecordedEvent[]> {
    return this.revealed((await this.queryStream(streamId, fromVersion, toVersion, eventAttributes)).map(recordedEventOf));
  }

  async readStreamWithDerived(streamId: string, fromVersion = 1): Promise<StoredEvent[]> {
    return (await this.readStreamsWithDerived([{ streamId, fromVersion }]))[0]!;
  }

  async readStreamsWithDerived(reads: ReadonlyArray<{ readonly streamId: string; readonly fromVersion: number }>): Promise<StoredEvent[][]> {
    const stored = await Promise.all(reads.map(async (read) => (await this.queryStream(read.streamId, read.fromVersion, Number.MAX_SAFE_INTEGER, eventAttributes)).map(storedEventOf)));
    if (!this.personalData) return stored;
    // One reveal for every stream: a command reading a grant (an IBAN) and its application (the
    // committee's members) asks the key table once, not once per stream (issue 15).
    const events = await this.revealed(stored.flat().map((s) => s.event));
    let next = 0;
    return stored.map((list) => list.map((s) => ({ ...s, event: events[next++]! })));
  }

  async readLast(streamId: string): Promise<StoredEvent | undefined> {
    const result = await this.call("read stream head", () =>
      this.documents.send(
        new QueryCommand({ TableName: this.tableName, KeyConditionExpression: "streamId = :s", ExpressionAttributeValues: { ":s": streamId }, ScanIndexForward: false, Limit: 1, ConsistentRead: true, ...eventAttributes }),
      ),
    );
    const item = result.Items?.[0] as EventItem | undefined;
    if (!item) return undefined;
    const stored = storedEventOf(item);
    return this.personalData ? { ...stored, event: (await this.revealed([stored.event]))[0]! } : stored;
  }

  /** Raw items, for integrity checks that must see exactly what was stored. */
  readStreamItems(streamId: string, fromVersion = 1, toVersion = Number.MAX_SAFE_INTEGER): Promise<EventItem[]> {
    return this.queryStream(streamId, fromVersion, toVersion);
  }

  private async queryStream(streamId: string, fromVersion: number, toVersion: number, projection?: typeof eventAttributes): Promise<EventItem[]> {
    const items: EventItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await this.call("read stream", () =>
        this.documents.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: "streamId = :s AND version BETWEEN :from AND :to",
            ExpressionAttributeValues: { ":s": streamId, ":from": fromVersion, ":to": toVersion },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
            ...projection,
          }),
        ),
      );
      items.push(...((page.Items ?? []) as EventItem[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  async *readSchemes(schemeIds: ReadonlyArray<string>, options: { until?: string } = {}): AsyncIterable<RecordedEvent> {
    // Sealed, always: a rebuild or an as-of replay must equal the live read models, which hold sealed values; the API reveals its responses.
    for await (const item of this.readSchemeItems(schemeIds, options)) yield recordedEventOf(item);
  }

  /** The same store reading sealed values as stored and writing without sealing: what projectors use, so live read models equal a replay without keys. */
  sealed(): DynamoDbEventStore {
    return this.personalData ? new DynamoDbEventStore({ ...this.options, personalData: undefined }) : this;
  }

  private async revealed(events: RecordedEvent[]): Promise<RecordedEvent[]> {
    if (!this.personalData || events.length === 0) return events;
    const datas = await this.personalData.reveal(events.map((e) => e.data));
    return events.map((e, i) => ({ ...e, data: datas[i] }));
  }

  /** Merges the sorted index partitions of every shard of every scheme into one deterministic order. */
  async *readSchemeItems(schemeIds: ReadonlyArray<string>, options: { until?: string } = {}): AsyncIterable<EventItem> {
    const cursors = schemeIds.flatMap((schemeId) =>
      Array.from({ length: ORDER_SHARDS }, (_, shard) => this.partitionCursor(`${schemeId}#${shard}`, options.until)),
    );
    const heads = await Promise.all(cursors.map((c) => c.next()));
    for (;;) {
      let smallest = -1;
      for (let i = 0; i < heads.length; i++) {
        const head = heads[i]!;
        if (head.done) continue;
        if (smallest < 0 || head.value.orderKey < (heads[smallest]!.value as EventItem).orderKey) smallest = i;
      }
      if (smallest < 0) return;
      yield heads[smallest]!.value as EventItem;
      heads[smallest] = await cursors[smallest]!.next();
    }
  }

  private async *partitionCursor(orderPartition: string, until?: string): AsyncGenerator<EventItem> {
    let startKey: Record<string, unknown> | undefined;
    // `~` sorts after every character an ISO instant or stream id uses: "until" is inclusive.
    const upper = until ? `${until}#~` : "~";
    do {
      const page: QueryCommandOutput = await this.call("read scheme log", () =>
        this.documents.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: eventsTable.globalIndexes[0]!.indexName,
            KeyConditionExpression: "orderPartition = :p AND orderKey <= :upper",
            ExpressionAttributeValues: { ":p": orderPartition, ":upper": upper },
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of page.Items ?? []) yield item as EventItem;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw toStoreUnavailable(operation, error);
    }
  }
}

/**
 * What a decision, a projection or a letter reads of an event item: not its field fingerprints or
 * replay-order keys, about half of its bytes, which only integrity checks and replays read (issue 15:
 * every command reads its streams, and both DynamoDB and the SDK pay per byte).
 */
const eventAttributeNames = ["streamId", "version", "eventId", "type", "schemaVersion", "payload", "metadata", "recordedAt", "schemeId", "previousHash", "hash", "derived"] as const;
const eventAttributes = {
  ProjectionExpression: eventAttributeNames.map((_, i) => `#e${i}`).join(", "),
  ExpressionAttributeNames: Object.fromEntries(eventAttributeNames.map((name, i) => [`#e${i}`, name])),
};

const storedEventOf = (item: EventItem): StoredEvent => (item.derived === undefined ? { event: recordedEventOf(item) } : { event: recordedEventOf(item), derived: item.derived });

/**
 * Every event must fit in a DynamoDB item and, as the relay will publish it, in an EventBridge
 * entry; the decision's items together in one transaction. Checked before writing: an event that
 * could be stored but never published would stop the outbox.
 */
function checkSizes(items: ReadonlyArray<EventItem>): void {
  let total = 0;
  for (const item of items) {
    // The bus entry is the tighter limit for any event; the item limit is checked too, in case it is not.
    const entrySize = busEntrySize({ source: EVENT_SOURCE, detailType: item.type, detail: { replay: false, event: storedFieldsOf(item) } });
    if (entrySize >= MAX_BUS_ENTRY_BYTES) {
      throw new RecordTooLarge(`event ${item.type}`, entrySize, MAX_BUS_ENTRY_BYTES, describeLimit(entrySize, MAX_BUS_ENTRY_BYTES - 1, "one EventBridge entry"));
    }
    const itemSize = dynamoItemSize(item as unknown as Record<string, unknown>);
    total += itemSize;
    if (itemSize > MAX_ITEM_BYTES) throw new RecordTooLarge(`event ${item.type}`, itemSize, MAX_ITEM_BYTES, describeLimit(itemSize, MAX_ITEM_BYTES, "one DynamoDB item"));
  }
  if (total > MAX_TRANSACTION_BYTES) throw new RecordTooLarge("the decision's events", total, MAX_TRANSACTION_BYTES, describeLimit(total, MAX_TRANSACTION_BYTES, "one DynamoDB transaction"));
}

const retryableNames = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
  "TimeoutError",
]);

const retryableNetworkCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EAI_AGAIN"]);

export function toStoreUnavailable(operation: string, error: unknown): StoreUnavailable {
  const name = error instanceof Error ? error.name : "";
  const networkCode = (error as { code?: string } | undefined)?.code;
  // A transaction cancelled for throttling (not for a condition) is worth retrying too.
  const throttledTransaction =
    error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((r) => r.Code === "ThrottlingError" || r.Code === "ProvisionedThroughputExceeded");
  return new StoreUnavailable(operation, retryableNames.has(name) || retryableNetworkCodes.has(networkCode ?? "") || throttledTransaction, error);
}
