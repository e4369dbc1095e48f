import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The local stand-in for the KMS key that wraps data subjects' keys (issue 16): made on first use, readable by you alone, never committed. */
export function localWrappingKey(file = join(process.cwd(), ".local", "wrapping-key")): Uint8Array {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString("base64"), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return new Uint8Array(Buffer.from(readFileSync(file, "utf8").trim(), "base64"));
}
