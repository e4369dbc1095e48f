/**
 * AWS's size limits, checked before a write so that a request that could never be stored is told
 * so (413) instead of failing inside DynamoDB or, worse, after the append in the relay. DynamoDB
 * Local enforces the item limit loosely and nothing local enforces EventBridge's: this does.
 */

/** DynamoDB: one item, attribute names and values included. */
export const MAX_ITEM_BYTES = 400 * 1024;
/** DynamoDB: all items of one TransactWriteItems together. */
export const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;
/** EventBridge PutEvents: one entry (Source + DetailType + Detail + Resources + 14 for Time) must be less than this. */
export const MAX_BUS_ENTRY_BYTES = 256 * 1024;

const utf8 = (text: string) => Buffer.byteLength(text, "utf8");

/**
 * An item's size as DynamoDB counts it: each attribute's name plus its value (strings by their
 * UTF-8 bytes, numbers by their significant digits, maps and lists with their overhead).
 */
export function dynamoItemSize(item: Readonly<Record<string, unknown>>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    size += utf8(name) + valueSize(value);
  }
  return size;
}

function valueSize(value: unknown): number {
  if (value === null || typeof value === "boolean") return 1;
  if (typeof value === "string") return utf8(value);
  if (typeof value === "number" || typeof value === "bigint") {
    // About one byte per two significant digits, plus one; at most 21 bytes.
    const digits = String(value).replace(/^-/, "").replace(/e.*$/i, "").replace(".", "").replace(/^0+/, "").replace(/0+$/, "").length || 1;
    return Math.min(21, Math.ceil(digits / 2) + 1);
  }
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) return 3 + value.reduce<number>((sum, v) => sum + 1 + valueSize(v), 0);
  if (typeof value === "object") {
    return 3 + Object.entries(value as Record<string, unknown>).reduce((sum, [k, v]) => (v === undefined ? sum : sum + 1 + utf8(k) + valueSize(v)), 0);
  }
  return 0;
}

/** A PutEvents entry's size as EventBridge computes it (no Time, no Resources: the bus sets neither). */
export function busEntrySize(entry: { readonly source: string; readonly detailType: string; readonly detail: unknown }): number {
  return utf8(entry.source) + utf8(entry.detailType) + utf8(typeof entry.detail === "string" ? entry.detail : JSON.stringify(entry.detail));
}

const kb = (bytes: number) => `${Math.ceil(bytes / 1024)} KB`;

/** What a size limit refused, in words staff can act on. */
export function describeLimit(sizeBytes: number, limitBytes: number, limit: string): string {
  return `it would be ${kb(sizeBytes)}, and ${limit} holds at most ${kb(limitBytes)}`;
}
