import { schemesProjection } from "../../domain/projections/schemes.ts";
import { dependencies } from "../runtime/dependencies.ts";
import { httpRoute } from "./http.ts";

/** Every scheme the back office knows, with its budget lines once opened. */
export const handler = httpRoute("ListSchemes", {}, async () => {
  const { readModels, schemes } = dependencies();
  const opened = new Map(((await readModels.list(schemesProjection.name, "schemes")) as Array<{ schemeId: string }>).map((v) => [v.schemeId, v]));
  const items = schemes.all().map((s) => ({
    schemeId: s.definition.id,
    title: s.definition.title,
    schemeVersion: s.version,
    instruments: s.definition.instruments.map((i) => ({ instrumentId: i.id, name: i.name, maxAmountCents: i.maxAmountCents, maxShareOfEligibleCostsBasisPoints: i.maxShareOfEligibleCostsBasisPoints })),
    opened: opened.get(s.definition.id) ?? null,
  }));
  return { status: 200, body: { items } };
});
