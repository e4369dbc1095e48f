import { PDFDocument } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { readWithoutParsing } from "../../functions/intake/form.ts";
import { pseudoRandomBytes } from "../support/mail.ts";

describe("issue 12 finding 3: what a PDF's bytes tell before it is parsed", () => {
  it("issue 12 finding 3: junk after a %PDF- header (no cross-reference at its end) and bytes with no header are not parsed at all", () => {
    expect(readWithoutParsing(Buffer.concat([Buffer.from("%PDF-1.7\n"), pseudoRandomBytes(200_000, 3)]))).toEqual({ kind: "not-a-pdf", why: expect.stringContaining("it is not a complete PDF") });
    expect(readWithoutParsing(pseudoRandomBytes(10_000, 4))).toEqual({ kind: "not-a-pdf", why: "it is not a PDF (no %PDF- header)" });
  });

  it("issue 12 finding 3: a form saved with object streams (pdf-lib's default: no literal /AcroForm) or without them is parsed; a PDF with neither /AcroForm nor object streams has no fields", async () => {
    const doc = await PDFDocument.create();
    doc.getForm().createTextField("scheme").addToPage(doc.addPage(), { x: 10, y: 10, width: 100, height: 20 });
    const compressed = await doc.save();
    expect(Buffer.from(compressed).includes("/AcroForm")).toBe(false);
    expect(readWithoutParsing(compressed)).toBeUndefined();
    expect(readWithoutParsing(await doc.save({ useObjectStreams: false }))).toBeUndefined();
    const plain = await PDFDocument.create();
    plain.addPage();
    expect(readWithoutParsing(await plain.save({ useObjectStreams: false }))).toEqual({ kind: "fields", fields: {} });
    // Junk dressed with a real-looking end goes to the worker (and its deadline).
    expect(readWithoutParsing(Buffer.concat([Buffer.from("%PDF-1.7\n/ObjStm"), pseudoRandomBytes(100_000, 5), Buffer.from("\nstartxref\n9\n%%EOF\n")]))).toBeUndefined();
  });
});
