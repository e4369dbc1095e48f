import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectLockRetention, ObjectOwnership, StorageClass } from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import type { StageConfig } from "./stages.ts";

/** Where SES writes each received message (the object key is this prefix plus the SES message id). */
export const RAW_MAIL_PREFIX = "raw/";
/** Where documents taken from mail (attachments) are kept; events refer to them by key and hash. */
export const DOCUMENTS_PREFIX = "documents/";

/**
 * The back office's buckets: raw mail and documents, the auditors' checkpoints under Object Lock,
 * and the server access logs of both. All private, TLS only, S3-managed encryption.
 */
export class Storage extends Construct {
  /** Raw mail (`raw/`) and the documents taken from it (`documents/`). */
  readonly mail: Bucket;
  /** Tamper-evidence checkpoints: digests of every stream's head, under Object Lock (COMPLIANCE). */
  readonly checkpoints: Bucket;
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, config: StageConfig) {
    super(scope, id);
    const disposable = config.removalPolicy === RemovalPolicy.DESTROY;
    const common = {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // Server access logs need SSE-S3 on their target; the data buckets use it too (no key to manage).
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    };

    this.accessLogs = new Bucket(this, "AccessLogs", {
      ...common,
      lifecycleRules: [{ id: "expire-access-logs", expiration: config.accessLogExpiration, abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy: config.removalPolicy,
      autoDeleteObjects: disposable,
    });

    this.mail = new Bucket(this, "Mail", {
      ...common,
      // An overwritten or deleted message or document stays recoverable for a while.
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: "mail/",
      lifecycleRules: [
        // Mail is read when it arrives and rarely after. (S3 does not transition objects under 128 KB.)
        { id: "infrequent-access-after-90-days", transitions: [{ storageClass: StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(90) }] },
        { id: "expire-noncurrent-versions", noncurrentVersionExpiration: config.mailNoncurrentVersionExpiration },
        { id: "abort-incomplete-uploads", abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      removalPolicy: config.removalPolicy,
      autoDeleteObjects: disposable,
    });

    this.checkpoints = new Bucket(this, "Checkpoints", {
      ...common,
      versioned: true,
      objectLockEnabled: true,
      // COMPLIANCE: no one, root included, can delete or overwrite a checkpoint version or shorten its retention.
      objectLockDefaultRetention: ObjectLockRetention.compliance(config.checkpointRetention),
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: "checkpoints/",
      // Locked versions cannot be deleted before their retention ends, so CloudFormation could not empty
      // the bucket either: every stage keeps it (a dev bucket can be removed by hand a day later).
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
