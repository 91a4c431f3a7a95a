// The scenario schema's `fault` definition, derived from the fault modules: the kinds, and
// per kind the parameters it takes with what each means, so an editor completes and
// explains them. Types and unknown names are left to the load-time check
// (faults/parameters.ts), whose messages name the closest parameter and say why.
// `npm run schema:faults` writes it into scenarios/scenario.schema.json; a unit test
// fails when the two disagree.
import { faultModules } from "./index.js";

export interface FaultSchema {
  type: "object";
  required: ["kind"];
  properties: { kind: { enum: string[]; description: string } };
  allOf: { if: { properties: { kind: { const: string } } }; then: { properties: Record<string, { description: string }> } }[];
}

export function faultSchema(): FaultSchema {
  const modules = Object.values(faultModules);
  return {
    type: "object",
    required: ["kind"],
    properties: {
      kind: {
        enum: modules.map((m) => m.kind),
        description: "the fault to inject (harness/faults/); combined: apply each fault in `of` (a list of faults) in order; reverted in reverse order",
      },
    },
    allOf: modules.map((m) => ({
      if: { properties: { kind: { const: m.kind } } },
      then: {
        properties: Object.fromEntries(
          Object.entries(m.parameters).map(([name, spec]) => [name, { description: `${spec.about}${spec.required ? " (required)" : ""}; ${spec.type}` }]),
        ),
      },
    })),
  };
}
