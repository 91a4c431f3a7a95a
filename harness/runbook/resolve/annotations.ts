// Drill annotations: how a drill should treat a runbook step when its text alone does
// not say (bind a placeholder, expect an output, run a documented equivalent, or keep
// it manual). They live beside the runbook in `<name>.drill.yaml`, keyed by step id, so
// the stack owner's document stays untouched; runbooks that prefer it can carry an
// `<!-- drill: {...} -->` comment before a fence instead; and a scenario can override
// both. Later layers win: inline < file < scenario override, and within a layer an
// exact step id wins over `N.*`.
import { existsSync, readFileSync } from "node:fs";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { annotationsFileSchema, STEP_KEY_PATTERN, stepOverridesSchema } from "./annotation-schema.js";
import type { StepMode } from "./steps.js";
import type { Diagnostic, Runbook } from "../types.js";
import { lineOf, parseYaml, pointerPath, type YamlSource } from "../../util/yaml-source.js";

export type MatchInput = string | { contains?: string | string[]; regex?: string | string[]; notContains?: string | string[] };

export interface ExpectInput {
  exit?: number | number[] | "any";
  stdout?: MatchInput;
  stderr?: MatchInput;
  output?: MatchInput;
}

export interface StepAnnotation {
  mode?: StepMode;
  reason?: string;
  /** The documented equivalent an adapted step runs instead of its text (a frozen copy: record `writtenFor`). */
  run?: string;
  /**
   * An adaptation derived from the step's own text, which follows the runbook when it
   * changes: lines to drop (as written, trimmed) and text to replace. A dropped line or a
   * replaced text that is no longer in the step makes the adaptation stale.
   */
  derive?: { drop?: string[]; replace?: { from: string; to: string }[] };
  /** The step text this annotation was written against: the first 12 hex digits of its SHA-256 (`npm run lint:runbooks` prints it). */
  writtenFor?: string;
  /** Placeholder token as written in the step (`MASTER_KEY`, `<service>`) -> value.
   *  Values may name drill values as `${NAME}`, filled in from the drill's bindings. */
  bind?: Record<string, string>;
  expect?: ExpectInput;
  /** Seconds, or "90s" / "2m" / "500ms". */
  timeout?: number | string;
  note?: string;
}

export type AnnotationOrigin = "inline" | "file" | "override";

export interface AnnotationEntry {
  /** A step id (`4.3b`) or a whole section (`4.*`). */
  target: string;
  annotation: StepAnnotation;
  origin: AnnotationOrigin;
  file: string;
  line: number;
}

export interface Waiver {
  section: number;
  reason: string;
  file: string;
  line: number;
}

export interface Annotations {
  entries: AnnotationEntry[];
  waivers: Waiver[];
  diagnostics: Diagnostic[];
  /** The sidecar file, when one was read. */
  file?: string;
}

export const emptyAnnotations = (): Annotations => ({ entries: [], waivers: [], diagnostics: [] });

/** `runbooks/failure-modes.md` -> `runbooks/failure-modes.drill.yaml`. */
export function annotationsPathFor(runbookFile: string): string {
  return runbookFile.replace(/\.(md|markdown)$/i, "") + ".drill.yaml";
}

/** Reads the sidecar file; a runbook without one simply has no file annotations.
 *  `displayName` is how findings name the file (usually repo-relative). */
export function loadAnnotations(path: string, displayName: string = path): Annotations {
  if (!existsSync(path)) return emptyAnnotations();
  return parseAnnotations(readFileSync(path, "utf8"), displayName);
}

export function parseAnnotations(text: string, file: string): Annotations {
  const parsed = parseYaml(text, file);
  const out: Annotations = { ...emptyAnnotations(), file, diagnostics: [...parsed.diagnostics] };
  if (parsed.value === undefined || parsed.value === null) return out;
  const errors = validate(validators().file, parsed.value, parsed.source);
  out.diagnostics.push(...errors);
  if (typeof parsed.value !== "object" || Array.isArray(parsed.value)) return out;
  // Keep the entries that are valid: one typo should not switch off every annotation.
  const bad = new Set(errors.map((e) => e.step));
  const value = parsed.value as { steps?: unknown; waivers?: unknown };
  const stepKey = new RegExp(STEP_KEY_PATTERN);
  for (const [target, annotation] of objectEntries(value.steps)) {
    if (!stepKey.test(target) || bad.has(target)) continue;
    const line = lineOf(parsed.source, ["steps"], target);
    const a = annotation as StepAnnotation;
    out.entries.push({ target, annotation: normalise(a), origin: "file", file, line });
    out.diagnostics.push(...checkRegexes(a, parsed.source, ["steps", target]));
  }
  for (const [section, reason] of objectEntries(value.waivers)) {
    if (!/^[0-9]+$/.test(section) || typeof reason !== "string" || reason.trim() === "") continue;
    out.waivers.push({ section: Number(section), reason, file, line: lineOf(parsed.source, ["waivers"], section) });
  }
  return out;
}

function objectEntries(v: unknown): [string, unknown][] {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? Object.entries(v) : [];
}

/** A scenario's `steps:` overrides, a plain object merged over the file annotations.
 *  `where` says where the object came from, for error messages. */
export function overrideAnnotations(overrides: unknown, where: { file: string; line: number }): Annotations {
  const out = emptyAnnotations();
  if (overrides === undefined || overrides === null) return out;
  out.diagnostics.push(...validate(validators().overrides, overrides, undefined).map((d) => ({ ...d, ...where })));
  if (out.diagnostics.length > 0) return out;
  for (const [target, annotation] of Object.entries(overrides as Record<string, StepAnnotation>)) {
    const bad = checkRegexes(annotation, undefined, [target]).map((d) => ({ ...d, file: where.file, line: where.line }));
    out.diagnostics.push(...bad);
    out.entries.push({ target, annotation: normalise(annotation), origin: "override", file: where.file, line: where.line });
  }
  return out;
}

const STEP_REF = /^(?:([0-9]+)\.)?([0-9]+[a-z]?)$/;

/** `<!-- drill: {...} -->` comments before a runbook's bash blocks. The object is
 *  either keyed by steps of that block (`3b` or `4.3b`) or is one annotation for every
 *  step in the block. */
export function inlineAnnotations(runbook: Runbook): Annotations {
  const out = emptyAnnotations();
  for (const section of runbook.sections) {
    for (const block of section.blocks) {
      const inline = block.inlineAnnotation;
      if (!inline) continue;
      const stepsInBlock = section.steps.filter((s) => s.line > block.fenceLine && s.line < block.endLine);
      if (section.number === null || stepsInBlock.length === 0) {
        out.diagnostics.push({
          file: runbook.file,
          line: inline.line,
          severity: "warning",
          message: "<!-- drill: --> before a block that holds no runbook steps is ignored",
        });
        continue;
      }
      // The YAML starts on the comment's own line, right after `drill:`.
      const parsed = parseYaml(inline.text, runbook.file, inline.line - 1);
      out.diagnostics.push(...parsed.diagnostics);
      const value = parsed.value;
      if (value === undefined || value === null) continue;
      const keys = typeof value === "object" && !Array.isArray(value) ? Object.keys(value) : [];
      const perStep = keys.length > 0 && keys.every((k) => STEP_REF.test(k));
      const overrides: Record<string, unknown> = {};
      const lines: Record<string, number> = {};
      if (perStep) {
        for (const k of keys) {
          const m = STEP_REF.exec(k)!;
          const id = m[1] !== undefined ? k : `${section.number}.${m[2]}`;
          overrides[id] = (value as Record<string, unknown>)[k];
          lines[id] = lineOf(parsed.source, [], k);
        }
      } else {
        for (const s of stepsInBlock) {
          overrides[s.id] = value;
          lines[s.id] = inline.line;
        }
      }
      const errors = validate(validators().overrides, overrides, undefined).map((d) => ({ ...d, file: runbook.file, line: inline.line }));
      if (errors.length > 0) {
        out.diagnostics.push(...errors);
        continue;
      }
      for (const [target, annotation] of Object.entries(overrides as Record<string, StepAnnotation>)) {
        const line = lines[target] ?? inline.line;
        out.diagnostics.push(...checkRegexes(annotation, undefined, [target]).map((d) => ({ ...d, file: runbook.file, line })));
        out.entries.push({ target, annotation: normalise(annotation), origin: "inline", file: runbook.file, line });
      }
    }
  }
  return out;
}

/** Layers in precedence order (lowest first). */
export function mergeAnnotations(...layers: Annotations[]): Annotations {
  const file = layers.find((l) => l.file !== undefined)?.file;
  return {
    entries: layers.flatMap((l) => l.entries),
    waivers: layers.flatMap((l) => l.waivers),
    diagnostics: layers.flatMap((l) => l.diagnostics),
    ...(file !== undefined ? { file } : {}),
  };
}

const ORIGIN_RANK: Record<AnnotationOrigin, number> = { inline: 0, file: 1, override: 2 };

/** The entries that apply to a step, lowest precedence first. */
export function entriesFor(annotations: Annotations, stepId: string): AnnotationEntry[] {
  const section = stepId.split(".")[0];
  const rank = (e: AnnotationEntry): number => ORIGIN_RANK[e.origin] * 2 + (e.target.endsWith(".*") ? 0 : 1);
  return annotations.entries
    .filter((e) => e.target === stepId || e.target === `${section}.*`)
    .sort((a, b) => rank(a) - rank(b));
}

/** Folds annotations: later fields win; `bind` and `expect` merge key by key. */
export function foldAnnotations(entries: readonly AnnotationEntry[]): StepAnnotation {
  const out: StepAnnotation = {};
  for (const { annotation: a } of entries) {
    if (a.mode !== undefined) {
      out.mode = a.mode;
      // A later mode without its own run/reason must not inherit an earlier one's.
      delete out.run;
      delete out.derive;
      delete out.reason;
    }
    if (a.reason !== undefined) out.reason = a.reason;
    if (a.run !== undefined) out.run = a.run;
    if (a.derive !== undefined) out.derive = a.derive;
    if (a.bind) out.bind = { ...out.bind, ...a.bind };
    if (a.expect) out.expect = { ...out.expect, ...a.expect };
    if (a.timeout !== undefined) out.timeout = a.timeout;
    if (a.note !== undefined) out.note = a.note;
  }
  return out;
}

/** Bind values may be numbers in YAML; commands are text. */
function normalise(a: StepAnnotation): StepAnnotation {
  if (!a.bind) return a;
  return { ...a, bind: Object.fromEntries(Object.entries(a.bind).map(([k, v]) => [k, String(v)])) };
}

function checkRegexes(a: StepAnnotation, src: YamlSource | undefined, path: string[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const stream of ["stdout", "stderr", "output"] as const) {
    const m = a.expect?.[stream];
    if (m === undefined || typeof m === "string" || m.regex === undefined) continue;
    for (const pattern of Array.isArray(m.regex) ? m.regex : [m.regex]) {
      try {
        new RegExp(pattern, "m");
      } catch (e) {
        out.push({
          file: src?.file ?? "",
          line: src ? lineOf(src, [...path, "expect", stream, "regex"]) : 0,
          step: path[path.length - 1]!,
          severity: "error",
          message: `step ${path[path.length - 1]}: expect.${stream}.regex ${JSON.stringify(pattern)} is not a valid regular expression (${(e as Error).message})`,
        });
      }
    }
  }
  return out;
}

interface Validators {
  file: ValidateFunction;
  overrides: ValidateFunction;
}

let compiled: Validators | undefined;

function validators(): Validators {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
    compiled = {
      file: ajv.compile(annotationsFileSchema),
      overrides: ajv.compile(stepOverridesSchema),
    };
  }
  return compiled;
}

function validate(fn: ValidateFunction, value: unknown, src: YamlSource | undefined): Diagnostic[] {
  if (fn(value)) return [];
  return relevantErrors(fn.errors ?? []).map((e) => {
    const path = pointerPath(e.instancePath);
    const key =
      e.keyword === "additionalProperties"
        ? String((e.params as { additionalProperty: string }).additionalProperty)
        : e.keyword === "propertyNames"
          ? String((e.params as { propertyName: string }).propertyName)
          : undefined;
    const step = path[0] === "steps" ? path[1] : new RegExp(STEP_KEY_PATTERN).test(path[0] ?? "") ? path[0] : undefined;
    return {
      file: src?.file ?? "",
      line: src ? lineOf(src, path, key) : 0,
      severity: "error" as const,
      message: describeError(e),
      ...(step !== undefined ? { step } : {}),
    };
  });
}

/** ajv reports every failed branch of an anyOf and the `if` that led to a `then`; a
 *  person needs one line per problem. */
function relevantErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === "anyOf").map((e) => e.instancePath));
  return errors.filter((e) => {
    if (e.keyword === "if") return false;
    if (e.keyword === "pattern" && e.propertyName !== undefined) return false; // reported as propertyNames
    if (e.keyword !== "anyOf" && [...anyOfPaths].some((p) => e.instancePath === p || e.instancePath.startsWith(p + "/"))) return false;
    return true;
  });
}

function describeError(e: ErrorObject): string {
  const path = pointerPath(e.instancePath);
  // `step 4.3b timeout` reads better than `steps.4.3b.timeout`, whose dots are ambiguous.
  const stepAt = path[0] === "steps" && path[1] !== undefined ? 1 : new RegExp(STEP_KEY_PATTERN).test(path[0] ?? "") ? 0 : -1;
  const where =
    stepAt >= 0
      ? [`step ${path[stepAt]}`, ...path.slice(stepAt + 1)].join(" ")
      : path.join(".") || "(top level)";
  switch (e.keyword) {
    case "additionalProperties":
      return `${where}: unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`;
    case "propertyNames": {
      const name = (e.params as { propertyName: string }).propertyName;
      const hint = where === "waivers" ? "a section number" : "a step id such as 4.3b, or 4.* for a whole section";
      return `${where}: "${name}" is not ${hint}`;
    }
    case "anyOf": {
      const description = (e.parentSchema as { description?: string } | undefined)?.description;
      if (description?.startsWith("needs ")) return `${where}: an adapted step ${description}`;
      return `${where}: must be ${description ?? "one of the allowed forms"}`;
    }
    case "enum":
      // The `run` rule's enum (two modes), not the field's own list of every mode.
      if ((e.params as { allowedValues: unknown[] }).allowedValues.length === 2 && e.instancePath.endsWith("/mode")) {
        return `${where}: must be adapted or operator-fix when \`run\` is given (only those run other text than the step's)`;
      }
      return `${where}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(", ")}`;
    case "const":
      return `${where}: must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)} when \`run\` is given (only an adapted step runs other text)`;
    case "required": {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      if (missing === "mode") return `${where}: \`run\` needs \`mode: adapted\` (or \`mode: operator-fix\` when the runbook gives no command)`;
      const mode = (e.data as { mode?: string } | undefined)?.mode;
      const article = mode && /^[aeiou]/.test(mode) ? "an" : "a";
      return mode ? `${where}: ${article} ${mode} step needs \`${missing}\`` : `${where}: \`${missing}\` is required`;
    }
    default:
      return `${where}: ${e.message ?? e.keyword}`;
  }
}
