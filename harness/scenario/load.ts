// Load scenario files: YAML, checked against scenarios/scenario.schema.json, with every
// error reported at file:line so the author can jump to it.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import AjvModule, { type ErrorObject } from "ajv";
import { invalidPattern } from "../drill/findings.js";
import { isMap, type Node } from "yaml";
import { lineAt, parseYaml, valueLine, valueNode } from "../util/yaml-source.js";
import { repoRoot } from "../util/paths.js";
import type { Drill, ScenarioFile } from "./types.js";

export const scenariosDir = join(repoRoot, "scenarios");
const schemaFile = join(scenariosDir, "scenario.schema.json");

export class ScenarioError extends Error {}

// ajv's CommonJS default export under NodeNext.
const Ajv = AjvModule as unknown as typeof AjvModule.default;
let validator: ReturnType<InstanceType<typeof Ajv>["compile"]> | undefined;
function validate(doc: unknown): ErrorObject[] {
  validator ??= new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(schemaFile, "utf8")) as object);
  return validator(doc) ? [] : [...(validator.errors ?? [])];
}

export function scenarioFiles(): string[] {
  if (!existsSync(scenariosDir)) return [];
  return readdirSync(scenariosDir)
    .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
    .sort()
    .map((f) => join(scenariosDir, f));
}

export function loadScenarioFile(path: string): Drill[] {
  const rel = relative(repoRoot, path);
  const { source } = parseYaml(readFileSync(path, "utf8"), rel);
  const { doc } = source;
  const lineOf = (offset: number | undefined) => lineAt(source, offset);
  if (doc.errors.length > 0) {
    throw new ScenarioError(doc.errors.map((e) => `${rel}:${lineOf(e.pos[0])}: ${e.message.split("\n")[0]}`).join("\n"));
  }
  const data = doc.toJS() as ScenarioFile;
  const errors = validate(data);
  if (errors.length > 0) {
    const msgs = errors
      // oneOf/anyOf summaries repeat what the detailed errors already say.
      .filter((e) => e.keyword !== "oneOf" || errors.length === 1)
      .map((e) => {
        const where = e.instancePath || "(top level)";
        const extra = e.keyword === "additionalProperties" ? ` "${String((e.params as { additionalProperty?: string }).additionalProperty)}"` : "";
        const allowed = e.keyword === "enum" ? `: ${((e.params as { allowedValues?: unknown[] }).allowedValues ?? []).join(", ")}` : "";
        return `${rel}:${valueLine(source, e.instancePath)}: ${where} ${e.message ?? "is invalid"}${extra}${allowed}`;
      });
    throw new ScenarioError([...new Set(msgs)].join("\n"));
  }
  const patternErrors = [data, ...(data.variants ?? [])].flatMap((body, i) =>
    (body.knownFindings ?? []).flatMap((k, j) => {
      const bad = invalidPattern(k);
      const pointer = i === 0 ? `/knownFindings/${j}/matches` : `/variants/${i - 1}/knownFindings/${j}/matches`;
      return bad ? [`${rel}:${valueLine(source, pointer)}: ${bad}`] : [];
    }),
  );
  if (patternErrors.length > 0) throw new ScenarioError(patternErrors.join("\n"));
  const stem = basename(path).replace(/\.ya?ml$/, "");
  if (data.scenario !== stem) {
    throw new ScenarioError(`${rel}:${valueLine(source, "/scenario")}: scenario "${data.scenario}" must match its file name "${stem}"`);
  }
  const overrideLines = (base: string): Record<string, number> => {
    const out: Record<string, number> = {};
    const node = valueNode(source, base);
    if (isMap(node)) for (const item of node.items) out[String((item.key as { value?: unknown })?.value)] = lineOf((item.key as Node | null)?.range?.[0]);
    return out;
  };
  const base: Drill = { ...data, id: data.scenario, source: `${rel}:1`, overrideLines: overrideLines("/overrides") };
  delete base.variants;
  if (!data.variants?.length) return [base];
  return data.variants.map((v, i) => {
    const { name, description, ...body } = v;
    return {
      ...base,
      ...body,
      description: description ?? base.description,
      id: `${data.scenario}:${name}`,
      variant: name,
      overrides: { ...(base.overrides ?? {}), ...(body.overrides ?? {}) },
      source: `${rel}:${valueLine(source, `/variants/${i}`)}`,
      overrideLines: { ...base.overrideLines, ...overrideLines(`/variants/${i}/overrides`) },
    };
  });
}

/** Every drill of every scenario file; a malformed file throws with file:line errors. */
export function loadAllDrills(): Drill[] {
  return scenarioFiles().flatMap(loadScenarioFile);
}

/** `disk-full`, `postgres-down` (all its variants) or `postgres-down:corrupted-data`. */
export function findDrills(name: string): Drill[] {
  const all = loadAllDrills();
  const found = all.filter((d) => d.id === name || d.scenario === name);
  if (found.length === 0) {
    throw new ScenarioError(`no scenario named "${name}". Known: ${[...new Set(all.map((d) => d.id))].join(", ") || "(none in scenarios/)"}`);
  }
  return found;
}
