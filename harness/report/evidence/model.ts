// What the evidence report says, computed from the gathered journals alone: runbook
// coverage, detection and recovery times, failures, open findings, stand-ins, manifest.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { DrillStatus, Journal } from "../../drill/journal.js";
import { parseRunbook } from "../../runbook/parse/parse.js";
import type { GatheredJournal, Period } from "./gather.js";

export const drillKey = (j: Journal) => `${j.scenario}${j.variant ? `:${j.variant}` : ""}`;

export interface CoverageRow {
  file: string;
  section: number | null;
  title: string;
  drillable: boolean;
  /** The drills of this section that ran in the period. */
  drills: string[];
  runs: number;
  last?: { at: string; status: DrillStatus; drill: string; path: string };
}

export interface FailureRow {
  at: string;
  drill: string;
  path: string;
  phase: string;
  step?: string;
  summary: string;
}

export interface OpenFinding {
  drill: string;
  id: string;
  phase: string;
  step?: string;
  summary: string;
  known: boolean;
  firstSeen: string;
  lastSeen: string;
}

export interface StandInRow {
  drill: string;
  runs: number;
  onStandIns: number;
  services: string[];
  profiles: string[];
}

export interface Evidence {
  period: Period;
  generatedAt: string;
  from: string;
  journals: GatheredJournal[];
  coverage: CoverageRow[];
  timings: { drill: string; at: string; detect?: number; detectBound?: number; recover?: number; status: DrillStatus }[];
  failures: FailureRow[];
  openFindings: OpenFinding[];
  standIns: StandInRow[];
  totals: { runs: number; passed: number; failed: number; notRun: number; drills: number };
}

/** Every section of each runbook the journals name, read from this checkout; journals' own section titles where the file is gone. */
function coverage(inPeriod: GatheredJournal[], repoRoot: string): CoverageRow[] {
  const files = [...new Set(inPeriod.map((g) => g.journal.runbook.file))].sort();
  const rows: CoverageRow[] = [];
  for (const file of files) {
    const mine = inPeriod.filter((g) => g.journal.runbook.file === file);
    const path = join(repoRoot, file);
    const sections = existsSync(path)
      ? parseRunbook(readFileSync(path, "utf8"), file).sections.map((s) => ({ number: s.number, title: s.title, drillable: s.drillable }))
      : [...new Map(mine.map((g) => [g.journal.runbook.section, { number: g.journal.runbook.section as number | null, title: g.journal.runbook.title ?? "", drillable: true }])).values()];
    for (const s of sections) {
      const runs = s.number === null ? [] : mine.filter((g) => g.journal.runbook.section === s.number);
      const last = runs[runs.length - 1];
      rows.push({
        file,
        section: s.number,
        title: s.title,
        drillable: s.drillable,
        drills: [...new Set(runs.map((g) => drillKey(g.journal)))].sort(),
        runs: runs.length,
        last: last ? { at: last.journal.startedAt, status: last.journal.status, drill: drillKey(last.journal), path: last.path } : undefined,
      });
    }
  }
  return rows;
}

/**
 * Findings of each drill's latest run in the period are open (the drill still shows
 * them); first seen is the earliest run, in everything gathered, with the same finding.
 */
function openFindings(all: GatheredJournal[], inPeriod: GatheredJournal[]): OpenFinding[] {
  const latest = new Map<string, GatheredJournal>();
  for (const g of inPeriod) latest.set(drillKey(g.journal), g);
  const out: OpenFinding[] = [];
  for (const [drill, g] of latest) {
    for (const f of g.journal.findings) {
      const seen = all
        .filter((x) => drillKey(x.journal) === drill && x.journal.findings.some((y) => y.id === f.id))
        .map((x) => x.journal.startedAt)
        .sort();
      out.push({ drill, id: f.id, phase: f.phase, step: f.step, summary: f.summary, known: f.acknowledged, firstSeen: seen[0] ?? g.journal.startedAt, lastSeen: g.journal.startedAt });
    }
  }
  return out.sort((a, b) => a.firstSeen.localeCompare(b.firstSeen) || a.drill.localeCompare(b.drill));
}

export function buildEvidence(all: GatheredJournal[], inPeriod: GatheredJournal[], period: Period, from: string, repoRoot: string): Evidence {
  const js = inPeriod.map((g) => g.journal);
  const failures: FailureRow[] = [];
  for (const g of inPeriod) {
    if (g.journal.status !== "failed") continue;
    const fresh = g.journal.findings.filter((f) => !f.acknowledged);
    // A failed run always has its reason recorded; if a journal lacks one, say so rather than drop it.
    const rows = fresh.length ? fresh : [{ phase: g.journal.phases.find((p) => p.status === "failed")?.name ?? "—", step: undefined, summary: g.journal.reason ?? "failed with no finding recorded" }];
    for (const f of rows) failures.push({ at: g.journal.startedAt, drill: drillKey(g.journal), path: g.path, phase: f.phase, step: f.step, summary: f.summary });
  }
  const standIns = new Map<string, StandInRow>();
  for (const j of js) {
    const key = drillKey(j);
    const row = standIns.get(key) ?? { drill: key, runs: 0, onStandIns: 0, services: [], profiles: [] };
    row.runs++;
    const s = j.implementations.filter((i) => i.standIn).map((i) => i.service);
    if (s.length) row.onStandIns++;
    row.services = [...new Set([...row.services, ...s])].sort();
    if (j.profile && !row.profiles.includes(j.profile)) row.profiles.push(j.profile);
    standIns.set(key, row);
  }
  return {
    period,
    generatedAt: new Date().toISOString(),
    from,
    journals: inPeriod,
    coverage: coverage(inPeriod, repoRoot),
    timings: js.map((j) => ({ drill: drillKey(j), at: j.startedAt, detect: j.detection.secondsToDetect, detectBound: j.detection.lowerBoundSeconds, recover: j.recovery.secondsToRecover, status: j.status })),
    failures,
    openFindings: openFindings(all, inPeriod),
    standIns: [...standIns.values()].sort((a, b) => a.drill.localeCompare(b.drill)),
    totals: {
      runs: js.length,
      passed: js.filter((j) => j.status === "passed").length,
      failed: js.filter((j) => j.status === "failed").length,
      notRun: js.filter((j) => j.status === "not-run").length,
      drills: new Set(js.map(drillKey)).size,
    },
  };
}

/** `sha256sum -c` reads this: the auditor's check that the evidence was not altered. */
export function sha256sums(e: Evidence): string {
  return e.journals.map((g) => `${g.sha256}  ${g.path}`).join("\n") + "\n";
}
