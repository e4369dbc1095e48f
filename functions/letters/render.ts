import { createHash } from "node:crypto";
import { PDFDocument, type PDFFont, type PDFPage, StandardFonts, rgb } from "pdf-lib";
import type { LetterBlock, LetterDocument } from "../../domain/letter-content.ts";

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 56;
const WIDTH = A4[0] - 2 * MARGIN;
const INK = rgb(0.1, 0.1, 0.1);
const GREY = rgb(0.4, 0.4, 0.4);

export interface RenderedLetter {
  readonly pdf: Uint8Array;
  readonly sha256: string;
  readonly bytes: number;
  readonly pages: number;
}

/**
 * Lays a letter out as an A4 PDF (pdf-lib, Helvetica). Deterministic: the document's dates are the
 * letter's own (`fixedAt`), never the clock, so the same letter renders to the same bytes and a
 * re-send can prove by its hash that it is the letter recorded.
 */
export async function renderLetterPdf(letter: LetterDocument, fixedAt: Date): Promise<RenderedLetter> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  doc.setTitle(letter.subject);
  doc.setSubject(`${letter.kind} ${letter.reference}`);
  doc.setAuthor(letter.sender.name);
  doc.setProducer("subsidy back office");
  doc.setCreator(`subsidy back office, template ${letter.template}`);
  doc.setLanguage("nl-NL");
  doc.setCreationDate(fixedAt);
  doc.setModificationDate(fixedAt);

  let page: PDFPage = doc.addPage(A4);
  let y = A4[1] - MARGIN;
  const newPage = () => {
    page = doc.addPage(A4);
    y = A4[1] - MARGIN;
  };
  const room = (height: number) => {
    if (y - height < MARGIN + 20) newPage();
  };
  const line = (text: string, size: number, face: PDFFont = font, x = MARGIN, color = INK) => {
    room(size + 4);
    page.drawText(encodable(text, face), { x, y: y - size, size, font: face, color });
    y -= size + 4;
  };
  const write = (text: string, size = 10, face: PDFFont = font, indent = 0) => {
    for (const part of wrap(encodable(text, face), face, size, WIDTH - indent)) line(part, size, face, MARGIN + indent);
  };

  // Letterhead and address block.
  line(letter.sender.name, 16, bold);
  for (const text of letter.sender.lines) line(text, 9, font, MARGIN, GREY);
  y -= 24;
  for (const text of letter.addressee) write(text, 10);
  y -= 16;
  line(`Datum: ${letter.date}`, 10);
  line(`Kenmerk: ${letter.reference}`, 10);
  y -= 8;
  write(`Betreft: ${letter.subject}`, 11, bold);
  y -= 10;

  for (const block of letter.blocks) drawBlock(block);
  y -= 10;
  // The closing stays together: "Met vriendelijke groet," never ends a page alone.
  room(letter.signature.length * 14 + 4);
  for (const text of letter.signature) write(text, 10);

  // Page numbers once the page count is known: "pagina 1 van 2".
  const pages = doc.getPages();
  pages.forEach((p, index) => {
    p.drawText(`${letter.reference} - pagina ${index + 1} van ${pages.length}`, { x: MARGIN, y: MARGIN - 20, size: 8, font, color: GREY });
  });

  const pdf = await doc.save({ useObjectStreams: false });
  return { pdf, sha256: createHash("sha256").update(pdf).digest("hex"), bytes: pdf.byteLength, pages: pages.length };

  function drawBlock(block: LetterBlock) {
    switch (block.kind) {
      case "heading":
        y -= 6;
        write(block.text, 11, bold);
        break;
      case "paragraph":
        write(block.text, 10);
        y -= 6;
        break;
      case "bullets":
        for (const item of block.items) {
          const parts = wrap(encodable(item, font), font, 10, WIDTH - 14);
          parts.forEach((part, i) => {
            room(14);
            if (i === 0) page.drawText("-", { x: MARGIN + 2, y: y - 10, size: 10, font, color: INK });
            page.drawText(part, { x: MARGIN + 14, y: y - 10, size: 10, font, color: INK });
            y -= 14;
          });
        }
        y -= 6;
        break;
      case "rows": {
        const valueWidth = 130;
        for (const row of block.rows) {
          const face = row.emphasis ? bold : font;
          const labelParts = wrap(encodable(row.label, face), face, 10, WIDTH - valueWidth - 10);
          room(14 * labelParts.length);
          const value = encodable(row.value, face);
          const valueX = MARGIN + WIDTH - Math.min(face.widthOfTextAtSize(value, 10), valueWidth + 60);
          const top = y;
          // Label first, then its value: a reader copying the text gets "label value".
          for (const part of labelParts) {
            page.drawText(part, { x: MARGIN, y: y - 10, size: 10, font: face, color: INK });
            y -= 14;
          }
          page.drawText(value, { x: valueX, y: top - 10, size: 10, font: face, color: INK });
        }
        y -= 6;
        break;
      }
      default: {
        const unhandled: never = block;
        throw new Error(`unknown block ${JSON.stringify(unhandled)}`);
      }
    }
  }
}

/** The standard fonts encode WinAnsi only: anything else (an arrow, a CJK name) becomes "?" rather than failing the letter. */
function encodable(text: string, font: PDFFont): string {
  const supported = new Set(font.getCharacterSet());
  let out = "";
  for (const char of text.normalize("NFC")) {
    const code = char.codePointAt(0)!;
    if (char === "\n" || char === "\t") out += " ";
    else out += supported.has(code) ? char : "?";
  }
  return out;
}

function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = current ? `${current} ${word}` : word;
    if (current && font.widthOfTextAtSize(candidate, size) > width) {
      lines.push(current);
      current = word;
    } else current = candidate;
  }
  if (current) lines.push(current);
  return lines.length ? lines : [""];
}
