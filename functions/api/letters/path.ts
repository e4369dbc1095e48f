import * as z from "zod";

/** A letter's id: the first 40 hex digits of a sha256 (functions/letters/gather.ts `letterIdOf`). */
export const LetterPath = z.object({ letterId: z.string().regex(/^[0-9a-f]{40}$/, "a letter id: 40 lowercase hex digits") }).strict();
