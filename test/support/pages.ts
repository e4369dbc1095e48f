import type { StaffRole } from "../../functions/api/routes.ts";
import type { Staff } from "./scenario.ts";

/**
 * Every page of a paged list (issue 15), following `next` with `limit` a page: each page's `count`
 * and all items in the order the pages gave them.
 */
export async function everyPage<T>(staff: Staff, role: StaffRole, path: string, limit: number): Promise<{ sizes: number[]; items: T[] }> {
  const sizes: number[] = [];
  const items: T[] = [];
  const separator = path.includes("?") ? "&" : "?";
  let cursor: string | undefined;
  do {
    const page = await staff.expect(role, "GET", `${path}${separator}limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`, undefined, 200);
    sizes.push(page.body.count);
    items.push(...page.body.items);
    cursor = page.body.next;
  } while (cursor);
  return { sizes, items };
}
