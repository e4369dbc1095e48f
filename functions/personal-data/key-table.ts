import { ConditionalCheckFailedException, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, type QueryCommandOutput, ScanCommand, type ScanCommandOutput, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DataSubjectKind } from "../../events/personal-data.ts";
import { toStoreUnavailable } from "../store/dynamodb-event-store.ts";

export interface SubjectKeyItem {
  readonly subjectId: string;
  readonly kind: DataSubjectKind;
  readonly wrappedKey?: string;
  readonly createdAt: string;
  readonly erasedAt?: string;
}

/** The key table (functions/store/tables.ts `subjectKeysTable`) behind the vault; infrastructure errors become StoreUnavailable. */
export class SubjectKeyTable {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(client);
  }

  async pepper(): Promise<string | undefined> {
    const out = await this.call("read the lookup key", () => this.documents.send(new GetCommand({ TableName: this.tableName, Key: { pk: "pepper", sk: "pepper" } })));
    return out.Item?.wrappedKey as string | undefined;
  }

  /** Stores the lookup key unless one exists; returns the one that won. */
  async putPepper(wrappedKey: string): Promise<string> {
    return (await this.putOnce({ pk: "pepper", sk: "pepper", wrappedKey }, "wrappedKey")) as string;
  }

  async lookup(hash: string): Promise<string | undefined> {
    const out = await this.call("find a data subject", () => this.documents.send(new GetCommand({ TableName: this.tableName, Key: { pk: `lookup#${hash}`, sk: "subject" } })));
    return out.Item?.subjectId as string | undefined;
  }

  /** Binds a lookup hash to a subject unless it is bound already; returns the subject it is bound to (two writers agree). */
  async bindLookup(hash: string, subjectId: string): Promise<string> {
    const winner = (await this.putOnce({ pk: `lookup#${hash}`, sk: "subject", subjectId }, "subjectId")) as string;
    if (winner === subjectId) await this.call("bind a lookup", () => this.documents.send(new PutCommand({ TableName: this.tableName, Item: { pk: `subject#${subjectId}`, sk: `lookup#${hash}` } })));
    return winner;
  }

  async createSubject(item: SubjectKeyItem): Promise<void> {
    await this.call("create a data subject", () =>
      this.documents.send(new PutCommand({ TableName: this.tableName, Item: { pk: `subject#${item.subjectId}`, sk: "key", ...item }, ConditionExpression: "attribute_not_exists(pk)" })),
    );
  }

  async subjects(ids: ReadonlyArray<string>): Promise<Map<string, SubjectKeyItem>> {
    const found = new Map<string, SubjectKeyItem>();
    for (let i = 0; i < ids.length; i += 100) {
      let keys: Array<Record<string, unknown>> | undefined = ids.slice(i, i + 100).map((id) => ({ pk: `subject#${id}`, sk: "key" }));
      while (keys && keys.length > 0) {
        const batch = keys;
        const out = await this.call("read data subjects' keys", () => this.documents.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: batch } } })));
        for (const item of out.Responses?.[this.tableName] ?? []) found.set(item.subjectId as string, item as unknown as SubjectKeyItem);
        keys = out.UnprocessedKeys?.[this.tableName]?.Keys as Array<Record<string, unknown>> | undefined;
      }
    }
    return found;
  }

  /** Notes that a stream holds data of the subject (idempotent). */
  async reference(subjectId: string, streamId: string, schemeId: string): Promise<void> {
    await this.call("note a data subject's stream", () => this.documents.send(new PutCommand({ TableName: this.tableName, Item: { pk: `subject#${subjectId}`, sk: `stream#${streamId}`, schemeId } })));
  }

  async streamsOf(subjectId: string): Promise<Array<{ streamId: string; schemeId: string }>> {
    return (await this.partition(subjectId, "stream#")).map((item) => ({ streamId: (item.sk as string).slice("stream#".length), schemeId: item.schemeId as string }));
  }

  /**
   * Destroys the subject's key (crypto-shredding) and forgets its lookups, so data recorded for the
   * same person later gets a new subject and key. Idempotent.
   */
  async destroyKey(subjectId: string, erasedAt: string): Promise<void> {
    await this.call("destroy a data subject's key", () =>
      this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `subject#${subjectId}`, sk: "key" },
          UpdateExpression: "REMOVE wrappedKey SET erasedAt = if_not_exists(erasedAt, :at)",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":at": erasedAt },
        }),
      ),
    );
    for (const item of await this.partition(subjectId, "lookup#")) {
      const hash = (item.sk as string).slice("lookup#".length);
      await this.call("forget a lookup", () => this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: `lookup#${hash}`, sk: "subject" }, ConditionExpression: "subjectId = :s", ExpressionAttributeValues: { ":s": subjectId } }))).catch((error) => {
        if (!(error instanceof Error && error.cause instanceof ConditionalCheckFailedException)) throw error;
      });
      await this.call("forget a lookup", () => this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: `subject#${subjectId}`, sk: item.sk as string } })));
    }
  }

  /** Every subject whose key still exists (the retention command's work list). */
  async *liveSubjects(): AsyncIterable<SubjectKeyItem> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: ScanCommandOutput = await this.call("list data subjects", () =>
        this.documents.send(
          new ScanCommand({ TableName: this.tableName, FilterExpression: "sk = :k AND attribute_exists(wrappedKey)", ExpressionAttributeValues: { ":k": "key" }, ExclusiveStartKey: startKey }),
        ),
      );
      for (const item of page.Items ?? []) yield item as unknown as SubjectKeyItem;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  private async partition(subjectId: string, prefix: string): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await this.call("read a data subject", () =>
        this.documents.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: "pk = :p AND begins_with(sk, :prefix)",
            ExpressionAttributeValues: { ":p": `subject#${subjectId}`, ":prefix": prefix },
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  private async putOnce(item: Record<string, unknown>, attribute: string): Promise<unknown> {
    try {
      await this.documents.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: "attribute_not_exists(pk)" }));
      return item[attribute];
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw toStoreUnavailable("write the key table", error);
      const out = await this.call("read the key table", () => this.documents.send(new GetCommand({ TableName: this.tableName, Key: { pk: item.pk, sk: item.sk }, ConsistentRead: true })));
      return out.Item?.[attribute];
    }
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw toStoreUnavailable(operation, error);
    }
  }
}
