import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { CheckpointUnreadable, FolderCheckpointStore, type StreamHead, checkpointOf, parseCheckpoint } from "../../audit/checkpoint.ts";
import { S3CheckpointStore, checkpointKey } from "../../audit/s3-checkpoint-store.ts";

const heads = (entries: Array<[string, number]>) =>
  new Map<string, StreamHead>(entries.map(([streamId, version]) => [streamId, { version, hash: String(version).padStart(64, "a"), schemeId: "technohubs-2020" }]));

describe("R-X-01 checkpoints: every stream's head, with a digest", () => {
  it("the digest depends on the heads, not on the order they were read in", () => {
    const one = checkpointOf(heads([["scheme#a", 3], ["application#b", 1]]), new Date("2025-01-01T00:00:00.000Z"));
    const two = checkpointOf(heads([["application#b", 1], ["scheme#a", 3]]), new Date("2025-01-01T00:00:00.000Z"));
    const moved = checkpointOf(heads([["application#b", 1], ["scheme#a", 4]]), new Date("2025-01-01T00:00:00.000Z"));

    expect(two.digest).toBe(one.digest);
    expect(moved.digest).not.toBe(one.digest);
    expect(Object.keys(one.streams)).toEqual(["application#b", "scheme#a"]);
  });

  it("a checkpoint whose streams were altered after it was taken is refused", () => {
    const taken = checkpointOf(heads([["scheme#a", 3]]), new Date());
    const altered = { ...taken, streams: { "scheme#a": { ...taken.streams["scheme#a"]!, version: 2 } } };

    expect(parseCheckpoint(JSON.stringify(taken), "taken")).toEqual(taken);
    expect(() => parseCheckpoint(JSON.stringify(altered), "altered")).toThrow(CheckpointUnreadable);
    expect(() => parseCheckpoint("{}", "empty")).toThrow(/is not a checkpoint/);
  });
});

describe("checkpoints in a local folder", () => {
  const folders: string[] = [];
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), "checkpoints-"));
    folders.push(folder);
  });
  afterAll(async () => {
    await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })));
  });

  it("are never overwritten: a second checkpoint taken at the same moment is refused", async () => {
    const store = new FolderCheckpointStore(folder);
    const first = checkpointOf(heads([["scheme#a", 1]]), new Date("2025-03-01T12:00:00.000Z"));
    const second = checkpointOf(heads([["scheme#a", 2]]), new Date("2025-03-01T12:00:00.000Z"));

    const path = await store.write(first);

    await expect(store.write(second)).rejects.toMatchObject({ code: "EEXIST" });
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual(first);
    expect(await readdir(folder)).toEqual(["checkpoint-2025-03-01T12-00-00.000Z.json"]);
  });

  it("the latest is the one taken last, whatever order they were written in", async () => {
    const store = new FolderCheckpointStore(folder);
    for (const [at, version] of [["2025-03-02T00:00:00.000Z", 2], ["2025-12-31T23:59:59.999Z", 9], ["2025-03-10T00:00:00.000Z", 5]] as const) {
      await store.write(checkpointOf(heads([["scheme#a", version]]), new Date(at)));
    }

    const latest = await store.latest();

    expect(latest?.takenAt).toBe("2025-12-31T23:59:59.999Z");
    expect(await new FolderCheckpointStore(join(folder, "none-yet")).latest()).toBeUndefined();
  });
});

describe("checkpoints in S3 under Object Lock (request shape only)", () => {
  const s3 = mockClient(S3Client);
  const client = new S3Client({ region: "eu-west-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  beforeEach(() => s3.reset());
  afterAll(() => s3.restore());

  it("PutObject locks the checkpoint in COMPLIANCE mode for the retention period and never replaces a key", async () => {
    s3.on(PutObjectCommand).resolves({});
    const checkpoint = checkpointOf(heads([["scheme#a", 3]]), new Date("2025-06-12T10:00:00.000Z"));

    const location = await new S3CheckpointStore({ client, bucket: "audit-checkpoints", prefix: "log/" }).write(checkpoint);

    const [call] = s3.commandCalls(PutObjectCommand);
    const input = call!.args[0].input;
    expect(input).toMatchObject({
      Bucket: "audit-checkpoints",
      ObjectLockMode: "COMPLIANCE",
      ObjectLockRetainUntilDate: new Date("2032-06-12T10:00:00.000Z"),
      IfNoneMatch: "*",
      ChecksumAlgorithm: "SHA256",
      ContentType: "application/json",
    });
    expect(input.Key).toBe(checkpointKey("log/", checkpoint.takenAt));
    expect(JSON.parse(input.Body as string)).toEqual(checkpoint);
    expect(location).toBe(`s3://audit-checkpoints/${input.Key}`);
  });

  it("keys count down, so the newest checkpoint is the first key S3 lists", () => {
    const older = checkpointKey("log/", "2025-01-01T00:00:00.000Z");
    const newer = checkpointKey("log/", "2026-01-01T00:00:00.000Z");
    expect([older, newer].sort()).toEqual([newer, older]);
  });

  it("latest lists one key and reads that object, checking its digest", async () => {
    const checkpoint = checkpointOf(heads([["scheme#a", 3]]), new Date("2025-06-12T10:00:00.000Z"));
    const key = checkpointKey("checkpoints/", checkpoint.takenAt);
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: key }] });
    s3.on(GetObjectCommand).resolves({ Body: { transformToString: async () => JSON.stringify(checkpoint) } as never });

    const latest = await new S3CheckpointStore({ client, bucket: "audit-checkpoints", retentionYears: 10 }).latest();

    expect(latest).toEqual(checkpoint);
    expect(s3.commandCalls(ListObjectsV2Command)[0]!.args[0].input).toEqual({ Bucket: "audit-checkpoints", Prefix: "checkpoints/", MaxKeys: 1 });
    expect(s3.commandCalls(GetObjectCommand)[0]!.args[0].input).toEqual({ Bucket: "audit-checkpoints", Key: key });
  });
});
