import { createReadStream, createWriteStream } from "node:fs";
import { stat, unlink } from "node:fs/promises";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as z from "zod";
import { Instant, type RecordedEvent } from "../events/index.ts";
import { type EventItem, type StoredEventFields, recordedEventOf } from "../functions/store/dynamodb-event-store.ts";
import { LogScope, type StoredEvent, StoredEventShape, inPeriod, storedFieldsOf } from "./event-log.ts";

/** Names the file format in the header, so a reader refuses anything else rather than misread it. */
export const EXPORT_FORMAT = "subsidy-back-office/event-log@1";

/** The first line of an export. `eventCount` is there when the export went to a file (not to stdout). */
export const ExportHeader = z
  .object({
    format: z.literal(EXPORT_FORMAT),
    exportedAt: Instant,
    scope: LogScope,
    eventCount: z.number().int().nonnegative().optional(),
  })
  .strict();
export type ExportHeader = z.infer<typeof ExportHeader>;

export class ExportUnreadable extends Error {
  override name = "ExportUnreadable";
}

/** One stored event per line, exactly its stored fields (hash and previousHash included). */
const lineOf = (item: EventItem | StoredEvent) => `${JSON.stringify(storedFieldsOf(item))}\n`;

async function* exportLines(items: AsyncIterable<EventItem | StoredEvent>, scope: LogScope, counted: { events: number }) {
  const wanted = inPeriod(scope);
  for await (const item of items) {
    if (!wanted(item)) continue;
    counted.events++;
    yield lineOf(item);
  }
}

/**
 * Writes the log as JSON Lines: a header, then one stored event per line in the order read (the
 * global replay order). Events outside the scope's period are left out. To a file, the header
 * carries the event count, so a reader can tell a file cut short; the file is never overwritten.
 */
export async function writeExport(options: {
  items: AsyncIterable<EventItem | StoredEvent>;
  scope: LogScope;
  exportedAt: Date;
  to: string | NodeJS.WritableStream;
}): Promise<{ events: number }> {
  const counted = { events: 0 };
  const header = (eventCount?: number): ExportHeader => ({ format: EXPORT_FORMAT, exportedAt: options.exportedAt.toISOString(), scope: options.scope, eventCount });
  if (typeof options.to !== "string") {
    options.to.write(`${JSON.stringify(header())}\n`);
    await pipeline(Readable.from(exportLines(options.items, options.scope, counted)), options.to, { end: false });
    return counted;
  }
  // The count is known only at the end and belongs in the first line: write the events aside first.
  const path = options.to;
  const partial = `${path}.${process.pid}.partial`;
  try {
    await pipeline(Readable.from(exportLines(options.items, options.scope, counted)), createWriteStream(partial, { flags: "wx" }));
    await pipeline(
      Readable.from(
        (async function* () {
          yield `${JSON.stringify(header(counted.events))}\n`;
          yield* createReadStream(partial);
        })(),
      ),
      createWriteStream(path, { flags: "wx" }),
    );
  } finally {
    await unlink(partial).catch(() => undefined);
  }
  return counted;
}

export interface OpenedExport {
  readonly header: ExportHeader;
  /** Each line after the header: the parsed object, or the raw text when it is not JSON (verify reports it). */
  readonly records: AsyncIterable<unknown>;
}

/** Opens an export file and reads its header; the events are read as `records` is iterated. */
export async function openExport(path: string): Promise<OpenedExport> {
  try {
    if (!(await stat(path)).isFile()) throw new ExportUnreadable(`${path} is not a file`);
  } catch (error) {
    if (error instanceof ExportUnreadable) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ExportUnreadable(`cannot read ${path}: ${code === "ENOENT" ? "no such file" : (code ?? String(error))}`);
  }
  const lines = createInterface({ input: createReadStream(path, "utf8"), crlfDelay: Infinity })[Symbol.asyncIterator]();
  const first = await lines.next();
  const header = ExportHeader.safeParse(first.done ? undefined : parseJson(first.value));
  if (!header.success) throw new ExportUnreadable(`${path} is not an event-log export (${EXPORT_FORMAT}): its first line is not a valid header`);
  async function* records() {
    for (let line = await lines.next(); !line.done; line = await lines.next()) {
      if (line.value.trim() !== "") yield parseJson(line.value);
    }
  }
  return { header: header.data, records: records() };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The exported events as the domain reads them (upcast and validated), up to `until` when given. */
export async function* eventsOfExport(records: AsyncIterable<unknown>, until?: string): AsyncIterable<RecordedEvent> {
  let line = 1;
  for await (const record of records) {
    line++;
    const item = StoredEventShape.safeParse(record);
    if (!item.success) throw new ExportUnreadable(`line ${line} is not a stored event: run verify on the file`);
    if (until !== undefined && item.data.recordedAt > until) continue;
    yield recordedEventOf(storedFieldsOf(item.data));
  }
}

/** An earlier export as a lookup by stream and version: the reference `verify` names changed fields against. */
export async function referenceOf(opened: OpenedExport): Promise<(streamId: string, version: number) => StoredEventFields | undefined> {
  const events = new Map<string, StoredEventFields>();
  for await (const record of opened.records) {
    const item = StoredEventShape.safeParse(record);
    if (item.success) events.set(`${item.data.streamId}#${item.data.version}`, storedFieldsOf(item.data));
  }
  return (streamId, version) => events.get(`${streamId}#${version}`);
}
