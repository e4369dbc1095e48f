import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { DomainError } from "../../domain/errors.ts";
import { MAX_BUS_ENTRY_BYTES, busEntrySize } from "../store/limits.ts";
import type { BusMessage, EventBus } from "./routing.ts";

export class BusUnavailable extends DomainError {
  readonly code = "bus-unavailable";
  constructor(readonly failed: number, cause?: unknown) {
    super(`event bus refused ${failed} event(s)`, { cause });
    this.name = "BusUnavailable";
  }
}

/**
 * Publishes to EventBridge: PutEvents takes at most 10 entries, and a call can succeed while some
 * entries fail (FailedEntryCount), so only the failed entries are sent again, with backoff.
 */
export class EventBridgeBus implements EventBus {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly options: { maxAttempts?: number; backoffMs?: number } = {},
  ) {}

  /** PutEvents takes at most 10 entries of less than 256 KB together: batches are cut by count and by size. */
  async publish(messages: ReadonlyArray<BusMessage>): Promise<void> {
    let batch: BusMessage[] = [];
    let size = 0;
    for (const message of messages) {
      const entrySize = busEntrySize(message);
      if (batch.length === 10 || (batch.length > 0 && size + entrySize >= MAX_BUS_ENTRY_BYTES)) {
        await this.publishBatch(batch);
        batch = [];
        size = 0;
      }
      batch.push(message);
      size += entrySize;
    }
    if (batch.length) await this.publishBatch(batch);
  }

  private async publishBatch(batch: ReadonlyArray<BusMessage>): Promise<void> {
    let entries: PutEventsRequestEntry[] = batch.map((m) => ({
      EventBusName: this.busName,
      Source: m.source,
      DetailType: m.detailType,
      Detail: JSON.stringify(m.detail),
    }));
    const maxAttempts = this.options.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      let failed: PutEventsRequestEntry[];
      let cause: unknown;
      try {
        const result = await this.client.send(new PutEventsCommand({ Entries: entries }));
        const failedCount = result.FailedEntryCount ?? 0;
        failed = failedCount > 0 ? entries.filter((_, index) => result.Entries?.[index]?.ErrorCode) : [];
        // A count without per-entry errors cannot tell which failed: send the whole batch again.
        if (failedCount > 0 && failed.length === 0) failed = entries;
        cause = result.Entries?.find((e) => e.ErrorCode)?.ErrorCode;
      } catch (error) {
        failed = entries;
        cause = error;
      }
      if (failed.length === 0) return;
      if (attempt >= maxAttempts) throw new BusUnavailable(failed.length, cause);
      entries = failed;
      await new Promise((r) => setTimeout(r, (this.options.backoffMs ?? 50) * 2 ** (attempt - 1)));
    }
  }
}
