import { type StaffRole, apiRoutes, staffRoles } from "../../functions/api/routes.ts";

/** The signed-in member of staff: the API's bearer token and what it says about its holder. */
export interface Session {
  readonly token: string;
  readonly role: StaffRole;
  readonly subject: string;
  readonly expiresAt: number;
}

const sessionKey = "console.session";

function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split(".")[1] ?? "";
  const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(payload.length / 4) * 4, "="));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
}

/** A session from a token: the role is the first of its `cognito:groups` the API knows. */
export function sessionFromToken(token: string): Session | undefined {
  const claims = claimsOf(token);
  const groups = ([] as unknown[]).concat(claims["cognito:groups"] ?? []);
  const role = staffRoles.find((r) => groups.includes(r));
  if (!role) return undefined;
  const subject = String(claims["username"] ?? claims["sub"] ?? "");
  return { token, role, subject, expiresAt: Number(claims["exp"] ?? 0) * 1000 };
}

export function currentSession(): Session | undefined {
  const stored = sessionStorage.getItem(sessionKey);
  if (!stored) return undefined;
  const session = JSON.parse(stored) as Session;
  return session.expiresAt > Date.now() ? session : undefined;
}

export function saveSession(session: Session | undefined) {
  if (session) sessionStorage.setItem(sessionKey, JSON.stringify(session));
  else sessionStorage.removeItem(sessionKey);
}

/** Whether the signed-in role may use a route of the API (the same table the API authorises with). */
export function may(role: StaffRole, routeId: (typeof apiRoutes)[number]["id"]): boolean {
  return (apiRoutes.find((r) => r.id === routeId)?.roles as ReadonlyArray<string> | undefined)?.includes(role) ?? false;
}

/** An answer of the API that is not a success: its status and RFC 9457 problem. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly problem: { title?: string; detail?: string; message?: string; ruleIds?: string[]; currentVersion?: number; [k: string]: unknown },
  ) {
    super(problem.detail ?? problem.message ?? problem.title ?? `HTTP ${status}`);
  }
}

export interface Answer<T> {
  readonly body: T;
  readonly etag: string | undefined;
}

let onUnauthorized: () => void = () => {};
export const whenUnauthorized = (f: () => void) => (onUnauthorized = f);

async function request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
  const session = currentSession();
  const response = await fetch(path, {
    method,
    headers: {
      ...(session ? { authorization: `Bearer ${session.token}` } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // CSV and the like stay text
  }
  if (response.status === 401) onUnauthorized();
  if (!response.ok) throw new ApiProblem(response.status, typeof parsed === "object" && parsed ? (parsed as ApiProblem["problem"]) : { message: String(parsed) });
  return { body: parsed as T, etag: response.headers.get("etag") ?? undefined };
}

export const get = <T>(path: string) => request<T>("GET", path);

/**
 * Every write carries If-Match (the version the user saw; 409 when the record moved on) and an
 * Idempotency-Key made once per intent, so a retried click cannot record twice.
 */
export const post = <T>(path: string, body: unknown, write: { ifMatch?: number; idempotencyKey: string }) =>
  request<T>("POST", path, body, { "idempotency-key": write.idempotencyKey, ...(write.ifMatch !== undefined ? { "if-match": `"${write.ifMatch}"` } : {}) });

/**
 * The CSV as the API sends it (with the token, so not a plain link), saved under the API's file name.
 * A long list comes a page at a time with a `Link: <...>; rel="next"` header (issue 15): every page
 * is fetched and joined under the first page's header row.
 */
export async function download(path: string, fallbackName: string, maxPages = 50): Promise<void> {
  const session = currentSession();
  const headers: Record<string, string> = session ? { authorization: `Bearer ${session.token}` } : {};
  let response = await fetch(path, { headers });
  if (!response.ok) throw new ApiProblem(response.status, { message: await response.text() });
  const name = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") ?? "")?.[1] ?? fallbackName;
  const type = response.headers.get("content-type") ?? "text/csv";
  const parts = [await response.text()];
  for (let page = 1; page < maxPages; page++) {
    const next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get("link") ?? "")?.[1];
    if (!next) break;
    response = await fetch(next, { headers });
    if (!response.ok) throw new ApiProblem(response.status, { message: await response.text() });
    const text = await response.text();
    // The same header row heads every page: kept once.
    parts.push(text.slice(text.indexOf("\n") + 1));
  }
  save(new Blob(parts.map((p, i) => (i < parts.length - 1 && !p.endsWith("\n") ? `${p}\n` : p)), { type }), name);
}

/** A file the API answers in one piece (a letter's PDF), fetched with the token and saved under the API's file name; a problem is shown as one. */
export async function downloadFile(path: string, fallbackName: string): Promise<void> {
  const session = currentSession();
  const response = await fetch(path, { headers: session ? { authorization: `Bearer ${session.token}` } : {} });
  if (response.status === 401) onUnauthorized();
  if (!response.ok) {
    const text = await response.text();
    let problem: ApiProblem["problem"] = { message: text };
    try {
      problem = JSON.parse(text) as ApiProblem["problem"];
    } catch {
      // not JSON: the text is the message
    }
    throw new ApiProblem(response.status, problem);
  }
  save(await response.blob(), /filename="([^"]+)"/.exec(response.headers.get("content-disposition") ?? "")?.[1] ?? fallbackName);
}

/** Hands the browser a file to save, through a link it clicks. */
function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const newKey = () => crypto.randomUUID();

/**
 * Every page of a paged list (issue 15): each answers at most `limit` items and a `next` cursor
 * while more follow; `path` may carry its own filters. At most `maxPages` pages are fetched.
 */
export async function allPages<T>(path: string, maxPages = 20): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  const [route, filters] = path.split("?");
  for (let page = 0; page < maxPages; page++) {
    const query = new URLSearchParams(filters);
    query.set("limit", "500");
    if (cursor) query.set("cursor", cursor);
    const answer = await get<{ items: T[]; next?: string | null }>(`${route}?${query}`);
    items.push(...answer.body.items);
    cursor = answer.body.next ?? undefined;
    if (!cursor) break;
  }
  return items;
}

/** A scheme's applications, every page. Filters (status, region, round, hub) are the API's own. */
export async function listApplications<T>(schemeId: string, filters: Record<string, string> = {}, maxPages = 20): Promise<T[]> {
  return allPages<T>(`/applications?${new URLSearchParams({ schemeId, ...filters })}`, maxPages);
}
