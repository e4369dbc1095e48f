import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, type GetRecordsCommandOutput, GetShardIteratorCommand, type _Record } from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBBatchResponse, DynamoDBRecord } from "aws-lambda";

export interface StreamPollerOptions {
  client: DynamoDBStreamsClient;
  streamArn: string;
  /** The same function Lambda's event source mapping would call with the batch. */
  onRecords: (records: DynamoDBRecord[]) => Promise<DynamoDBBatchResponse>;
  idleMs?: number;
  onError?: (error: unknown) => void;
}

interface ShardCursor {
  iterator: string | undefined;
  lastSequence: string | undefined;
}

/**
 * Reads a DynamoDB stream the way Lambda's event source mapping does: every shard in order,
 * batches handed to the relay, and on a reported failure the batch is read again from the
 * failed record (at-least-once).
 */
export class StreamPoller {
  private readonly cursors = new Map<string, ShardCursor>();
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: StreamPollerOptions) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    let round = 0;
    while (!this.stopped) {
      try {
        if (round++ % 50 === 0 || [...this.cursors.values()].every((c) => c.iterator === undefined)) await this.discoverShards();
        let received = 0;
        for (const [shardId, cursor] of this.cursors) received += await this.pollShard(shardId, cursor);
        if (received === 0) await sleep(this.options.idleMs ?? 50);
      } catch (error) {
        if (this.stopped) return;
        this.options.onError?.(error);
        await sleep(500);
      }
    }
  }

  /** An iterator just after `afterSequence` (nothing handed on is read twice, nothing missed), or at the shard's oldest record. */
  private async freshIterator(shardId: string, afterSequence: string | undefined): Promise<string | undefined> {
    const fresh = await this.options.client.send(
      new GetShardIteratorCommand(
        afterSequence
          ? { StreamArn: this.options.streamArn, ShardId: shardId, ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: afterSequence }
          : { StreamArn: this.options.streamArn, ShardId: shardId, ShardIteratorType: "TRIM_HORIZON" },
      ),
    );
    return fresh.ShardIterator;
  }

  private async discoverShards(): Promise<void> {
    let exclusiveStartShardId: string | undefined;
    do {
      const description = await this.options.client.send(new DescribeStreamCommand({ StreamArn: this.options.streamArn, ExclusiveStartShardId: exclusiveStartShardId }));
      for (const shard of description.StreamDescription?.Shards ?? []) {
        if (!shard.ShardId || this.cursors.has(shard.ShardId)) continue;
        const iterator = await this.options.client.send(
          new GetShardIteratorCommand({ StreamArn: this.options.streamArn, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON" }),
        );
        this.cursors.set(shard.ShardId, { iterator: iterator.ShardIterator, lastSequence: undefined });
      }
      exclusiveStartShardId = description.StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
  }

  private async pollShard(shardId: string, cursor: ShardCursor): Promise<number> {
    if (!cursor.iterator) return 0;
    let page: GetRecordsCommandOutput;
    try {
      page = await this.options.client.send(new GetRecordsCommand({ ShardIterator: cursor.iterator, Limit: 100 }));
    } catch (error) {
      if (!isStaleIterator(error)) throw error;
      // The iterator can no longer be read (DynamoDB Local answers TrimmedDataAccessException under load;
      // AWS expires iterators after 15 minutes). Retrying it would fail forever and stop the relay, so a
      // new one starts right after the last record handed on, or at the oldest record when none was.
      this.options.onError?.(error);
      cursor.iterator = await this.freshIterator(shardId, cursor.lastSequence);
      return 0;
    }
    const records = (page.Records ?? []) as unknown as DynamoDBRecord[];
    if (records.length) {
      const result = await this.options.onRecords(records);
      const failed = result.batchItemFailures[0]?.itemIdentifier;
      if (failed) {
        // Read again from the failed record, as Lambda does with ReportBatchItemFailures.
        const retry = await this.options.client.send(
          new GetShardIteratorCommand({ StreamArn: this.options.streamArn, ShardId: shardId, ShardIteratorType: "AT_SEQUENCE_NUMBER", SequenceNumber: failed }),
        );
        cursor.iterator = retry.ShardIterator;
        await sleep(200);
        return records.length;
      }
      cursor.lastSequence = (records.at(-1) as unknown as _Record).dynamodb?.SequenceNumber;
    }
    cursor.iterator = page.NextShardIterator;
    return records.length;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An iterator the stream will not read again: a new one is needed, not a retry. */
const isStaleIterator = (error: unknown): boolean => error instanceof Error && (error.name === "TrimmedDataAccessException" || error.name === "ExpiredIteratorException");
