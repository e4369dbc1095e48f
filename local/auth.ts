import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { SignJWT, jwtVerify } from "jose";
import type { StaffRole } from "../functions/api/routes.ts";

/**
 * Local stand-in for Cognito: HS256 tokens carrying the same `cognito:groups` claim the JWT
 * authorizer hands to the handlers on AWS. The key is made on first use and never committed.
 */
export const LOCAL_ISSUER = "urn:subsidy-back-office:local";
export const defaultKeyFile = join(process.cwd(), ".local", "signing-key");

export function localSigningKey(file = defaultKeyFile): Uint8Array {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString("base64"), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return new Uint8Array(Buffer.from(readFileSync(file, "utf8").trim(), "base64"));
}

export async function issueToken(key: Uint8Array, role: StaffRole, subject = `local-${role}`, expiresIn = "8h"): Promise<string> {
  return new SignJWT({ "cognito:groups": [role], token_use: "access" })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(subject)
    .setIssuer(LOCAL_ISSUER)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(key);
}

/** The claims of a valid token, or undefined (bad signature, expired, wrong issuer). */
export async function verifyToken(key: Uint8Array, token: string): Promise<Record<string, unknown> | undefined> {
  try {
    const { payload } = await jwtVerify(token, key, { issuer: LOCAL_ISSUER, algorithms: ["HS256"] });
    return payload as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
