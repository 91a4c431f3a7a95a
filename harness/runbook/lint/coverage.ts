// Coverage: every numbered runbook section is drilled by a scenario or carries a waiver
// with a reason. Scenarios say which section they drill with
// `runbook: { file: runbooks/failure-modes.md, section: 4 }`.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, normalize, relative } from "node:path";
import type { Annotations } from "../resolve/annotations.js";
import type { Finding } from "./findings.js";
import type { Runbook } from "../types.js";
import { lineOf, parseYaml } from "../../util/yaml-source.js";

export interface ScenarioRef {
  /** The scenario file, relative to the repository root. */
  file: string;
  line: number;
  runbook: string;
  sections: number[];
}

export interface ScenarioScan {
  refs: ScenarioRef[];
  findings: Finding[];
  dirExists: boolean;
}

/** Reads `runbook:` from every `*.yaml`/`*.yml` in the scenarios folder. */
export function scanScenarios(repoRoot: string, scenariosDir: string): ScenarioScan {
  const abs = join(repoRoot, scenariosDir);
  const out: ScenarioScan = { refs: [], findings: [], dirExists: existsSync(abs) };
  if (!out.dirExists) return out;
  for (const name of readdirSync(abs).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    const file = relative(repoRoot, join(abs, name));
    const parsed = parseYaml(readFileSync(join(abs, name), "utf8"), file);
    const value = parsed.value as { runbook?: { file?: unknown; section?: unknown } } | undefined;
    const ref = value?.runbook;
    const sections = (Array.isArray(ref?.section) ? ref.section : [ref?.section]).map(Number).filter(Number.isInteger);
    if (!ref || typeof ref.file !== "string" || sections.length === 0) {
      out.findings.push({
        kind: "coverage",
        severity: "warning",
        file,
        line: parsed.diagnostics[0]?.line ?? lineOf(parsed.source, ["runbook"]),
        section: null,
        message: parsed.diagnostics[0]?.message ?? "scenario has no `runbook: { file, section }`: it covers no runbook section",
      });
      continue;
    }
    out.refs.push({ file, line: lineOf(parsed.source, ["runbook", "section"]), runbook: normalize(ref.file), sections });
  }
  return out;
}

export function coverageFindings(runbook: Runbook, annotations: Annotations, scan: ScenarioScan, scenariosDir: string): Finding[] {
  const findings: Finding[] = [...scan.findings.filter((f) => f.severity !== "info")];
  const mine = scan.refs.filter((r) => r.runbook === normalize(runbook.file));
  for (const ref of mine) {
    for (const n of ref.sections) {
      if (!runbook.sections.some((s) => s.number === n)) {
        findings.push({
          kind: "coverage",
          severity: "error",
          file: ref.file,
          line: ref.line,
          section: null,
          message: `scenario drills section ${n}, which ${runbook.file} does not have`,
        });
      }
    }
  }
  for (const section of runbook.sections) {
    if (section.number === null) continue;
    const n = section.number;
    const covered = mine.some((r) => r.sections.includes(n));
    const waiver = annotations.waivers.find((w) => w.section === n);
    if (covered && waiver) {
      findings.push({
        kind: "coverage",
        severity: "warning",
        file: waiver.file,
        line: waiver.line,
        section: n,
        message: `section ${n} has a scenario and a waiver: remove the waiver`,
      });
    }
    if (covered || waiver) continue;
    const where = scan.dirExists ? `no scenario in ${scenariosDir}/` : `${scenariosDir}/ does not exist yet, so no scenario`;
    findings.push({
      kind: "coverage",
      severity: "error",
      file: section.file,
      line: section.line,
      section: n,
      message: `section ${n} "${section.title}": ${where} drills it, and it has no waiver`,
    });
  }
  return findings;
}
