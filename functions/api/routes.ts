/**
 * The staff API, declared once: the local HTTP server and the CDK stack both build their routes
 * from this table, and each handler takes its allowed roles from it (a role matrix test walks it).
 */
export const staffRoles = ["intake", "assessor", "committee-secretary", "finance", "auditor", "admin"] as const;
export type StaffRole = (typeof staffRoles)[number];

const everyone: ReadonlyArray<StaffRole> = staffRoles;

export interface ApiRoute {
  readonly id: string;
  readonly method: "GET" | "POST" | "PUT";
  readonly path: string;
  /** The handler module, relative to the project root; it exports `handler`. */
  readonly entry: string;
  readonly roles: ReadonlyArray<StaffRole>;
  /** Whether the route changes anything: the auditor may never be on a route that writes. */
  readonly writes: boolean;
}

export const apiRoutes = [
  { id: "RegisterApplication", method: "POST", path: "/applications", entry: "functions/api/register-application.ts", roles: ["intake", "admin"], writes: true },
  { id: "ListApplications", method: "GET", path: "/applications", entry: "functions/api/list-applications.ts", roles: everyone, writes: false },
  { id: "GetApplication", method: "GET", path: "/applications/{applicationId}", entry: "functions/api/get-application.ts", roles: everyone, writes: false },
  { id: "ListSchemes", method: "GET", path: "/schemes", entry: "functions/api/list-schemes.ts", roles: everyone, writes: false },
  { id: "OpenScheme", method: "POST", path: "/schemes/{schemeId}/open", entry: "functions/api/open-scheme.ts", roles: ["admin"], writes: true },
] as const satisfies ReadonlyArray<ApiRoute>;

export type RouteId = (typeof apiRoutes)[number]["id"];

export function routeById(id: RouteId): ApiRoute {
  return apiRoutes.find((r) => r.id === id)!;
}
