import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { type Checkpoint, type CheckpointStore, parseCheckpoint } from "./checkpoint.ts";

/** The latest instant a JS Date can hold: keys count down from it so the newest checkpoint lists first. */
const LAST_INSTANT_MS = 8_640_000_000_000_000;

/**
 * `<prefix><countdown>-<takenAt>.json`: S3 lists keys in ascending order, so a countdown makes the
 * latest checkpoint the first key, found with one ListObjectsV2 call however many there are.
 */
export const checkpointKey = (prefix: string, takenAt: string) =>
  `${prefix}${String(LAST_INSTANT_MS - Date.parse(takenAt)).padStart(16, "0")}-${takenAt}.json`;

export interface S3CheckpointStoreOptions {
  readonly client: S3Client;
  /** A bucket created with Object Lock enabled. */
  readonly bucket: string;
  readonly prefix?: string;
  /** How long no one, root included, may delete or overwrite a checkpoint (COMPLIANCE mode). */
  readonly retentionYears?: number;
}

/**
 * On AWS: each checkpoint an S3 object under Object Lock in COMPLIANCE mode, so neither the
 * back office's writers nor an administrator can change or delete it before the retention ends.
 * Seven years by default: the Dutch bookkeeping retention period (bewaarplicht).
 */
export class S3CheckpointStore implements CheckpointStore {
  private readonly prefix: string;
  private readonly retentionYears: number;

  constructor(private readonly options: S3CheckpointStoreOptions) {
    this.prefix = options.prefix ?? "checkpoints/";
    this.retentionYears = options.retentionYears ?? 7;
  }

  async write(checkpoint: Checkpoint): Promise<string> {
    const key = checkpointKey(this.prefix, checkpoint.takenAt);
    const retainUntil = new Date(checkpoint.takenAt);
    retainUntil.setUTCFullYear(retainUntil.getUTCFullYear() + this.retentionYears);
    await this.options.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: key,
        Body: JSON.stringify(checkpoint),
        ContentType: "application/json",
        ObjectLockMode: "COMPLIANCE",
        ObjectLockRetainUntilDate: retainUntil,
        // Object Lock requires an integrity checksum on the upload; never replace an existing key.
        ChecksumAlgorithm: "SHA256",
        IfNoneMatch: "*",
      }),
    );
    return `s3://${this.options.bucket}/${key}`;
  }

  async latest(): Promise<Checkpoint | undefined> {
    const listed = await this.options.client.send(new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: this.prefix, MaxKeys: 1 }));
    const key = listed.Contents?.[0]?.Key;
    if (!key) return undefined;
    const object = await this.options.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
    const text = await object.Body?.transformToString("utf8");
    return parseCheckpoint(text ?? "", `s3://${this.options.bucket}/${key}`);
  }
}
