import { ConditionalCheckFailedException, DynamoDBClient, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { ConcurrencyConflict, StoreUnavailable } from "../../domain/errors.ts";
import type { EventMetadata, NewEvent } from "../../events/index.ts";
import { DynamoDbEventStore } from "../../functions/store/dynamodb-event-store.ts";
import type { StreamAppend } from "../../functions/store/event-store.ts";

// The adapter wraps its DynamoDBClient in DynamoDBDocumentClient.from(...), whose `send` does not
// go through DynamoDBClient.prototype.send; so the document client is the one to mock, with the
// document commands (PutCommand, TransactWriteCommand, GetCommand, QueryCommand).
const documents = mockClient(DynamoDBDocumentClient);
const TABLE = "events-test";

const metadata: EventMetadata = { actor: "u1", role: "admin", channel: "api", correlationId: "corr-1" };

const tranche = (amountCents: number): NewEvent => ({
  type: "BudgetTrancheReleased",
  data: { schemeId: "verduurzamen-2025", schemeVersion: "sha256:test", budgetLineId: "board-reserve", amountCents, boardDecision: "board 2025-11" },
});

const append = (streamId: string, expectedVersion: number, events: NewEvent[] = [tranche(1)]): StreamAppend => ({
  streamId,
  expectedVersion,
  schemeId: "verduurzamen-2025",
  events,
  metadata,
});

function newStore(): DynamoDbEventStore {
  const client = new DynamoDBClient({ region: "eu-west-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  return new DynamoDbEventStore({ client, tableName: TABLE, now: () => new Date("2025-06-12T10:00:00.000Z") });
}

const sdkError = (name: string, message = name) => Object.assign(new Error(message), { name, $fault: "client", $metadata: { httpStatusCode: 400 } });

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the append to fail, it succeeded");
}

beforeEach(() => {
  documents.reset();
});

afterAll(() => {
  documents.restore();
});

describe("DynamoDbEventStore error mapping", () => {
  it("a successful single-event append is one conditional Put, and needs no head read at expected version 0", async () => {
    // Prepare
    documents.on(PutCommand).resolves({});

    // Act
    const [recorded] = await newStore().append([append("scheme#verduurzamen-2025", 0)]);

    // Assess
    expect(recorded).toMatchObject({ streamId: "scheme#verduurzamen-2025", version: 1, type: "BudgetTrancheReleased" });
    expect(documents.commandCalls(GetCommand)).toHaveLength(0);
    const put = documents.commandCalls(PutCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ TableName: TABLE, ConditionExpression: "attribute_not_exists(streamId)" });
  });

  it("R-X-02 a ConditionalCheckFailedException on Put becomes ConcurrencyConflict stream-moved-on, without a further read (the caller reads the stream again anyway)", async () => {
    // Prepare
    documents.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} }));

    // Act
    const error = await failureOf(newStore().append([append("scheme#verduurzamen-2025", 0)]));

    // Assess
    expect(error).toBeInstanceOf(ConcurrencyConflict);
    expect(error).toMatchObject({ streamId: "scheme#verduurzamen-2025", expectedVersion: 0, reason: "stream-moved-on", actualVersion: undefined });
    expect(documents.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it("a conflict after a consistent head read names the expected version the caller decided on", async () => {
    // Prepare: the head at version 2 exists, version 3 was taken by someone else
    const head = {
      streamId: "application#a1",
      version: 2,
      hash: "a".repeat(64),
      recordedAt: "2025-06-12T09:00:00.000Z",
    };
    documents.on(GetCommand).resolves({ Item: head });
    documents.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} }));

    // Act
    const error = await failureOf(newStore().append([append("application#a1", 2)]));

    // Assess
    expect(error).toMatchObject({ reason: "stream-moved-on", expectedVersion: 2 });
    expect(documents.commandCalls(GetCommand)[0]!.args[0].input).toMatchObject({ Key: { streamId: "application#a1", version: 2 }, ConsistentRead: true });
    const put = documents.commandCalls(PutCommand)[0]!.args[0].input;
    expect(put.Item).toMatchObject({ version: 3, previousHash: head.hash });
  });

  it("an expected version beyond the stream's end is ConcurrencyConflict beyond-stream-end and nothing is written", async () => {
    // Prepare
    documents.on(GetCommand).resolves({});
    documents.on(QueryCommand).resolves({ Items: [{ version: 1 }] });

    // Act
    const error = await failureOf(newStore().append([append("application#a1", 5)]));

    // Assess
    expect(error).toBeInstanceOf(ConcurrencyConflict);
    expect(error).toMatchObject({ reason: "beyond-stream-end", expectedVersion: 5, actualVersion: 1 });
    expect(documents.commandCalls(PutCommand)).toHaveLength(0);
    expect(documents.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it("R-X-02 a TransactionCanceledException with [None, ConditionalCheckFailed] names the stream of the second item", async () => {
    // Prepare
    documents.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: "Transaction cancelled",
        $metadata: {},
        CancellationReasons: [{ Code: "None" }, { Code: "ConditionalCheckFailed", Message: "The conditional request failed" }],
      }),
    );

    // Act
    const error = await failureOf(newStore().append([append("scheme#verduurzamen-2025", 0), append("application#a1", 0)]));

    // Assess
    expect(error).toBeInstanceOf(ConcurrencyConflict);
    expect(error).toMatchObject({ streamId: "application#a1", reason: "stream-moved-on" });
    const items = documents.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems ?? [];
    expect(items.map((i) => i.Put?.Item?.streamId)).toEqual(["scheme#verduurzamen-2025", "application#a1"]);
  });

  it("a cancellation reason maps to the stream of its own item when one stream has several events", async () => {
    // Prepare: items are [a v1, a v2, b v1]; the third fails
    documents.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: "Transaction cancelled",
        $metadata: {},
        CancellationReasons: [{ Code: "None" }, { Code: "None" }, { Code: "TransactionConflict" }],
      }),
    );

    // Act
    const error = await failureOf(newStore().append([append("scheme#a", 0, [tranche(1), tranche(2)]), append("scheme#b", 0)]));

    // Assess
    expect(error).toBeInstanceOf(ConcurrencyConflict);
    expect(error).toMatchObject({ streamId: "scheme#b", reason: "stream-moved-on", expectedVersion: 0 });
  });

  it("a TransactionCanceledException without a conflict reason (e.g. ThrottlingError) is StoreUnavailable, not a conflict", async () => {
    // Prepare
    documents.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: "Transaction cancelled",
        $metadata: {},
        CancellationReasons: [{ Code: "None" }, { Code: "ThrottlingError" }],
      }),
    );

    // Act
    const error = await failureOf(newStore().append([append("scheme#a", 0), append("scheme#b", 0)]));

    // Assess
    expect(error).toBeInstanceOf(StoreUnavailable);
    expect(error).not.toBeInstanceOf(ConcurrencyConflict);
  });

  it("a ThrottlingException on Put becomes StoreUnavailable, retryable, with no SDK error escaping", async () => {
    // Prepare
    const throttled = sdkError("ThrottlingException", "Rate of requests exceeds the allowed throughput");
    documents.on(PutCommand).rejects(throttled);

    // Act
    const error = await failureOf(newStore().append([append("scheme#verduurzamen-2025", 0)]));

    // Assess
    expect(error).toBeInstanceOf(StoreUnavailable);
    expect(error).toMatchObject({ code: "store-unavailable", operation: "append", retryable: true });
    expect((error as Error).name).toBe("StoreUnavailable");
    expect((error as Error).message).not.toContain("throughput");
    expect(documents.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it.each(["ProvisionedThroughputExceededException", "RequestLimitExceeded", "InternalServerError"])(
    "%s on Put is StoreUnavailable retryable",
    async (name) => {
      // Prepare
      documents.on(PutCommand).rejects(sdkError(name));

      // Act
      const error = await failureOf(newStore().append([append("scheme#x", 0)]));

      // Assess
      expect(error).toBeInstanceOf(StoreUnavailable);
      expect(error).toMatchObject({ retryable: true });
    },
  );

  it("an unknown SDK error (AccessDeniedException) becomes StoreUnavailable, not retryable", async () => {
    // Prepare
    documents.on(PutCommand).rejects(sdkError("AccessDeniedException", "User arn:aws:iam::123:role/x is not authorized"));

    // Act
    const error = await failureOf(newStore().append([append("scheme#verduurzamen-2025", 0)]));

    // Assess
    expect(error).toBeInstanceOf(StoreUnavailable);
    expect(error).toMatchObject({ operation: "append", retryable: false });
    expect((error as Error).message).not.toContain("arn:aws");
  });

  it("a connection refused while reading the head is StoreUnavailable retryable for that operation", async () => {
    // Prepare
    documents.on(GetCommand).rejects(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8000"), { code: "ECONNREFUSED" }));

    // Act
    const error = await failureOf(newStore().append([append("application#a1", 3)]));

    // Assess
    expect(error).toBeInstanceOf(StoreUnavailable);
    expect(error).toMatchObject({ operation: "read stream head", retryable: true });
    expect(documents.commandCalls(PutCommand)).toHaveLength(0);
  });

  it("a throttled read of a stream is StoreUnavailable retryable", async () => {
    // Prepare
    documents.on(QueryCommand).rejects(sdkError("ProvisionedThroughputExceededException"));

    // Act
    const error = await failureOf(newStore().readStream("application#a1"));

    // Assess
    expect(error).toBeInstanceOf(StoreUnavailable);
    expect(error).toMatchObject({ operation: "read stream", retryable: true });
  });

  it("a conflict is reported as a conflict while reads are throttled: it reads nothing more", async () => {
    // Prepare
    documents.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: "failed", $metadata: {} }));
    documents.on(QueryCommand).rejects(sdkError("ThrottlingException"));

    // Act
    const error = await failureOf(newStore().append([append("scheme#verduurzamen-2025", 0)]));

    // Assess
    expect(error).toBeInstanceOf(ConcurrencyConflict);
    expect(error).toMatchObject({ reason: "stream-moved-on", actualVersion: undefined });
    expect(documents.commandCalls(QueryCommand)).toHaveLength(0);
  });
});

describe("DynamoDbEventStore error mapping: retryability and metadata", () => {
  it("a transaction cancelled for throttling is StoreUnavailable and retryable", async () => {
    documents.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({ message: "throttled", $metadata: {}, CancellationReasons: [{ Code: "ThrottlingError" }, { Code: "None" }] }),
    );
    const error = await failureOf(newStore().append([append("scheme#t", 0, [tranche(1), tranche(2)])]));
    expect(error).toBeInstanceOf(StoreUnavailable);
    expect((error as StoreUnavailable).retryable).toBe(true);
  });

  it("R-X-05 metadata that breaks its schema is refused before anything is sent", async () => {
    const tooLong = { ...metadata, idempotencyKey: "k".repeat(201) };
    await expect(newStore().append([{ ...append("scheme#m", 0), metadata: tooLong }])).rejects.toThrow();
    expect(documents.calls()).toHaveLength(0);
  });
});
