import { createHash } from "node:crypto";
import { mkdir, open, readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod";
import { canonicalJson } from "../events/canonical-json.ts";
import { Instant } from "../events/primitives.ts";

/** The last event of a stream as a read saw it. */
export const StreamHead = z.object({ version: z.number().int().positive(), hash: z.string(), schemeId: z.string() }).strict();
export type StreamHead = z.infer<typeof StreamHead>;

/**
 * Every stream's head at one moment, with a digest over them. A per-stream hash chain cannot show
 * a deleted tail or a deleted stream; comparing the log with a checkpoint kept where the writers
 * cannot change it can. `schemeId` per stream lets a read of some schemes be compared with it.
 */
export const Checkpoint = z
  .object({
    takenAt: Instant,
    streams: z.record(z.string(), StreamHead),
    /** sha256 over the canonical JSON of `streams`. */
    digest: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();
export type Checkpoint = z.infer<typeof Checkpoint>;

export class CheckpointUnreadable extends Error {
  override name = "CheckpointUnreadable";
}

export const digestOf = (streams: Checkpoint["streams"]) => createHash("sha256").update(canonicalJson(streams)).digest("hex");

export function checkpointOf(heads: ReadonlyMap<string, StreamHead>, takenAt: Date): Checkpoint {
  const streams = Object.fromEntries([...heads].sort(([a], [b]) => (a < b ? -1 : 1)));
  return { takenAt: takenAt.toISOString(), streams, digest: digestOf(streams) };
}

/** Reads a checkpoint and proves it is whole: the digest must match its streams. */
export function parseCheckpoint(text: string, where: string): Checkpoint {
  let parsed: Checkpoint;
  try {
    parsed = Checkpoint.parse(JSON.parse(text));
  } catch (error) {
    throw new CheckpointUnreadable(`${where} is not a checkpoint: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (digestOf(parsed.streams) !== parsed.digest) throw new CheckpointUnreadable(`${where}: the digest does not match its streams (altered checkpoint)`);
  return parsed;
}

/** Where checkpoints are kept, out of the writers' reach: never overwritten, never deleted. */
export interface CheckpointStore {
  /** Stores the checkpoint and returns where; fails rather than replace one taken at the same moment. */
  write(checkpoint: Checkpoint): Promise<string>;
  latest(): Promise<Checkpoint | undefined>;
}

/** Name that sorts as time does and that every file system accepts (no colons). */
export const checkpointName = (takenAt: string) => `checkpoint-${takenAt.replaceAll(":", "-")}.json`;

/** Locally: one file per checkpoint in a folder the back office never writes to. */
export class FolderCheckpointStore implements CheckpointStore {
  constructor(readonly folder = ".local/checkpoints") {}

  async write(checkpoint: Checkpoint): Promise<string> {
    await mkdir(this.folder, { recursive: true });
    const path = join(this.folder, checkpointName(checkpoint.takenAt));
    // "wx": fail if the file exists, so a checkpoint is never overwritten.
    const file = await open(path, "wx", 0o444);
    try {
      await file.writeFile(`${JSON.stringify(checkpoint, null, 2)}\n`);
    } finally {
      await file.close();
    }
    return path;
  }

  async latest(): Promise<Checkpoint | undefined> {
    let names: string[];
    try {
      names = await readdir(this.folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    const name = names.filter((n) => /^checkpoint-.*\.json$/.test(n)).sort().at(-1);
    if (!name) return undefined;
    const path = join(this.folder, name);
    return parseCheckpoint(await readFile(path, "utf8"), path);
  }
}
