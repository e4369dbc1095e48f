import { ConditionalCheckFailedException, type DynamoDBClient, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandOutput,
  ScanCommand,
  type ScanCommandOutput,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { ConcurrencyConflict, DocumentTooLarge } from "../../domain/errors.ts";
import { toStoreUnavailable } from "../store/dynamodb-event-store.ts";
import { MAX_ITEM_BYTES, MAX_TRANSACTION_BYTES, dynamoItemSize } from "../store/limits.ts";
import { readModelsTable } from "../store/tables.ts";

export interface StoredDocument {
  readonly doc: unknown;
  /** How many events have been applied to it: the optimistic-lock token, equal in live and rebuilt models. */
  readonly revision: number;
}

export interface DocumentWrite {
  readonly docId: string;
  readonly doc: unknown;
  readonly expectedRevision: number;
  readonly revision: number;
  readonly listing?: { readonly list: string; readonly sortKey: string } | undefined;
}

export interface ReadModelStore {
  checkpoint(projection: string, streamId: string): Promise<number>;
  document(projection: string, docId: string): Promise<StoredDocument | undefined>;
  /** Writes the documents and moves the stream's checkpoint, all or nothing; ConcurrencyConflict when another delivery won. */
  commit(projection: string, streamId: string, fromVersion: number, toVersion: number, writes: ReadonlyArray<DocumentWrite>): Promise<void>;
  list(projection: string, list: string): Promise<unknown[]>;
}

/** One page of a list: the documents in sort-key order, and whether more follow the last one. */
export interface ListPage {
  readonly docs: unknown[];
  readonly sortKeys: string[];
  readonly more: boolean;
}

const docKey = (projection: string, docId: string) => ({ pk: `${projection}#${docId}`, sk: "doc" });
const checkpointKey = (projection: string, streamId: string) => ({ pk: `checkpoint#${projection}#${streamId}`, sk: "checkpoint" });

/** Read models and projector checkpoints in one DynamoDB table, so a document and its checkpoint move in one transaction. */
export class DynamoDbReadModelStore implements ReadModelStore {
  private readonly documents: DynamoDBDocumentClient;
  /**
   * The largest item written, DynamoDB's 400 KB. Checked before every write, so an oversized
   * document is a DocumentTooLarge naming it (dead-lettered at once) instead of DynamoDB's
   * ValidationException read as "store unavailable". Lowered only by tests, to make a poison event.
   */
  maxItemBytes = MAX_ITEM_BYTES;

  constructor(client: DynamoDBClient, readonly tableName: string) {
    this.documents = DynamoDBDocumentClient.from(client);
  }

  async checkpoint(projection: string, streamId: string): Promise<number> {
    const result = await this.call("read checkpoint", () =>
      this.documents.send(new GetCommand({ TableName: this.tableName, Key: checkpointKey(projection, streamId), ConsistentRead: true })),
    );
    return (result.Item?.version as number | undefined) ?? 0;
  }

  async document(projection: string, docId: string): Promise<StoredDocument | undefined> {
    const result = await this.call("read document", () =>
      this.documents.send(new GetCommand({ TableName: this.tableName, Key: docKey(projection, docId), ConsistentRead: true })),
    );
    return result.Item ? { doc: JSON.parse(result.Item.doc as string), revision: result.Item.revision as number } : undefined;
  }

  async commit(projection: string, streamId: string, fromVersion: number, toVersion: number, writes: ReadonlyArray<DocumentWrite>): Promise<void> {
    const items = writes.map((write) => this.checkedItem(projection, write));
    const total = items.reduce((sum, item) => sum + dynamoItemSize(item), 0);
    if (total > MAX_TRANSACTION_BYTES) throw new DocumentTooLarge(projection, `(${writes.length} documents of one commit on ${streamId})`, total, MAX_TRANSACTION_BYTES);
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...checkpointKey(projection, streamId), version: toVersion },
                ConditionExpression: fromVersion === 0 ? "attribute_not_exists(pk)" : "version = :from",
                ExpressionAttributeValues: fromVersion === 0 ? undefined : { ":from": fromVersion },
              },
            },
            ...writes.map((write, i) => ({
              Put: {
                TableName: this.tableName,
                Item: items[i]!,
                ConditionExpression: write.expectedRevision === 0 ? "attribute_not_exists(pk)" : "revision = :expected",
                ExpressionAttributeValues: write.expectedRevision === 0 ? undefined : { ":expected": write.expectedRevision },
              },
            })),
          ],
        }),
      );
    } catch (error) {
      // Only a failed condition (or a concurrent transaction on the same item) means another delivery won.
      const conflict =
        error instanceof ConditionalCheckFailedException ||
        (error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((r) => r.Code === "ConditionalCheckFailed" || r.Code === "TransactionConflict"));
      if (conflict) throw new ConcurrencyConflict(`checkpoint#${projection}#${streamId}`, fromVersion, "stream-moved-on");
      throw toStoreUnavailable("commit read model", error);
    }
  }

  /** The item a write lays out, refused when DynamoDB could not hold it. */
  private checkedItem(projection: string, write: Pick<DocumentWrite, "docId" | "doc" | "revision" | "listing">): Record<string, unknown> {
    const item = this.documentItem(projection, write);
    const size = dynamoItemSize(item);
    if (size > this.maxItemBytes) throw new DocumentTooLarge(projection, write.docId, size, this.maxItemBytes);
    return item;
  }

  documentItem(projection: string, write: Pick<DocumentWrite, "docId" | "doc" | "revision" | "listing">) {
    return {
      ...docKey(projection, write.docId),
      projection,
      doc: JSON.stringify(write.doc),
      revision: write.revision,
      ...(write.listing ? { listPk: `${projection}#${write.listing.list}`, listSk: write.listing.sortKey } : {}),
    };
  }

  /** One Query of a list on the list index: the whole list, or the sort keys between two (inclusive), at most `limit` items. */
  private queryList(projection: string, list: string, startKey: Record<string, unknown> | undefined, range?: { readonly from: string; readonly to: string; readonly limit: number }): Promise<QueryCommandOutput> {
    return this.call("list documents", () =>
      this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: readModelsTable.globalIndexes[0]!.indexName,
          KeyConditionExpression: range ? "listPk = :l AND listSk BETWEEN :from AND :to" : "listPk = :l",
          ExpressionAttributeValues: { ":l": `${projection}#${list}`, ...(range ? { ":from": range.from, ":to": range.to } : {}) },
          ...(range ? { Limit: range.limit } : {}),
          ExclusiveStartKey: startKey,
        }),
      ),
    );
  }

  async list(projection: string, list: string): Promise<unknown[]> {
    const docs: unknown[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.queryList(projection, list, startKey);
      for (const item of page.Items ?? []) docs.push(JSON.parse(item.doc as string));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return docs;
  }

  /**
   * One page of a list between two sort keys (inclusive), in order: at most `limit` documents and,
   * past the first, at most `maxBytes` of them (so a page of large documents stays within a Lambda
   * response). `more` tells whether documents follow the last one returned.
   */
  async page(projection: string, list: string, range: { readonly from: string; readonly to: string; readonly limit: number; readonly maxBytes?: number }): Promise<ListPage> {
    const docs: unknown[] = [];
    const sortKeys: string[] = [];
    let bytes = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      // One more than asked: whether more follow is then known without another round trip.
      const page = await this.queryList(projection, list, startKey, { from: range.from, to: range.to, limit: range.limit + 1 - docs.length });
      for (const item of page.Items ?? []) {
        const text = item.doc as string;
        const size = Buffer.byteLength(text, "utf8");
        if (docs.length >= range.limit || (docs.length > 0 && range.maxBytes !== undefined && bytes + size > range.maxBytes)) return { docs, sortKeys, more: true };
        docs.push(JSON.parse(text));
        sortKeys.push(item.listSk as string);
        bytes += size;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return { docs, sortKeys, more: false };
  }

  /** Several documents at once (BatchGetItem, 100 a call): used by readers and the rebuild comparison. */
  async documentsById(projection: string, docIds: ReadonlyArray<string>): Promise<Map<string, StoredDocument>> {
    const found = new Map<string, StoredDocument>();
    for (let i = 0; i < docIds.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = docIds.slice(i, i + 100).map((id) => docKey(projection, id));
      while (keys && keys.length) {
        const result = await this.call("read documents", () =>
          this.documents.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys!, ConsistentRead: true } } })),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) {
          found.set((item.pk as string).slice(projection.length + 1), { doc: JSON.parse(item.doc as string), revision: item.revision as number });
        }
        keys = result.UnprocessedKeys?.[this.tableName]?.Keys as Record<string, unknown>[] | undefined;
      }
    }
    return found;
  }

  /** Every item of the table (documents and checkpoints), sorted by key: what a rebuild is compared on. */
  async dump(): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: ScanCommandOutput = await this.call("dump read models", () =>
        this.documents.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: startKey, ConsistentRead: true })),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items.sort((a, b) => `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`));
  }

  /** Unconditional bulk load into a fresh table (rebuilds only: nothing else writes there yet). */
  async load(items: ReadonlyArray<Record<string, unknown>>, onProgress?: (written: number) => void): Promise<void> {
    for (const item of items) {
      const size = dynamoItemSize(item);
      if (size > this.maxItemBytes) throw new DocumentTooLarge(String(item.projection ?? "read-models"), String(item.pk), size, this.maxItemBytes);
    }
    for (let i = 0; i < items.length; i += 25) {
      let requests: Array<Record<string, unknown>> | undefined = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests && requests.length; attempt++) {
        const result = await this.call("load read models", () =>
          this.documents.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests as never } })),
        );
        requests = result.UnprocessedItems?.[this.tableName] as Array<Record<string, unknown>> | undefined;
        if (requests?.length) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
      }
      onProgress?.(Math.min(i + 25, items.length));
    }
  }

  /** Several streams' checkpoints at once (BatchGetItem, 100 a call): what a catch-up compares with the log. */
  async checkpoints(projection: string, streamIds: ReadonlyArray<string>): Promise<Map<string, number>> {
    const found = new Map<string, number>(streamIds.map((id) => [id, 0]));
    const prefix = `checkpoint#${projection}#`;
    for (let i = 0; i < streamIds.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = streamIds.slice(i, i + 100).map((id) => checkpointKey(projection, id));
      while (keys && keys.length) {
        const result = await this.call("read checkpoints", () =>
          this.documents.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys!, ConsistentRead: true } } })),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) found.set((item.pk as string).slice(prefix.length), item.version as number);
        keys = result.UnprocessedKeys?.[this.tableName]?.Keys as Record<string, unknown>[] | undefined;
      }
    }
    return found;
  }

  checkpointItem(projection: string, streamId: string, version: number) {
    return { ...checkpointKey(projection, streamId), version };
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw toStoreUnavailable(operation, error);
    }
  }
}
