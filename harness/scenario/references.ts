// What a scenario names must exist, checked when it is loaded and before anything runs:
// the runbook and its section and steps, the compose services, the alert rules, the
// fault's parameters. Each problem comes back with the JSON pointer of the YAML node it
// is about, so the loader can say file:line.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { loadRunbook } from "../runbook/resolve/load.js";
import { allSteps } from "../runbook/parse/parse.js";
import { readComposeFile } from "../stack/compose-file.js";
import { drillOnlyServices } from "../stack/drill-stack.js";
import { drillOnlyStandIns } from "../stack/catalog.js";
import { productionPrometheusDir } from "../stack/prometheus-config.js";
import { checkFaultParameters, closest, serviceParameters } from "../faults/parameters.js";
import { productionComposeFile, repoRoot } from "../util/paths.js";
import type { Check, ScenarioBody, ScenarioFile } from "./types.js";

export interface ReferenceProblem {
  /** JSON pointer into the scenario file. */
  pointer: string;
  message: string;
}

export interface StackNames {
  services: readonly string[];
  alerts: readonly string[];
}

/** The services a drill can have (the production compose file and the drill's own) and the alert rules. */
export function stackNames(): StackNames {
  const services = [...Object.keys(readComposeFile(productionComposeFile).services), ...drillOnlyServices, ...Object.keys(drillOnlyStandIns)];
  const rulesDir = join(productionPrometheusDir, "rules");
  const alerts = existsSync(rulesDir)
    ? readdirSync(rulesDir)
        .filter((f) => /\.ya?ml$/.test(f))
        .flatMap((f) => {
          const doc = parse(readFileSync(join(rulesDir, f), "utf8")) as { groups?: { rules?: { alert?: string }[] }[] } | null;
          return (doc?.groups ?? []).flatMap((g) => g.rules ?? []).flatMap((r) => (r.alert ? [r.alert] : []));
        })
    : [];
  return { services, alerts };
}

const suggest = (name: string, known: readonly string[]) => {
  const near = closest(name, known);
  return near ? ` (did you mean "${near}"?)` : "";
};

/** Every problem with what the scenario (and each variant) refers to. */
export function checkReferences(data: ScenarioFile, names: StackNames = stackNames()): ReferenceProblem[] {
  const problems: ReferenceProblem[] = [];
  const service = (pointer: string, name: unknown, what: string) => {
    if (typeof name === "string" && !names.services.includes(name)) {
      problems.push({ pointer, message: `${what} "${name}" is not a service of stack/docker-compose.yml or the drill${suggest(name, names.services)}` });
    }
  };
  const alert = (pointer: string, name: string | undefined) => {
    if (name !== undefined && !names.alerts.includes(name)) {
      problems.push({ pointer, message: `no alert rule named "${name}" in stack/config/prometheus/rules${suggest(name, names.alerts)} (it has ${names.alerts.join(", ") || "none"})` });
    }
  };
  const checks = (pointer: string, list: Check[] | undefined) =>
    (list ?? []).forEach((c, i) => {
      service(`${pointer}/${i}/http/service`, c.http?.service, `check "${c.name}" names service`);
      alert(`${pointer}/${i}/alert/name`, c.alert?.name);
    });

  // The runbook: file, section, steps. Step ids are global (a scenario may escalate to another section's step).
  let stepIds: string[] | undefined;
  const runbookFile = data.runbook.file;
  if (!existsSync(join(repoRoot, runbookFile))) {
    problems.push({ pointer: "/runbook/file", message: `runbook ${runbookFile} does not exist` });
  } else {
    try {
      const { runbook } = loadRunbook(repoRoot, runbookFile);
      const sections = runbook.sections.flatMap((s) => (s.number === null ? [] : [s.number]));
      if (sections.length === 0) {
        problems.push({ pointer: "/runbook/file", message: `runbook ${runbookFile} has no numbered sections ("### N. Title" headings): nothing to drill` });
      } else if (!sections.includes(data.runbook.section)) {
        problems.push({ pointer: "/runbook/section", message: `runbook ${runbookFile} has no section ${data.runbook.section} (it has ${sections.join(", ")})` });
      }
      stepIds = allSteps(runbook).map((s) => s.id);
    } catch (err) {
      problems.push({ pointer: "/runbook/file", message: `runbook ${runbookFile} cannot be read: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}` });
    }
  }

  (data.needs ?? []).forEach((s, i) => service(`/needs/${i}`, s, "needs"));
  const stack = data.stack;
  for (const s of Object.keys(stack?.environment ?? {})) service(`/stack/environment/${s}`, s, "stack.environment");
  for (const s of Object.keys(stack?.memoryLimitsMb ?? {})) service(`/stack/memoryLimitsMb/${s}`, s, "stack.memoryLimitsMb");
  service("/stack/hostMemoryFrom", stack?.hostMemoryFrom, "stack.hostMemoryFrom");

  const bodies: { pointer: string; body: Partial<ScenarioBody> }[] = [
    { pointer: "", body: data },
    ...(data.variants ?? []).map((v, i) => ({ pointer: `/variants/${i}`, body: v })),
  ];
  for (const { pointer, body } of bodies) {
    if (stepIds) {
      const section = `section ${data.runbook.section}`;
      (body.steps ?? []).forEach((id, i) => {
        if (!stepIds?.includes(id)) problems.push({ pointer: `${pointer}/steps/${i}`, message: `${runbookFile} has no step ${id}${suggest(id, stepIds ?? [])} (steps of ${section}: ${stepIds?.filter((s) => s.split(".")[0] === String(data.runbook.section)).join(", ")})` });
      });
    }
    if (body.fault) {
      for (const p of checkFaultParameters(body.fault)) problems.push({ pointer: `${pointer}/fault${p.param ? `/${p.param}` : ""}`, message: p.message });
      for (const param of serviceParameters[body.fault.kind] ?? []) {
        const value = body.fault[param];
        const list = Array.isArray(value) ? value : [value];
        list.forEach((v, i) => service(`${pointer}/fault/${param}${Array.isArray(value) ? `/${i}` : ""}`, v, `fault ${body.fault?.kind}: ${param}`));
      }
    }
    alert(`${pointer}/detection/alert`, body.detection?.alert);
    checks(`${pointer}/detection/symptoms`, body.detection?.symptoms);
    checks(`${pointer}/recovery`, body.recovery);
  }
  return problems;
}
