import { type Session, saveSession, sessionFromToken } from "./api.ts";

/** What /console/config.json says: the local token issuer, or the Cognito hosted UI on AWS. */
export type ConsoleConfig = { auth: "local" } | { auth: "cognito"; domain: string; clientId: string; redirectUri: string; scopes: string };

export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch("/console/config.json", { cache: "no-cache" });
  return (await response.json()) as ConsoleConfig;
}

export async function localSignIn(role: string, name: string): Promise<Session> {
  const response = await fetch("/console/local-sign-in", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ role, name }) });
  const body = (await response.json()) as { token?: string; message?: string };
  if (!response.ok || !body.token) throw new Error(body.message ?? `HTTP ${response.status}`);
  const session = sessionFromToken(body.token)!;
  saveSession(session);
  return session;
}

const base64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** Authorization code with PKCE (S256): the verifier never leaves this tab until the code is exchanged. */
export async function startCognitoSignIn(config: Extract<ConsoleConfig, { auth: "cognito" }>): Promise<void> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  sessionStorage.setItem("console.pkce", JSON.stringify({ verifier, state }));
  const url = new URL("/oauth2/authorize", config.domain);
  url.search = new URLSearchParams({ response_type: "code", client_id: config.clientId, redirect_uri: config.redirectUri, scope: config.scopes, state, code_challenge: challenge, code_challenge_method: "S256" }).toString();
  location.assign(url.toString());
}

/** Back from the hosted UI with `?code=…&state=…`: exchange the code for tokens; the access token is the API's bearer. */
export async function finishCognitoSignIn(config: Extract<ConsoleConfig, { auth: "cognito" }>): Promise<Session | undefined> {
  const params = new URLSearchParams(location.search);
  const code = params.get("code");
  if (!code) return undefined;
  const pkce = JSON.parse(sessionStorage.getItem("console.pkce") ?? "{}") as { verifier?: string; state?: string };
  sessionStorage.removeItem("console.pkce");
  history.replaceState(null, "", location.pathname + location.hash);
  if (!pkce.verifier || pkce.state !== params.get("state")) throw new Error("sign-in state does not match; sign in again");
  const response = await fetch(new URL("/oauth2/token", config.domain), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", client_id: config.clientId, code, redirect_uri: config.redirectUri, code_verifier: pkce.verifier }),
  });
  if (!response.ok) throw new Error(`token exchange failed: HTTP ${response.status}`);
  const tokens = (await response.json()) as { access_token: string };
  const session = sessionFromToken(tokens.access_token);
  if (!session) throw new Error("your account is in no staff group; ask an administrator");
  saveSession(session);
  return session;
}

export function cognitoSignOutUrl(config: Extract<ConsoleConfig, { auth: "cognito" }>): string {
  const url = new URL("/logout", config.domain);
  url.search = new URLSearchParams({ client_id: config.clientId, logout_uri: config.redirectUri }).toString();
  return url.toString();
}
