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
import { ConcurrencyConflict } from "../../domain/errors.ts";
import { toStoreUnavailable } from "../store/dynamodb-event-store.ts";
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

const docKey = (projection: string, docId: string) => ({ pk: `${projection}#${docId}`, sk: "doc" });
const checkpointKey = (projection: string, streamId: string) => ({ pk: `checkpoint#${projection}#${streamId}`, sk: "checkpoint" });

/** Read models and projector checkpoints in one DynamoDB table, so a document and its checkpoint move in one transaction. */
export class DynamoDbReadModelStore implements ReadModelStore {
  private readonly documents: DynamoDBDocumentClient;

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
            ...writes.map((write) => ({
              Put: {
                TableName: this.tableName,
                Item: this.documentItem(projection, write),
                ConditionExpression: write.expectedRevision === 0 ? "attribute_not_exists(pk)" : "revision = :expected",
                ExpressionAttributeValues: write.expectedRevision === 0 ? undefined : { ":expected": write.expectedRevision },
              },
            })),
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException || error instanceof ConditionalCheckFailedException) {
        throw new ConcurrencyConflict(`checkpoint#${projection}#${streamId}`, fromVersion, "stream-moved-on");
      }
      throw toStoreUnavailable("commit read model", error);
    }
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

  async list(projection: string, list: string): Promise<unknown[]> {
    const docs: unknown[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await this.call("list documents", () =>
        this.documents.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: readModelsTable.globalIndexes[0]!.indexName,
            KeyConditionExpression: "listPk = :l",
            ExpressionAttributeValues: { ":l": `${projection}#${list}` },
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of page.Items ?? []) docs.push(JSON.parse(item.doc as string));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return docs;
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
