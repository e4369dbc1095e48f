import { z } from "zod";

/** Money is always integer euro cents (domain-rules.md). */
export const Cents = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** An instant, ISO 8601 in UTC with milliseconds, as `Date.prototype.toISOString` writes it. */
export const Instant = z.iso.datetime({ offset: false, precision: 3 });
export const CalendarDate = z.iso.date();
export const Identifier = z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, "letters, digits and . _ : - only");
export const SchemeVersion = z.string().min(1).max(100);
