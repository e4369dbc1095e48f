import { describe, expect, it } from "vitest";
import { csvCell, csvDocument } from "../../domain/csv.ts";
import { type EvaluationOverview, overviewCsv } from "../../functions/api/evaluation/overview.ts";

/** Splits RFC 4180 text the way a spreadsheet does: quoted cells, doubled quotes, line breaks inside quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") row.push(cell), (cell = "");
    else if (ch === "\n") row.push(cell), rows.push(row), (row = []), (cell = "");
    else cell += ch;
  }
  if (cell || row.length) row.push(cell), rows.push(row);
  return rows;
}

describe("finding 7: CSV cells are quoted and cannot become formulas", () => {
  it.each([
    ["=HYPERLINK(\"http://x\",\"y\")", `"'=HYPERLINK(""http://x"",""y"")"`],
    ["=1+1", `"'=1+1"`],
    ["+31 6 1234", `"'+31 6 1234"`],
    ["-47600.00", `"'-47600.00"`],
    ["@SUM(A1:A9)", `"'@SUM(A1:A9)"`],
    ["\tcmd", `"'\tcmd"`],
    ["\rcmd", `"'\rcmd"`],
  ])("finding 7: a text cell starting with a formula trigger (%j) is prefixed with a quote", (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it("finding 7: every cell is quoted, embedded quotes doubled, separators and line breaks kept inside the cell", () => {
    expect(csvCell("Technohub Twente")).toBe('"Technohub Twente"');
    expect(csvCell('De "Smederij", Hengelo; line\nbreak')).toBe('"De ""Smederij"", Hengelo; line\nbreak"');
    expect(csvCell("a=1")).toBe('"a=1"');
    expect(csvCell(null)).toBe('""');
    expect(csvCell(undefined)).toBe('""');
    expect(csvCell(["e1", "=e2"])).toBe('"e1 =e2"');
    expect(csvCell(["=x", "y"], " | ")).toBe(`"'=x | y"`);
  });

  it("finding 7: amounts our own code formats from integer cents stay numeric, a negative recovery included", () => {
    expect(csvCell(-4_760_000)).toBe('"-4760000"');
    expect(csvCell(32_760_000)).toBe('"32760000"');
    expect(csvCell(Number.NEGATIVE_INFINITY)).toBe(`"'-Infinity"`);
  });

  it("finding 7: a document round-trips through an RFC 4180 reader, header included", () => {
    const text = csvDocument(["hub", "amountCents", "eventIds"] as const, [
      { hub: '=HYPERLINK("http://x","y")', amountCents: -4_760_000, eventIds: ["a", "b"] },
      { hub: "Technohub, Oost", amountCents: 100 },
    ]);
    expect(text.endsWith("\n")).toBe(true);
    expect(parseCsv(text)).toEqual([
      ["hub", "amountCents", "eventIds"],
      [`'=HYPERLINK("http://x","y")`, "-4760000", "a b"],
      ["Technohub, Oost", "100", ""],
    ]);
  });

  it("finding 7: the evaluation overview CSV escapes hub names, criteria and attention points", () => {
    const overview: EvaluationOverview = {
      schemeId: "verduurzamen-2025",
      today: "2026-01-01",
      classificationTable: [],
      allocationMatrix: null,
      hubs: [
        {
          hubKey: "evil",
          hubName: "=cmd|' /C calc'!A0",
          applicationId: "app-1",
          awardedCents: 100,
          classification: { type: "@type", dominantCharacteristic: "x", preconditions: ["+p1", "p2"], classifiedOn: "2025-09-01", rationale: "" },
          classifications: 1,
          selfEvaluation: { version: 2, submittedOn: "2025-10-01", criteria: [{ criterionId: "c1", criterion: "-criterion", status: "on-track", attentionPoints: ["=1+1", "fine"] }] },
          supportWishes: [{ objective: "=o", expectedAchievement: "", supportWished: "help" }],
          findings: 0,
          unmetCommitments: [],
        },
      ],
    };
    const [header, row] = parseCsv(overviewCsv(overview));
    const cell = (name: string) => row![header!.indexOf(name)];
    expect(cell("hub")).toBe("'=cmd|' /C calc'!A0");
    expect(cell("type")).toBe("'@type");
    expect(cell("preconditions")).toBe("'+p1 | p2");
    expect(cell("selfEvaluationVersion")).toBe("2");
    expect(cell("criterion")).toBe("'-criterion");
    expect(cell("attentionPoints")).toBe("'=1+1 | fine");
    expect(cell("supportWishes")).toBe("'=o: help");
    expect(row!.filter((c) => /^[=+\-@\t\r]/.test(c))).toEqual([]);
  });
});
