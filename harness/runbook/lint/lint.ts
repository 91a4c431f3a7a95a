// `lint:runbooks`: everything about a runbook that can be checked without breaking
// anything. Each check lives in its own module; this one reads the files, runs the
// checks in order and hands back findings with file:line.
import { annotationsPathFor, type Annotations } from "../resolve/annotations.js";
import { coverageFindings, scanScenarios } from "./coverage.js";
import { fromDiagnostic, type Finding } from "./findings.js";
import { composeProjectFromRunbook, inventoryFindings, loadInventory } from "./inventory.js";
import { liveSeriesFindings, PrometheusSeriesClient, type SeriesClient } from "./live.js";
import { loadRunbook } from "../resolve/load.js";
import { checkExpressions, defaultPromtoolRunner, PromtoolUnavailable, type PromtoolRunner } from "./promtool.js";
import { resolveStepsWithDiagnostics, type ResolvedStep } from "../resolve/resolve.js";
import { checkScripts, defaultShellcheckRunner, ShellcheckUnavailable, type ShellcheckLevel, type ShellcheckRunner } from "./shellcheck.js";
import { replacesText } from "../resolve/steps.js";
import type { Runbook } from "../types.js";
import type { Logger } from "../../util/log.js";

export interface LintOptions {
  /** Paths below are relative to it, and findings name them that way. */
  repoRoot: string;
  runbookFile: string;
  /** Default: `<runbook>.drill.yaml` beside the runbook. */
  annotationsFile?: string;
  scenariosDir?: string;
  composeFile?: string;
  /** undefined: find one (PATH, then DRILL_PROMETHEUS_IMAGE); null: none available. */
  promtool?: PromtoolRunner | null;
  /** Ask this running Prometheus whether every Detection selector has series. */
  live?: { url: string; client?: SeriesClient };
  /** undefined: from PATH, installed with apt-get where this process may (root on
   *  Debian); `{ unavailable }`: not run, for that reason (reported as a warning). */
  shellcheck?: ShellcheckRunner | { unavailable: string };
  /** Progress the user should see (installing shellcheck). */
  log?: Logger;
}

export interface LintResult {
  runbook: Runbook;
  annotations: Annotations;
  steps: ResolvedStep[];
  findings: Finding[];
}

export const DEFAULT_SCENARIOS_DIR = "scenarios";
export const DEFAULT_COMPOSE_FILE = "stack/docker-compose.yml";

export async function lintRunbook(opts: LintOptions): Promise<LintResult> {
  const scenariosDir = opts.scenariosDir ?? DEFAULT_SCENARIOS_DIR;
  const composeFile = opts.composeFile ?? DEFAULT_COMPOSE_FILE;
  const annotationsFile = opts.annotationsFile ?? annotationsPathFor(opts.runbookFile);
  const { runbook, annotations } = loadRunbook(opts.repoRoot, opts.runbookFile, annotationsFile);
  const { steps, diagnostics } = resolveStepsWithDiagnostics(runbook, annotations);

  const findings: Finding[] = [
    ...runbook.diagnostics.map((d) => fromDiagnostic("parse", d, sectionAt(runbook, d.line))),
    ...diagnostics.map((d) => ({ ...fromDiagnostic("annotation", d, sectionOfStep(runbook, d.step)), ...(d.step ? { step: d.step } : {}) })),
    ...coverageFindings(runbook, annotations, scanScenarios(opts.repoRoot, scenariosDir), scenariosDir),
    ...placeholderFindings(steps, annotationsFile),
    ...detectionKindFindings(runbook),
    ...(await promqlSyntaxFindings(runbook, opts.promtool === undefined ? await defaultPromtoolRunner() : opts.promtool)),
    ...inventoryCheck(runbook, steps, opts.repoRoot, composeFile),
    ...(await shellcheckFindings(runbook, opts.shellcheck ?? (await defaultShellcheckRunner(opts.log)))),
  ];
  if (opts.live) {
    const client = opts.live.client ?? new PrometheusSeriesClient(opts.live.url);
    findings.push(...(await liveSeriesFindings(runbook, client, redactUrl(opts.live.url))));
  }
  return { runbook, annotations, steps, findings: sortFindings(findings) };
}

/** A step that runs must not run with `<service>` or `MASTER_KEY` still in it. */
function placeholderFindings(steps: readonly ResolvedStep[], annotationsFile: string): Finding[] {
  return steps
    .filter((s) => s.mode !== "manual" && s.unresolved.length > 0)
    .map((s) => {
      const first = s.placeholders.find((p) => s.unresolved.includes(p.token));
      const at = replacesText(s.mode) && s.modeAnnotation ? s.modeAnnotation : { file: s.file, line: first?.line ?? s.line };
      return {
        kind: "placeholder" as const,
        severity: "error" as const,
        ...at,
        section: s.section,
        step: s.id,
        message: `${s.id} is ${s.mode} but keeps placeholder${s.unresolved.length > 1 ? "s" : ""} ${s.unresolved.join(", ")}: bind ${s.unresolved.length > 1 ? "them" : "it"} in ${annotationsFile} or mark the step manual with a reason`,
      };
    });
}

/** Principle 2 needs PromQL: without it a drill cannot assert that an alert fires. */
function detectionKindFindings(runbook: Runbook): Finding[] {
  const out: Finding[] = [];
  for (const s of runbook.sections) {
    if (s.number === null || s.detection.some((d) => d.language === "promql")) continue;
    const kinds = [...new Set(s.detection.map((d) => d.language))];
    const first = s.detection[0];
    const what =
      kinds.length === 0
        ? "has no Detection part"
        : kinds.includes("bash")
          ? "detects with a shell command, not PromQL: the drill can probe it but cannot load it as an alert rule"
          : "describes detection in prose: the drill cannot load it as an alert rule";
    out.push({ kind: "detection", severity: "info", file: s.file, line: first?.line ?? s.line, section: s.number, message: `section ${s.number} ${what}` });
  }
  return out;
}

export async function promqlSyntaxFindings(runbook: Runbook, runner: PromtoolRunner | null | undefined): Promise<Finding[]> {
  const queries = runbook.sections.flatMap((s) =>
    s.detection.filter((d) => d.language === "promql").map((q, k) => ({ id: `s${s.number ?? "x"}-q${k + 1}`, q, section: s.number })),
  );
  if (queries.length === 0) return [];
  const notChecked = (why: string): Finding[] =>
    queries.map(({ q, section }) => ({
      kind: "promql-syntax" as const,
      severity: "warning" as const,
      file: q.file,
      line: q.line,
      section,
      message: `promql not checked: ${why}`,
    }));
  if (!runner) return notChecked("no promtool (install Debian's prometheus package, or set DRILL_PROMETHEUS_IMAGE)");
  let problems: Map<string, string>;
  try {
    problems = await checkExpressions(runner, queries.map(({ id, q }) => ({ id, expr: q.expr })));
  } catch (e) {
    if (e instanceof PromtoolUnavailable) return notChecked(e.message);
    throw e;
  }
  if (problems.size === 0) {
    // Say so: a check that ran and passed is evidence; silence is not.
    return [{ kind: "promql-syntax", severity: "info", file: runbook.file, line: 1, section: null, message: `${queries.length} Detection PromQL quer${queries.length === 1 ? "y parses" : "ies parse"} (${runner.description})` }];
  }
  return queries
    .filter(({ id }) => problems.has(id))
    .map(({ id, q, section }) => ({
      kind: "promql-syntax" as const,
      severity: "error" as const,
      file: q.file,
      line: q.line,
      section,
      message: `section ${section}: promtool rejects ${JSON.stringify(q.expr)}: ${problems.get(id)}`,
    }));
}

/** shellcheck's levels as lint severities. Its errors are errors: a step shellcheck calls
 *  an error would fail or misbehave when run verbatim. Its warnings are warnings (likely
 *  mistakes, such as a `cd` whose failure the next command ignores: worth reading, not a
 *  reason to fail the gate); info and style are notes. */
const SHELLCHECK_SEVERITY: Record<ShellcheckLevel, Finding["severity"]> = { error: "error", warning: "warning", info: "info", style: "info" };

export async function shellcheckFindings(runbook: Runbook, runner: ShellcheckRunner | { unavailable: string }): Promise<Finding[]> {
  const scripts = runbook.sections.flatMap((s) => [
    ...s.steps.map((step) => ({ id: step.id, text: step.text, line: step.line, section: s.number, step: step.id as string | undefined })),
    ...s.detection
      .filter((d) => d.language === "bash")
      .map((d, k) => ({ id: `detection-${s.number ?? "x"}-${k + 1}`, text: d.expr, line: d.line, section: s.number, step: undefined })),
  ]);
  if (scripts.length === 0) return [];
  const fileLevel = (severity: Finding["severity"], message: string): Finding => ({ kind: "shellcheck", severity, file: runbook.file, line: 1, section: null, message });
  // Never silent: a check that did not run says so, and why.
  if ("unavailable" in runner) return [fileLevel("warning", `shellcheck not run: ${runner.unavailable}`)];
  let comments;
  try {
    comments = await checkScripts(runner, scripts);
  } catch (e) {
    if (e instanceof ShellcheckUnavailable) return [fileLevel("warning", `shellcheck not run: ${e.message}`)];
    throw e;
  }
  const byId = new Map(scripts.map((s) => [s.id, s]));
  const steps = scripts.filter((s) => s.step !== undefined).length;
  const summary = `shellcheck checked ${steps} step${steps === 1 ? "" : "s"}${scripts.length > steps ? ` and ${scripts.length - steps} shell Detection block${scripts.length - steps === 1 ? "" : "s"}` : ""} (${runner.description}${runner.action ? `, ${runner.action}` : ""}): ${comments.length} comment${comments.length === 1 ? "" : "s"}`;
  return [
    fileLevel("info", summary),
    ...comments.map((c): Finding => {
      const s = byId.get(c.id)!;
      const what = s.step ?? `section ${s.section} Detection`;
      return {
        kind: "shellcheck",
        severity: SHELLCHECK_SEVERITY[c.level],
        file: runbook.file,
        line: c.line,
        section: s.section,
        ...(s.step ? { step: s.step } : {}),
        message: `${what}: SC${c.code} ${c.message} (https://www.shellcheck.net/wiki/SC${c.code})`,
      };
    }),
  ];
}

function inventoryCheck(runbook: Runbook, steps: readonly ResolvedStep[], repoRoot: string, composeFile: string): Finding[] {
  const project = composeProjectFromRunbook(runbook) ?? "docker-compose";
  const loaded = loadInventory(repoRoot, composeFile, project);
  const fileLevel = (message: string): Finding => ({ kind: "inventory", severity: "warning", file: runbook.file, line: 1, section: null, message });
  if (!loaded) return [fileLevel(`${composeFile} not found: container, volume, network, port and path checks skipped`)];
  if (!loaded.inventory) return [...loaded.diagnostics.map((d) => fromDiagnostic("inventory", d)), fileLevel(`${composeFile} could not be read: inventory checks skipped`)];
  const adapted = new Map(
    steps
      .filter((s) => replacesText(s.mode) && s.command !== undefined)
      .map((s) => [s.id, { text: s.command!, ...(s.modeAnnotation ?? { file: s.file, line: s.line }) }]),
  );
  return inventoryFindings(runbook, loaded.inventory, adapted);
}

function sectionAt(runbook: Runbook, line: number): number | null {
  const s = runbook.sections.find((x) => x.number !== null && line >= x.line && line <= x.endLine);
  return s?.number ?? null;
}

function sectionOfStep(runbook: Runbook, step: string | undefined): number | null {
  if (!step) return null;
  const n = Number(step.split(".")[0]);
  return runbook.sections.some((s) => s.number === n) ? n : null;
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url;
  }
}

const SEVERITY_RANK = { error: 0, warning: 1, info: 2 } as const;

function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) =>
      (a.section ?? -1) - (b.section ?? -1) ||
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity],
  );
}
