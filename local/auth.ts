import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { type JWTPayload, SignJWT, jwtVerify } from "jose";
import type { StaffRole } from "../functions/api/routes.ts";

/**
 * Local stand-in for Cognito: HS256 tokens carrying the same `cognito:groups` claim the JWT
 * authorizer hands to the handlers on AWS. The key is made on first use and never committed.
 *
 * On AWS the stack's HttpUserPoolAuthorizer (infra/stack.ts) is API Gateway's JWT authorizer
 * with issuer = the user pool's URL and audience = the staff app client's id. It checks the
 * signature, `iss`, that `aud` (or, when there is no `aud`, `client_id`: a Cognito access token
 * carries `client_id`) is one of the audiences, `exp` after now, and `nbf` and `iat` before now
 * (docs: "Control access to HTTP APIs with JWT authorizers", the authorization workflow; no clock
 * skew is documented, so none is allowed here beyond the claims' one-second resolution).
 * {@link verifyToken} checks the same, with {@link LOCAL_ISSUER} and {@link LOCAL_CLIENT_ID}.
 */
export const LOCAL_ISSUER = "urn:subsidy-back-office:local";
/** Stands in for the Cognito staff app client's id, the authorizer's only audience. */
export const LOCAL_CLIENT_ID = "subsidy-back-office-local-staff";
export const defaultKeyFile = join(process.cwd(), ".local", "signing-key");

export function localSigningKey(file = defaultKeyFile): Uint8Array {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString("base64"), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return new Uint8Array(Buffer.from(readFileSync(file, "utf8").trim(), "base64"));
}

/** A token shaped like a Cognito access token: `client_id` (no `aud`), `token_use`, `iat`, `exp`. */
export async function issueToken(key: Uint8Array, role: StaffRole, subject = `local-${role}`, expiresIn = "8h"): Promise<string> {
  return new SignJWT({ "cognito:groups": [role], token_use: "access", client_id: LOCAL_CLIENT_ID })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(subject)
    .setIssuer(LOCAL_ISSUER)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(key);
}

/** Whether the token is meant for this API: `aud` decides when present (AWS evaluates `aud` then), else `client_id`. */
function forThisClient(claims: JWTPayload): boolean {
  if (claims.aud !== undefined) return Array.isArray(claims.aud) ? claims.aud.includes(LOCAL_CLIENT_ID) : claims.aud === LOCAL_CLIENT_ID;
  return claims.client_id === LOCAL_CLIENT_ID;
}

/**
 * The claims of a token API Gateway's JWT authorizer would accept, or undefined: bad signature or
 * algorithm, another issuer, another audience/client, no `exp` or expired, `nbf` or `iat` in the future.
 */
export async function verifyToken(key: Uint8Array, token: string, now: Date = new Date()): Promise<Record<string, unknown> | undefined> {
  try {
    // jose checks the signature, iss, that exp is present and after now and nbf not after now (no tolerance).
    const { payload } = await jwtVerify(token, key, { issuer: LOCAL_ISSUER, algorithms: ["HS256"], requiredClaims: ["exp"], currentDate: now });
    if (!forThisClient(payload)) return undefined;
    // jose checks iat only with maxTokenAge; the authorizer refuses a token issued in the future.
    if (payload.iat !== undefined && payload.iat > Math.floor(now.getTime() / 1000)) return undefined;
    return payload as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
