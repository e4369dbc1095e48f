import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_ITEM_BYTES, busEntrySize, dynamoItemSize } from "../../functions/store/limits.ts";

describe("finding 3: sizes are counted as DynamoDB and EventBridge count them", () => {
  it("an item's size is its attribute names plus values: strings by UTF-8 bytes, numbers by significant digits", () => {
    expect(dynamoItemSize({ a: "xyz" })).toBe(1 + 3);
    // "é" is two bytes in UTF-8, "€" three.
    expect(dynamoItemSize({ naam: "é€" })).toBe(4 + 5);
    expect(dynamoItemSize({ n: 7 })).toBe(1 + 2);
    expect(dynamoItemSize({ n: 123_456_789_012 })).toBe(1 + 7);
    expect(dynamoItemSize({ skipped: undefined, flag: true })).toBe(4 + 1);
    expect(dynamoItemSize({ m: { k: "v" }, l: ["ab"] })).toBe(1 + 3 + 1 + 1 + 1 + (1 + 3 + 1 + 2));
  });

  it("property: a string attribute counts exactly its UTF-8 bytes, however it is written", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), (text) => {
        expect(dynamoItemSize({ t: text })).toBe(1 + Buffer.byteLength(text, "utf8"));
      }),
    );
  });

  it("an entry's size is Source + DetailType + Detail in UTF-8 bytes, the detail as the JSON sent", () => {
    expect(busEntrySize({ source: "ab", detailType: "Cd", detail: { x: "é" } })).toBe(2 + 2 + Buffer.byteLength('{"x":"é"}'));
    expect(busEntrySize({ source: "ab", detailType: "Cd", detail: '{"x":1}' })).toBe(2 + 2 + 7);
  });

  it("the item limit is DynamoDB's 400 KB", () => {
    expect(MAX_ITEM_BYTES).toBe(409_600);
  });
});
