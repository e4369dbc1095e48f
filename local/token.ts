import { parseArgs } from "node:util";
import { type StaffRole, staffRoles } from "../functions/api/routes.ts";
import { issueToken, localSigningKey } from "./auth.ts";

const { positionals, values } = parseArgs({ allowPositionals: true, options: { subject: { type: "string" }, ttl: { type: "string", default: "8h" } } });
const role = positionals[0];
if (!role || !(staffRoles as ReadonlyArray<string>).includes(role)) {
  console.error(`Usage: npm run token -- <role> [--subject NAME] [--ttl 8h]\nroles: ${staffRoles.join(", ")}`);
  process.exit(2);
}
const token = await issueToken(localSigningKey(), role as StaffRole, values.subject, values.ttl);
console.log(`Bearer token for role "${role}" (valid ${values.ttl}; use as: authorization: Bearer <token>):`);
console.log(token);
