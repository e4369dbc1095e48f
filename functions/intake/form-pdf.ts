import { createHash } from "node:crypto";
import { PDFDocument, type PDFFont, type PDFPage, StandardFonts, rgb } from "pdf-lib";
import { type FormFieldSpec, applicationFormFields, formFieldNames } from "../../domain/intake.ts";
import type { SchemeUnderDecision } from "../../domain/scheme.ts";

// Making the form (the API's GetApplicationForm) is apart from reading it (the intake, form.ts): only
// this module imports pdf-lib in the main thread, so the intake's bundle carries pdf-lib only in its
// form-worker.mjs, and the other routes' bundles not at all.

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 50;
const WIDTH = A4[0] - 2 * MARGIN;

/**
 * The fillable application form of a scheme (R-TH-14: "form plus proposal"), generated from its
 * definition: one field per registration item, per required section and per budget line, named
 * as the intake reads them (`formFieldNames`). Deterministic: the same scheme version gives the
 * same bytes, so the download has a stable ETag.
 */
export async function applicationFormPdf(scheme: SchemeUnderDecision): Promise<Uint8Array> {
  const d = scheme.definition;
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const form = doc.getForm();
  const fixedDate = new Date(`${d.term.opens}T00:00:00.000Z`);
  doc.setTitle(`Aanvraagformulier ${d.dutchTitle}`);
  doc.setSubject(`Application form ${d.title} (${d.id}, ${scheme.version})`);
  doc.setProducer("subsidy back office");
  doc.setCreator("subsidy back office");
  doc.setCreationDate(fixedDate);
  doc.setModificationDate(fixedDate);

  let page = doc.addPage(A4);
  let y = A4[1] - MARGIN;
  const room = (height: number) => {
    if (y - height >= MARGIN) return;
    page = doc.addPage(A4);
    y = A4[1] - MARGIN;
  };
  const write = (text: string, size: number, face: PDFFont = font) => {
    for (const line of wrap(text, face, size, WIDTH)) {
      room(size + 4);
      page.drawText(line, { x: MARGIN, y: y - size, size, font: face, color: rgb(0.1, 0.1, 0.1) });
      y -= size + 4;
    }
  };

  write(`Aanvraagformulier / Application form`, 18, bold);
  write(`${d.dutchTitle} / ${d.title}`, 13, bold);
  y -= 6;
  write(
    `Vul dit formulier in, sla het op en stuur het als bijlage naar ${d.intake.emailAddress} met "${d.intake.subjectKeywords[0]}" in het onderwerp, samen met de overige stukken. ` +
      `Fill in this form, save it and email it as an attachment to ${d.intake.emailAddress} with "${d.intake.subjectKeywords[0]}" in the subject, together with the other documents.`,
    9,
  );
  const limits = d.documentLimits;
  write(`Maximaal ${(limits.maxDocumentBytes / 1_048_576).toFixed(0)} MB per document en ${limits.maxExtraDocuments} extra documenten. / At most ${(limits.maxDocumentBytes / 1_048_576).toFixed(0)} MB per document and ${limits.maxExtraDocuments} extra documents.`, 9);
  y -= 8;

  const specs = applicationFormFields(scheme);
  const headings: Record<FormFieldSpec["group"], string> = {
    about: "Regeling / Scheme",
    applicant: "Aanvrager / Applicant",
    plan: "Plan",
    sections: "Onderdelen van de aanvraag / Parts of the application",
    budget: "Begroting / Budget",
  };
  let group: FormFieldSpec["group"] | undefined;
  for (let index = 0; index < specs.length; index++) {
    const spec = specs[index]!;
    if (spec.group !== group) {
      group = spec.group;
      y -= 6;
      room(40);
      write(headings[group], 12, bold);
    }
    if (spec.group === "budget" && spec.name.endsWith("_category")) {
      // One row per budget line: category, description, amount.
      const [category, description, amount] = [spec, specs[index + 1]!, specs[index + 2]!];
      index += 2;
      room(36);
      page.drawText(category.label.split(":")[0]!, { x: MARGIN, y: y - 9, size: 8, font });
      y -= 13;
      const widths = [150, WIDTH - 150 - 100 - 12, 100];
      let x = MARGIN;
      [category, description, amount].forEach((field, i) => {
        addField(form, field, page, font, { x, y: y - 18, width: widths[i]!, height: 18 });
        x += widths[i]! + 6;
      });
      y -= 24;
      continue;
    }
    write(spec.label, 9);
    const height = spec.kind === "multiline" ? 72 : spec.kind === "checkbox" ? 12 : 18;
    room(height + 8);
    addField(form, spec, page, font, { x: MARGIN, y: y - height, width: spec.kind === "checkbox" ? 12 : WIDTH, height });
    y -= height + 10;
  }
  return doc.save();
}

/** The form as the API serves it: base64 for API Gateway, and an ETag from its bytes. */
export async function applicationFormDownload(scheme: SchemeUnderDecision): Promise<{ base64: string; etag: string }> {
  const pdf = await applicationFormPdf(scheme);
  return { base64: Buffer.from(pdf).toString("base64"), etag: `"${createHash("sha256").update(pdf).digest("hex").slice(0, 32)}"` };
}

function addField(form: ReturnType<PDFDocument["getForm"]>, spec: FormFieldSpec, page: PDFPage, font: PDFFont, box: { x: number; y: number; width: number; height: number }) {
  const style = { ...box, font, borderColor: rgb(0.55, 0.55, 0.55), borderWidth: 0.75, backgroundColor: rgb(0.97, 0.97, 1) };
  switch (spec.kind) {
    case "fixed": {
      const field = form.createTextField(spec.name);
      field.setText(spec.value ?? "");
      field.enableReadOnly();
      field.addToPage(page, { ...style, backgroundColor: rgb(0.92, 0.92, 0.92) });
      return;
    }
    case "text":
    case "multiline": {
      const field = form.createTextField(spec.name);
      if (spec.kind === "multiline") field.enableMultiline();
      field.addToPage(page, style);
      return;
    }
    case "choice": {
      const field = form.createDropdown(spec.name);
      field.addOptions([...(spec.options ?? [])]);
      field.addToPage(page, style);
      return;
    }
    case "checkbox": {
      const field = form.createCheckBox(spec.name);
      field.addToPage(page, { ...box, borderColor: rgb(0.4, 0.4, 0.4), borderWidth: 0.75 });
      return;
    }
    default: {
      const unknown: never = spec.kind;
      throw new Error(`unknown form field kind ${String(unknown)}`);
    }
  }
}

function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    const candidate = line ? `${line} ${word}` : word;
    if (line && font.widthOfTextAtSize(candidate, size) > width) {
      lines.push(line);
      line = word;
    } else line = candidate;
  }
  if (line) lines.push(line);
  return lines;
}

