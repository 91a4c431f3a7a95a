// Every fault's parameters, checked when the scenario is loaded (file:line, before any
// container starts): a name not on the fault's list is an error naming the closest one.
// Each fault module declares its own list (FaultModule.parameters) and still checks
// values it alone understands (a toxic's attributes, a uid:gid owner) when it runs.

import { faultModules } from "./index.js";
import type { ParameterList, ParameterType } from "./fault.js";

export type { ParameterList, ParameterSpec, ParameterType } from "./fault.js";

/** By fault kind, from each fault module's own declaration (harness/faults/*.ts). */
export const faultParameters: Readonly<Record<string, ParameterList>> = Object.fromEntries(
  Object.values(faultModules).map((m) => [m.kind, m.parameters]),
);

/** Parameters whose value is a compose service name, by fault kind. */
export const serviceParameters: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  Object.values(faultModules)
    .filter((m) => m.serviceParameters?.length)
    .map((m) => [m.kind, m.serviceParameters ?? []]),
);

/** The edit distance between two short names (for "did you mean"). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** The closest of `known` to `name`, when it is close enough to be a typo. */
export function closest(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const scored = known.map((k) => ({ k, d: editDistance(lower, k.toLowerCase()) })).sort((x, y) => x.d - y.d);
  const best = scored[0];
  if (!best) return undefined;
  // A prefix or substring match counts too ("disk" -> "disk-full").
  if (best.d <= Math.max(2, Math.floor(best.k.length / 3))) return best.k;
  return known.find((k) => k.toLowerCase().includes(lower) || lower.includes(k.toLowerCase()));
}

const typeOk: Record<ParameterType, (v: unknown) => boolean> = {
  string: (v) => typeof v === "string",
  number: (v) => typeof v === "number" && Number.isFinite(v),
  integer: (v) => typeof v === "number" && Number.isInteger(v),
  "string-list": (v) => Array.isArray(v) && v.every((x) => typeof x === "string"),
  map: (v) => typeof v === "object" && v !== null && !Array.isArray(v),
  "fault-list": (v) => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "object" && x !== null && typeof (x as { kind?: unknown }).kind === "string"),
};

export interface ParameterProblem {
  /** The parameter at fault, or undefined for the fault as a whole. */
  param?: string;
  message: string;
}

/** What is wrong with a scenario's `fault:` block, one problem per parameter. */
export function checkFaultParameters(fault: { kind: string; [param: string]: unknown }): ParameterProblem[] {
  const list = faultParameters[fault.kind];
  if (!list) return [{ message: `fault kind "${fault.kind}" has no parameter list (its module in harness/faults/)` }];
  const names = Object.keys(list);
  const problems: ParameterProblem[] = [];
  for (const [name, value] of Object.entries(fault)) {
    if (name === "kind") continue;
    const spec = list[name];
    if (!spec) {
      const near = closest(name, names);
      const takes = names.length ? names.join(", ") : "no parameters";
      problems.push({ param: name, message: `fault ${fault.kind} has no parameter "${name}"${near ? ` (did you mean "${near}"?)` : ""}; it takes: ${takes}` });
    } else if (!typeOk[spec.type](value)) {
      problems.push({ param: name, message: `fault ${fault.kind}: parameter "${name}" must be ${spec.type === "map" ? "a mapping" : spec.type === "string-list" ? "a list of strings" : spec.type === "fault-list" ? "a list of faults, each with a kind" : spec.type === "integer" ? "an integer" : `a ${spec.type}`} (${spec.about}), got ${JSON.stringify(value)}` });
    } else if (spec.type === "fault-list") {
      // Each fault of the list is checked as if the scenario named it alone.
      (value as { kind: string }[]).forEach((inner, i) => {
        for (const p of checkFaultParameters(inner)) problems.push({ param: `${name}/${i}${p.param ? `/${p.param}` : ""}`, message: p.message });
      });
    }
  }
  for (const [name, spec] of Object.entries(list)) {
    if (spec.required && fault[name] === undefined) problems.push({ message: `fault ${fault.kind} needs parameter "${name}" (${spec.about})` });
  }
  return problems;
}
