/**
 * Calendar arithmetic on ISO dates (YYYY-MM-DD). Scheme dates are local to the scheme's time
 * zone (Europe/Amsterdam): an email that arrives at 00:30 on 16 February Dutch time missed a
 * 15 February deadline even though it is still the 15th in UTC.
 */
export type IsoDate = string;

/**
 * The first and last dates four digits write, which is every date the Instant and CalendarDate
 * schemas accept. Calendar results beyond them are held at them, so every date stays YYYY-MM-DD and
 * compares as text: an application received at 9999-12-31T23:30Z (Dutch time: year 10000) once made
 * the decision-deadline list of its scheme answer 500 for good (a RangeError in addDays).
 */
export const FIRST_DATE: IsoDate = "0000-01-01";
export const LAST_DATE: IsoDate = "9999-12-31";

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar date of an instant in a time zone, always YYYY-MM-DD (year 0 is 1 BC). Pure: the instant is passed in. */
export function localDate(instant: string, timeZone: string): IsoDate {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-CA", { timeZone, era: "short", year: "numeric", month: "2-digit", day: "2-digit" });
    formatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(new Date(instant));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  // en-CA writes year 1 BC as "1" with era BC, and no leading zeros below 1000.
  const shown = Number(part("year"));
  const year = part("era") === "BC" ? 1 - shown : shown;
  return withinDates(year, `${String(year).padStart(4, "0")}-${part("month")}-${part("day")}`);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  const d = new Date(`${date}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return withinDates(d.getUTCFullYear(), () => d.toISOString().slice(0, 10));
}

function withinDates(year: number, date: IsoDate | (() => IsoDate)): IsoDate {
  if (year > 9999) return LAST_DATE;
  if (year < 0) return FIRST_DATE;
  return typeof date === "string" ? date : date();
}

export function daysBetween(from: IsoDate, to: IsoDate): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
