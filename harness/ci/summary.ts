// A summary of many drill runs (a night's matrix, a pull request's gate) rendered from
// their journal.json files alone, like every other report. A drill that was expected
// but left no journal (its runner died, timed out, or never started) is a row of its
// own and counts as a failure: silence is not a pass.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import type { Journal } from "../drill/journal.js";

export interface FoundRun {
  journal: Journal;
  /** The journal's folder, relative to the search root. */
  dir: string;
  /** report.md beside the journal, when there is one. */
  reportMd?: string;
}

export interface Expected {
  id: string;
  profile?: string;
}

export interface SummaryProblem {
  where: string;
  message: string;
}

export const drillId = (j: Pick<Journal, "scenario" | "variant">): string => `${j.scenario}${j.variant ? `:${j.variant}` : ""}`;

/** Every journal.json under `root` (artifact downloads nest them a few levels deep). */
export function findRuns(root: string): { runs: FoundRun[]; problems: SummaryProblem[] } {
  const runs: FoundRun[] = [];
  const problems: SummaryProblem[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const st = statSync(path, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory() && name !== "latest") walk(path);
      else if (name === "journal.json") {
        try {
          const journal = JSON.parse(readFileSync(path, "utf8")) as Journal;
          if (journal.schemaVersion !== 1 || typeof journal.scenario !== "string" || typeof journal.status !== "string") {
            throw new Error("not a drill journal (schemaVersion 1 with scenario and status)");
          }
          const report = join(dirname(path), "report.md");
          runs.push({ journal, dir: relative(root, dirname(path)) || ".", ...(existsSync(report) ? { reportMd: readFileSync(report, "utf8") } : {}) });
        } catch (err) {
          problems.push({ where: relative(root, path), message: err instanceof Error ? err.message : String(err) });
        }
      }
    }
  };
  if (existsSync(root)) walk(root);
  else problems.push({ where: root, message: "no such directory" });
  runs.sort((a, b) => drillId(a.journal).localeCompare(drillId(b.journal)) || a.journal.startedAt.localeCompare(b.journal.startedAt));
  return { runs, problems };
}

const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
const secs = (n: number | undefined): string => (n === undefined ? "—" : `${n.toFixed(1)} s`);

export interface SummaryOptions {
  title: string;
  expected?: Expected[];
  /** Append each drill's report.md (collapsed). */
  withReports?: boolean;
  /** Cap on the output's length (a pull-request comment holds 65,536 characters). */
  maxChars?: number;
  problems?: SummaryProblem[];
}

export interface Summary {
  markdown: string;
  passed: number;
  failed: number;
  notRun: number;
  missing: Expected[];
  /** True only when at least one drill ran and every drill passed and none is missing. */
  ok: boolean;
}

export function renderSummary(runs: FoundRun[], opts: SummaryOptions): Summary {
  const count = (s: Journal["status"]) => runs.filter((r) => r.journal.status === s).length;
  const passed = count("passed");
  const failed = count("failed");
  const notRun = count("not-run");
  const missing = (opts.expected ?? []).filter(
    (e) => !runs.some((r) => drillId(r.journal) === e.id && (e.profile === undefined || r.journal.profile === e.profile)),
  );
  const problems = opts.problems ?? [];
  const ok = runs.length > 0 && failed === 0 && notRun === 0 && missing.length === 0 && problems.length === 0;

  const out: string[] = [];
  out.push(`## ${opts.title}`, "");
  out.push(
    `**${ok ? "PASSED" : "FAILED"}**: ${passed} passed, ${failed} failed, ${notRun} not run` +
      (missing.length > 0 ? `, ${missing.length} without a journal` : "") +
      (problems.length > 0 ? `, ${problems.length} unreadable` : "") +
      ".",
    "",
  );
  if (runs.length === 0 && missing.length === 0) out.push("No drill journals were found.", "");
  if (runs.length > 0 || missing.length > 0) {
    out.push("| drill | profile | status | runbook section | time to detect (rule's bound) | time to recover | steps drilled / adapted / manual | new findings | known findings | stand-ins |");
    out.push("|---|---|---|---|---|---|---|---|---|---|");
    for (const { journal: j } of runs) {
      const steps = j.steps ?? [];
      const by = (m: string) => steps.filter((s) => s.mode === m).length;
      const failedSteps = steps.filter((s) => s.result === "failed").map((s) => s.id);
      const findings = j.findings ?? [];
      const standIns = (j.implementations ?? []).filter((i) => i.standIn).map((i) => i.service);
      // "not detected" only when the detect phase ran; a drill that stopped earlier shows "—".
      const detectRan = (j.phases ?? []).some((p) => p.name === "detect" && p.status !== "skipped");
      const detect =
        j.detection?.secondsToDetect !== undefined ? `${secs(j.detection.secondsToDetect)} (${j.detection.lowerBoundSeconds ?? "?"} s)` : detectRan ? "not detected" : "—";
      out.push(
        `| ${cell(drillId(j))} | ${cell(j.profile ?? "—")} | ${j.status === "passed" ? "passed" : `**${j.status.toUpperCase()}**`} | ${j.runbook?.section ?? "—"} | ${detect} | ${secs(j.recovery?.secondsToRecover)} | ${by("drilled")} / ${by("adapted")} / ${by("manual")}${failedSteps.length > 0 ? ` (failed: ${cell(failedSteps.join(", "))})` : ""} | ${findings.filter((f) => !f.acknowledged).length} | ${findings.filter((f) => f.acknowledged).length} | ${standIns.length > 0 ? cell(standIns.join(", ")) : "none"} |`,
      );
    }
    for (const m of missing) {
      out.push(`| ${cell(m.id)} | ${cell(m.profile ?? "—")} | **NO JOURNAL** | — | — | — | — | — | — | — |`);
    }
    out.push("");
  }

  const bad = runs.filter((r) => r.journal.status !== "passed");
  if (bad.length > 0 || missing.length > 0 || problems.length > 0) {
    out.push("### What failed", "");
    for (const { journal: j } of bad) {
      const newFindings = (j.findings ?? []).filter((f) => !f.acknowledged);
      if (j.reason) out.push(`- **${cell(drillId(j))}** (${j.status}): ${cell(j.reason)}`);
      for (const f of newFindings) out.push(`- **${cell(drillId(j))}** ${f.phase}${f.step ? ` step ${f.step}` : ""}: ${cell(f.summary)}`);
      if (!j.reason && newFindings.length === 0) out.push(`- **${cell(drillId(j))}** (${j.status}): see its report`);
    }
    for (const m of missing) out.push(`- **${cell(m.id)}**${m.profile ? ` (${m.profile})` : ""}: no journal: the drill's job failed before writing one, timed out, or did not run`);
    for (const p of problems) out.push(`- \`${cell(p.where)}\`: ${cell(p.message)}`);
    out.push("");
  }
  const standInRuns = runs.filter((r) => (r.journal.implementations ?? []).some((i) => i.standIn));
  if (standInRuns.length > 0) out.push("Stand-ins (API-compatible replacements, not the real service) served the services named in the table; each report says which and why.", "");

  let markdown = out.join("\n");
  if (opts.withReports) {
    const sections = runs
      .filter((r) => r.reportMd)
      .map((r) => `<details><summary>${drillId(r.journal)} (${r.journal.profile ?? "?"}): ${r.journal.status}</summary>\n\n${r.reportMd!.trim()}\n\n</details>\n`);
    const limit = opts.maxChars ?? Infinity;
    for (const s of sections) {
      if (markdown.length + s.length + 200 > limit) {
        markdown += `\n_Reports cut: the full reports are in the run's artifacts._\n`;
        break;
      }
      markdown += `\n${s}`;
    }
  }
  if (opts.maxChars !== undefined && markdown.length > opts.maxChars) {
    const note = "\n\n_Cut to fit; the full summary is in the run's artifacts._\n";
    markdown = markdown.slice(0, opts.maxChars - note.length) + note;
  }
  return { markdown, passed, failed, notRun, missing, ok };
}
