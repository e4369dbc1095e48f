/**
 * The one CSV writer of the project (payouts, evaluation overview): RFC 4180 quoting with the
 * OWASP defence against CSV (formula) injection, so a hub called `=HYPERLINK(...)` or an invoice
 * number `=1+1` arrives in Excel or LibreOffice as text, never as a formula.
 *
 * - Every cell is quoted, embedded quotes doubled (RFC 4180); a cell may hold commas, semicolons
 *   and line breaks.
 * - A text cell beginning with `=`, `+`, `-`, `@`, tab (0x09) or carriage return (0x0D) is
 *   prefixed with a single quote, as OWASP's CSV injection guidance says.
 * - Deliberate exception: a cell whose value is a JavaScript number (amounts in integer cents,
 *   versions) is written as that number, a leading minus included ("-4760000" for money that came
 *   back). Its text comes from `String(number)`, which can only be digits, a sign, a point and an
 *   exponent, never a formula, and finance needs the column to stay numeric. Text that only looks
 *   like a number ("-47600.00" typed by a user) is text and gets the prefix.
 * - Lines end in LF, as before (spreadsheets read both; RFC 4180's CRLF is not required by them).
 */
export type CsvValue = string | number | boolean | null | undefined | ReadonlyArray<string | number>;

const formulaTrigger = /^[=+\-@\t\r]/;

/** One cell, quoted; `listSeparator` joins an array value into one cell. */
export function csvCell(value: CsvValue, listSeparator = " "): string {
  let text: string;
  if (typeof value === "number" && Number.isFinite(value)) text = String(value);
  else {
    text = Array.isArray(value) ? value.join(listSeparator) : value === null || value === undefined ? "" : String(value);
    if (formulaTrigger.test(text)) text = `'${text}`;
  }
  return `"${text.replace(/"/g, '""')}"`;
}

/** A whole document: the header row, then one row per record, each cell through {@link csvCell}. */
export function csvDocument<C extends string>(columns: ReadonlyArray<C>, rows: ReadonlyArray<Partial<Record<C, unknown>>>, options: { listSeparator?: string } = {}): string {
  const line = (cells: ReadonlyArray<unknown>) => cells.map((cell) => csvCell(cell as CsvValue, options.listSeparator)).join(",");
  return `${[line(columns), ...rows.map((row) => line(columns.map((c) => row[c])))].join("\n")}\n`;
}
