import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, TrimmedDataAccessException } from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBRecord } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { StreamPoller } from "../../local/stream-poller.ts";

/**
 * The local stand-in for Lambda's event source mapping on the events table's stream. Under load
 * DynamoDB Local answered GetRecords with TrimmedDataAccessException for an iterator again and again:
 * the poller retried the same iterator forever and the relay handed on nothing more (a CI run with two
 * test workers: "the relay passed on 0 of 12 events within 60 s").
 */
const streams = mockClient(DynamoDBStreamsClient);
const STREAM = "arn:aws:dynamodb:ddblocal:000000000000:table/events/stream/2026-12-01T00:00:00.000";
const record = (sequence: string) => ({ eventName: "INSERT" as const, dynamodb: { SequenceNumber: sequence } });
const trimmed = () => new TrimmedDataAccessException({ message: "The operation attempted to read past the oldest stream record in a shard.", $metadata: {} });

afterEach(() => streams.reset());

/** Runs the poller until `done` holds (or a second passes), then stops it. */
async function poll(done: (seen: string[]) => boolean) {
  const seen: string[] = [];
  const errors: string[] = [];
  const poller = new StreamPoller({
    client: new DynamoDBStreamsClient({ region: "local" }),
    streamArn: STREAM,
    idleMs: 5,
    onRecords: async (records: DynamoDBRecord[]) => {
      seen.push(...records.map((r) => r.dynamodb!.SequenceNumber!));
      return { batchItemFailures: [] };
    },
    onError: (error) => errors.push((error as Error).name),
  });
  poller.start();
  const deadline = Date.now() + 1_000;
  while (!done(seen) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  await poller.stop();
  return { seen, errors };
}

describe("the local stream poller (Lambda's event source mapping on the events stream)", () => {
  it("takes a new iterator right after the last record handed on when the stream says the iterator is trimmed: nothing read twice, nothing missed", async () => {
    streams.on(DescribeStreamCommand).resolves({ StreamDescription: { Shards: [{ ShardId: "shard-1" }] } });
    streams.on(GetShardIteratorCommand, { ShardIteratorType: "TRIM_HORIZON" }).resolves({ ShardIterator: "it-1" });
    streams.on(GetShardIteratorCommand, { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: "100" }).resolves({ ShardIterator: "it-3" });
    streams.on(GetRecordsCommand, { ShardIterator: "it-1" }).resolves({ Records: [record("100")], NextShardIterator: "it-2" });
    streams.on(GetRecordsCommand, { ShardIterator: "it-2" }).rejects(trimmed());
    streams.on(GetRecordsCommand, { ShardIterator: "it-3" }).resolves({ Records: [record("101")], NextShardIterator: "it-4" });
    streams.on(GetRecordsCommand, { ShardIterator: "it-4" }).resolves({ Records: [], NextShardIterator: "it-4" });

    const { seen, errors } = await poll((s) => s.length >= 2);

    expect(seen).toEqual(["100", "101"]);
    expect(errors).toEqual(["TrimmedDataAccessException"]);
    expect(streams.commandCalls(GetShardIteratorCommand, { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: "100" })).toHaveLength(1);
  });

  it("starts again at the shard's oldest record when the iterator is trimmed before anything was handed on", async () => {
    streams.on(DescribeStreamCommand).resolves({ StreamDescription: { Shards: [{ ShardId: "shard-1" }] } });
    streams.on(GetShardIteratorCommand, { ShardIteratorType: "TRIM_HORIZON" }).resolvesOnce({ ShardIterator: "it-1" }).resolves({ ShardIterator: "it-2" });
    streams.on(GetRecordsCommand, { ShardIterator: "it-1" }).rejects(trimmed());
    streams.on(GetRecordsCommand, { ShardIterator: "it-2" }).resolves({ Records: [record("100")], NextShardIterator: "it-3" });
    streams.on(GetRecordsCommand, { ShardIterator: "it-3" }).resolves({ Records: [], NextShardIterator: "it-3" });

    const { seen } = await poll((s) => s.length >= 1);

    expect(seen).toEqual(["100"]);
    expect(streams.commandCalls(GetShardIteratorCommand, { ShardIteratorType: "TRIM_HORIZON" })).toHaveLength(2);
  });
});
