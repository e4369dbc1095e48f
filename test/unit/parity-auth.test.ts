import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { SignJWT, decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { issueToken, LOCAL_CLIENT_ID, LOCAL_ISSUER, localSigningKey, verifyToken } from "../../local/auth.ts";

const key = new Uint8Array(randomBytes(32));
// Now, so that on the old check a token fails only for the defect it carries, never for being expired.
const at = new Date();
const t = Math.floor(at.getTime() / 1000);
const base = { "cognito:groups": ["finance"], token_use: "access", sub: "finance-anna", iss: LOCAL_ISSUER, client_id: LOCAL_CLIENT_ID, iat: t - 60, exp: t + 3600 };
const sign = (claims: Record<string, unknown>, signingKey = key) => new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(signingKey);
const without = (name: keyof typeof base) => Object.fromEntries(Object.entries(base).filter(([k]) => k !== name));

describe("finding 8: verifyToken refuses what API Gateway's JWT authorizer refuses", () => {
  it.each<[string, Record<string, unknown>]>([
    ["a foreign aud", { ...without("client_id"), aud: "another-app-client" }],
    ["a foreign aud in a list", { ...without("client_id"), aud: ["another-app-client"] }],
    ["a foreign aud next to our client_id", { ...base, aud: "another-app-client" }],
    ["a foreign client_id", { ...base, client_id: "another-app-client" }],
    ["no aud and no client_id", without("client_id")],
    ["no exp", without("exp")],
    ["exp equal to now", { ...base, exp: t }],
    ["exp in the past", { ...base, exp: t - 1 }],
    ["iat one second in the future", { ...base, iat: t + 1 }],
    ["nbf one second in the future", { ...base, nbf: t + 1 }],
    ["another issuer", { ...base, iss: "urn:somebody-else" }],
    ["no issuer", without("iss")],
  ])("finding 8: a token with %s is refused", async (_, claims) => {
    expect(await verifyToken(key, await sign(claims), at)).toBeUndefined();
  });

  it("finding 8: a token signed with another key is refused", async () => {
    expect(await verifyToken(key, await sign(base, new Uint8Array(randomBytes(32))), at)).toBeUndefined();
  });

  it("finding 8: valid tokens pass: client_id (a Cognito access token), aud (an ID token), iat and nbf equal to now, no iat at all", async () => {
    expect(await verifyToken(key, await sign(base), at)).toMatchObject({ sub: "finance-anna", "cognito:groups": ["finance"] });
    expect(await verifyToken(key, await sign({ ...without("client_id"), aud: LOCAL_CLIENT_ID }), at)).toBeDefined();
    expect(await verifyToken(key, await sign({ ...without("client_id"), aud: ["x", LOCAL_CLIENT_ID] }), at)).toBeDefined();
    expect(await verifyToken(key, await sign({ ...base, iat: t, nbf: t }), at)).toBeDefined();
    expect(await verifyToken(key, await sign(without("iat")), at)).toBeDefined();
  });

  it("finding 8: issueToken makes a token shaped like a Cognito access token that verifyToken accepts", async () => {
    const token = await issueToken(key, "auditor", "auditor-eva", "1h");
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: LOCAL_ISSUER, client_id: LOCAL_CLIENT_ID, token_use: "access", sub: "auditor-eva", "cognito:groups": ["auditor"] });
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(await verifyToken(key, token)).toMatchObject({ sub: "auditor-eva" });
  });

  it("finding 8: `npm run token -- intake` (local/token.ts) prints a token the local API accepts", async () => {
    const projectRoot = fileURLToPath(new URL("../..", import.meta.url));
    const cwd = await mkdtemp(join(tmpdir(), "parity-token-"));
    try {
      const { stdout } = await promisify(execFile)(join(projectRoot, "node_modules", ".bin", "tsx"), [join(projectRoot, "local", "token.ts"), "intake"], { cwd });
      const token = stdout.trim().split("\n").at(-1)!;
      expect(await verifyToken(localSigningKey(join(cwd, ".local", "signing-key")), token)).toMatchObject({ "cognito:groups": ["intake"], client_id: LOCAL_CLIENT_ID });
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
