// Where a drill's evidence goes: reports/<UTC timestamp>-<name>/ with one file per
// reporter (journal.json, report.md, junit.xml, report.html), and reports/latest
// pointing at the newest run.
import { mkdirSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import type { Journal } from "../drill/journal.js";
import { reportsDir } from "../util/paths.js";
import { reporterByName, reporterNames } from "./reporters.js";

export interface RunReports {
  dir: string;
  /** The files written, by reporter name. */
  files: Record<string, string>;
  /** Reporters that failed, with the reason; the others' files are still written. */
  errors: Record<string, string>;
}

export function runDirName(journal: Journal): string {
  const stamp = journal.startedAt.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `${stamp}-${journal.scenario}${journal.variant ? `_${journal.variant}` : ""}`;
}

/** Writes every named reporter's file; the journal first, so the evidence exists even if a report fails. */
export function writeRun(journal: Journal, root = reportsDir, names: readonly string[] = reporterNames): RunReports {
  const selected = names.map(reporterByName);
  const dir = join(root, runDirName(journal));
  mkdirSync(dir, { recursive: true });
  const files: Record<string, string> = {};
  const errors: Record<string, string> = {};
  for (const r of [...selected].sort((a, b) => Number(b.name === "json") - Number(a.name === "json"))) {
    try {
      files[r.name] = r.write(journal, dir);
    } catch (err) {
      errors[r.name] = err instanceof Error ? err.message : String(err);
    }
  }
  const latest = join(root, "latest");
  rmSync(latest, { force: true });
  symlinkSync(runDirName(journal), latest);
  return { dir, files, errors };
}

/** The run's directory, as before; `names` picks reporters (default: all). */
export function writeRunReports(journal: Journal, root = reportsDir, names: readonly string[] = reporterNames): string {
  const { dir, errors } = writeRun(journal, root, names);
  for (const [name, why] of Object.entries(errors)) process.stderr.write(`report ${name} not written: ${why}\n`);
  return dir;
}
