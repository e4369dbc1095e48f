import { type SchemeView, schemesProjection } from "../../domain/projections/schemes.ts";
import { dependencies } from "../runtime/dependencies.ts";
import { httpRoute } from "./http.ts";

/** Every scheme the back office knows: its instruments, rounds and whether it is open. */
export const handler = httpRoute("ListSchemes", {}, async () => {
  const { readModels, schemes } = dependencies();
  const opened = new Map(((await readModels.list(schemesProjection.name, "schemes")) as SchemeView[]).map((v) => [v.schemeId, v]));
  const items = schemes.all().map((s) => ({
    schemeId: s.definition.id,
    title: s.definition.title,
    schemeVersion: s.version,
    term: s.definition.term,
    instruments: s.definition.instruments.map((i) => ({ instrumentId: i.id, name: i.name, maxAmountCents: i.maxAmountCents, maxShareOfEligibleCostsBasisPoints: i.maxShareOfEligibleCostsBasisPoints, budgetLineId: i.budgetLineId })),
    committeeRounds: s.definition.committeeRounds,
    requiredSections: s.definition.requiredSections.map((r) => ({ sectionId: r.id, title: r.title, instrumentIds: r.instrumentIds })),
    opened: opened.get(s.definition.id) ?? null,
  }));
  return { status: 200, body: { items } };
});
