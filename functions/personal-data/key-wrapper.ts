import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { DecryptCommand, EncryptCommand, type KMSClient } from "@aws-sdk/client-kms";

/**
 * Wraps each data subject's key before it is stored in the key table. On AWS a KMS key does it
 * (the key table alone, read by anyone, reveals nothing); locally a wrapping key of the machine.
 */
export interface KeyWrapper {
  wrap(key: Buffer): Promise<string>;
  unwrap(wrapped: string): Promise<Buffer>;
}

/** AES-256-GCM under a local 32-byte wrapping key (`.local/wrapping-key`, or a fresh one per test run). */
export class LocalKeyWrapper implements KeyWrapper {
  constructor(private readonly wrappingKey: Uint8Array) {
    if (wrappingKey.length !== 32) throw new Error("the local wrapping key must be 32 bytes");
  }

  async wrap(key: Buffer): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.wrappingKey, iv);
    const body = Buffer.concat([cipher.update(key), cipher.final()]);
    return `local1.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64url")}`;
  }

  async unwrap(wrapped: string): Promise<Buffer> {
    const raw = Buffer.from(wrapped.replace(/^local1\./, ""), "base64url");
    const decipher = createDecipheriv("aes-256-gcm", this.wrappingKey, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
  }
}

/**
 * KMS Encrypt/Decrypt of the 32-byte key (KMS takes up to 4 KB directly, no envelope needed). The
 * encryption context binds a wrapped key to its purpose, so it cannot be passed off as another secret.
 */
export class KmsKeyWrapper implements KeyWrapper {
  private static readonly context = { purpose: "data-subject-key" };

  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
  ) {}

  async wrap(key: Buffer): Promise<string> {
    const out = await this.kms.send(new EncryptCommand({ KeyId: this.keyId, Plaintext: key, EncryptionContext: KmsKeyWrapper.context }));
    if (!out.CiphertextBlob) throw new Error("KMS returned no ciphertext");
    return `kms1.${Buffer.from(out.CiphertextBlob).toString("base64url")}`;
  }

  async unwrap(wrapped: string): Promise<Buffer> {
    const out = await this.kms.send(
      new DecryptCommand({ KeyId: this.keyId, CiphertextBlob: Buffer.from(wrapped.replace(/^kms1\./, ""), "base64url"), EncryptionContext: KmsKeyWrapper.context }),
    );
    if (!out.Plaintext) throw new Error("KMS returned no plaintext");
    return Buffer.from(out.Plaintext);
  }
}
