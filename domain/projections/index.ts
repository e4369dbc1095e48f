import { agendaProjection, applicationsProjection } from "./applications.ts";
import { budgetLinesProjection } from "./budget-lines.ts";
import { evaluationProjection } from "./evaluation.ts";
import { grantsProjection } from "./grants.ts";
import { intakeProjection } from "./intake.ts";
import { lettersProjection } from "./letters.ts";
import type { Projection } from "./projection.ts";
import { schemesProjection } from "./schemes.ts";

/** Every projection of the system, by name: the bus rules route to these, rebuilds run all of them. */
export const projections: ReadonlyArray<Projection> = [
  applicationsProjection as Projection,
  agendaProjection as Projection,
  budgetLinesProjection as Projection,
  grantsProjection as Projection,
  schemesProjection as Projection,
  intakeProjection as Projection,
  evaluationProjection as Projection,
  lettersProjection as Projection,
];

export function projectionNamed(name: string): Projection {
  const found = projections.find((p) => p.name === name);
  if (!found) throw new Error(`no projection named ${name}`);
  return found;
}
