import * as z from "zod";

/** A received message is addressed by its message key (sha256 in hex), as the intake answered it. */
export const CorrespondencePath = z.object({ messageKey: z.string().regex(/^[0-9a-f]{64}$/, "a message key: 64 lowercase hex digits") });
