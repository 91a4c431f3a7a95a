// `affected`: which drills a change needs, and why. The pull-request gate runs only
// these. Every changed file gets a verdict (what it selects and why), so a reviewer can
// see that a file selected nothing on purpose, not by omission.
import { existsSync, readdirSync } from "node:fs";
import { join, posix } from "node:path";
import { drillListEntries, type DrillListEntry } from "../ci/drill-list.js";
import { loadScenarioFile } from "../scenario/load.js";
import type { Drill } from "../scenario/types.js";
import type { ProfileName } from "../stack/catalog.js";
import { changedFiles, fileAt, mergeBase, revParse, type ChangedFile } from "./git.js";
import { diffAnnotations, diffRunbook } from "./runbook-diff.js";
import { DRILL_ONLY_SERVICES, diffAlertRules, diffCompose, isRulesFile, parseCompose, StackMap } from "./stack-map.js";

/** The profile CI runs drills with: hosted runners reach the upstream registries. */
export const CI_PROFILE: ProfileName = "upstream";

export const COMPOSE_FILE = "stack/docker-compose.yml";

/** Files whose change can alter every drill. */
const SELECTS_ALL = [/^harness\//, /^package(-lock)?\.json$/, /^tsconfig[^/]*\.json$/, /^vitest\.config\.[cm]?[jt]s$/, /^scenarios\/scenario\.schema\.json$/];

export interface AffectedDrill extends DrillListEntry {
  /** Profiles the change takes effect in: an air-gapped Dockerfile is not exercised by
   *  an upstream run, so such a change asks for an air-gapped run. */
  profiles: ProfileName[];
  reasons: string[];
}

export interface FileVerdict extends ChangedFile {
  /** "all", "none", or the number of drills it selects. */
  selects: "all" | "none" | number;
  why: string;
}

export interface MatrixEntry {
  id: string;
  slug: string;
  profile: ProfileName;
  timeoutMinutes: number;
}

export interface AffectedResult {
  base: string;
  mergeBase: string;
  head: string;
  drills: AffectedDrill[];
  files: FileVerdict[];
  /** One job per drill and profile, for a CI matrix. */
  matrix: MatrixEntry[];
}

/** Every drill of every scenario file in a checkout. */
export function drillsIn(root: string): Drill[] {
  const dir = join(root, "scenarios");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) => loadScenarioFile(join(dir, f)));
}

interface Selection {
  match: (d: Drill) => boolean;
  reason: (d: Drill) => string;
  profiles: ProfileName[];
  /** Selections of one group print as one reason listing their files. */
  group?: { label: string; item: string };
}

const isDoc = (path: string): boolean => /\.(md|markdown)$/i.test(path) && !path.startsWith("runbooks/");
const isHarnessTestOnly = (path: string): boolean => path.startsWith("harness/") && (/\.test\.ts$/.test(path) || path.includes("/fixtures/"));
const sectionOfStep = (id: string): number => Number(id.split(".")[0]);

export function selectAffected(opts: { root: string; base: string; head?: string }): AffectedResult {
  const { root, base } = opts;
  const head = revParse(root, opts.head ?? "HEAD");
  const from = mergeBase(root, revParse(root, base), head);
  const files = changedFiles(root, from, head);
  const drills = drillsIn(root);
  const before = (path: string) => fileAt(root, from, path);
  const after = (path: string) => fileAt(root, head, path);
  const stack = new StackMap(root, parseCompose(after(COMPOSE_FILE)));

  const selections: Selection[] = [];
  const verdicts: FileVerdict[] = [];
  const verdict = (f: ChangedFile, why: string, ...sel: Selection[]): void => {
    selections.push(...sel);
    const n = drills.filter((d) => sel.some((s) => s.match(d))).length;
    const all = sel.length > 0 && n === drills.length && drills.length > 0 && sel.some((s) => s.match === everyDrill);
    verdicts.push({ ...f, selects: all ? "all" : n === 0 ? "none" : n, why });
  };
  const byServices = (services: string[], profiles: ProfileName[], why: (svc: string) => string): Selection => ({
    match: (d) => services.some((s) => s in DRILL_ONLY_SERVICES || (d.needs ?? []).includes(s)),
    reason: (d) => {
      const hit = services.filter((s) => s in DRILL_ONLY_SERVICES || (d.needs ?? []).includes(s));
      return hit.map((s) => why(s)).join("; ");
    },
    profiles,
  });
  const all = (label: string, item: string): Selection => ({
    match: everyDrill,
    reason: () => `${label}: ${item}`,
    profiles: [CI_PROFILE],
    group: { label, item },
  });

  for (const f of files) {
    const { path } = f;
    if (isDoc(path)) {
      verdict(f, "documentation");
      continue;
    }
    if (isHarnessTestOnly(path)) {
      verdict(f, "a unit test or its fixture: runs in npm test, not in a drill");
      continue;
    }
    if (SELECTS_ALL.some((re) => re.test(path))) {
      verdict(f, "the harness, its dependencies or the scenario schema: every drill", all("the harness or its dependencies changed", path));
      continue;
    }
    if (/^scenarios\/[^/]+\.ya?ml$/.test(path)) {
      const stem = posix.basename(path).replace(/\.ya?ml$/, "");
      if (f.status === "deleted") {
        verdict(f, "scenario removed: nothing left to run");
        continue;
      }
      verdict(f, `scenario file ${f.status}`, { match: (d) => d.scenario === stem, reason: () => `${path} ${f.status}`, profiles: [CI_PROFILE] });
      continue;
    }
    if (/^runbooks\/.+\.drill\.ya?ml$/.test(path)) {
      const runbookFile = path.replace(/\.drill\.ya?ml$/, ".md");
      const diff = diffAnnotations(before(path), after(path), path);
      const ofRunbook = (d: Drill) => d.runbook.file === runbookFile;
      if (diff.errors.length > 0) {
        verdict(f, `annotations with errors (${diff.errors[0]})`, {
          match: ofRunbook,
          reason: () => `${path} has errors, which every drill of ${runbookFile} fails on: ${diff.errors[0]}`,
          profiles: [CI_PROFILE],
        });
        continue;
      }
      const sel: Selection[] = diff.changes.map((c) => ({
        match: (d: Drill) => ofRunbook(d) && (d.runbook.section === c.section || d.steps.some((s) => s === c.target || (c.target.endsWith(".*") && sectionOfStep(s) === c.section))),
        reason: (d: Drill) =>
          d.runbook.section === c.section ? `${path}: annotation of ${c.target} changed (section ${c.section})` : `${path}: annotation of ${c.target} changed, a step this drill runs`,
        profiles: [CI_PROFILE],
      }));
      const parts = [
        diff.changes.length > 0 ? `annotations of ${diff.changes.map((c) => c.target).join(", ")}` : "",
        diff.waivers.length > 0 ? `waivers of section ${diff.waivers.join(", ")} (lint only)` : "",
      ].filter(Boolean);
      verdict(f, parts.length > 0 ? `changed ${parts.join("; ")}` : "no annotation changed (comments or layout only)", ...sel);
      continue;
    }
    if (/^runbooks\/.+\.(md|markdown)$/i.test(path)) {
      const changes = diffRunbook(before(path), after(path), path);
      const sel: Selection[] = [];
      for (const c of changes) {
        if (c.section === null) continue;
        const section = c.section;
        const label = `${path} section ${section} (${c.title}) changed: ${c.what.join(", ")}`;
        sel.push({
          match: (d) => d.runbook.file === path && (d.runbook.section === section || d.steps.some((s) => c.steps.includes(s))),
          reason: (d) =>
            d.runbook.section === section ? label : `${path} step ${d.steps.filter((s) => c.steps.includes(s)).join(", ")} changed (section ${section}), a step this drill runs`,
          profiles: [CI_PROFILE],
        });
      }
      const summary = changes.map((c) => (c.section === null ? `"${c.title}" (unnumbered, no drill)` : `section ${c.section}: ${c.what.join(", ")}`));
      verdict(f, changes.length > 0 ? summary.join("; ") : "no section changed (preamble or layout only)", ...sel);
      continue;
    }
    if (path === COMPOSE_FILE) {
      const diff = diffCompose(parseCompose(before(path)), parseCompose(after(path)));
      if (diff.global.length > 0 || (f.status !== "deleted" && parseCompose(after(path)) === undefined)) {
        verdict(f, `compose file changed at the top level (${diff.global.join(", ") || "unparseable"})`, all("the compose file changed outside its services", path));
        continue;
      }
      const services = [...diff.services.keys()];
      verdict(
        f,
        services.length > 0 ? `services ${services.join(", ")} changed` : "no service changed (comments only)",
        ...(services.length > 0 ? [byServices(services, [CI_PROFILE], (s) => diff.services.get(s)!)] : []),
      );
      continue;
    }
    if (isRulesFile(path)) {
      const diff = diffAlertRules(before(path), after(path));
      const sel: Selection[] = [];
      if (diff.alerts.length > 0) {
        sel.push({
          match: (d) => !!d.detection.alert && diff.alerts.includes(d.detection.alert),
          reason: (d) => `${path}: alert rule ${d.detection.alert} changed`,
          profiles: [CI_PROFILE],
        });
      }
      if (diff.other) sel.push(byServices(["prometheus"], [CI_PROFILE], () => `${path} changed outside its alert rules (Prometheus)`));
      verdict(f, [diff.alerts.length > 0 ? `alert rules ${diff.alerts.join(", ")}` : "", diff.other ? "other rules (every drill with Prometheus)" : ""].filter(Boolean).join("; ") || "no rule changed", ...sel);
      continue;
    }
    if (path.startsWith("stack/")) {
      const impact = stack.impactOf(path);
      if (!impact) {
        const unused = path.startsWith("stack/images/") || path.startsWith("stack/stand-ins/") || /\.test\.ts$/.test(path);
        if (unused) verdict(f, "no drill stack builds or runs it");
        else verdict(f, "a stack file no service mounts or builds: the harness may read it, so every drill", all("a stack file outside any service changed", path));
        continue;
      }
      verdict(
        f,
        `${impact.why} of ${impact.services.join(", ")} (${impact.profiles.join(", ")})`,
        // A file both profiles use is exercised by CI's profile; one only the air-gapped
        // profile uses (its Dockerfiles, stand-ins) needs an air-gapped run.
        byServices(impact.services, impact.profiles.includes(CI_PROFILE) ? [CI_PROFILE] : impact.profiles, (s) => `${path} changed (${impact.why} of ${s}${impact.profiles.includes(CI_PROFILE) ? "" : "; the air-gapped profile only"})`),
      );
      continue;
    }
    verdict(f, "not used by any drill (CI, tests, benchmarks, scripts)");
  }

  const entries = new Map(drillListEntries(drills, root).map((e) => [e.id, e]));
  const selected: AffectedDrill[] = [];
  for (const d of drills) {
    const hits = selections.filter((s) => s.match(d));
    if (hits.length === 0) continue;
    const groups = new Map<string, string[]>();
    const reasons: string[] = [];
    for (const s of hits) {
      if (!s.group) reasons.push(s.reason(d));
      else groups.set(s.group.label, [...(groups.get(s.group.label) ?? []), s.group.item]);
    }
    for (const [label, items] of groups) reasons.unshift(`${label}: ${items.slice(0, 5).join(", ")}${items.length > 5 ? ` and ${items.length - 5} more` : ""}`);
    const profiles = (["upstream", "airgapped"] as ProfileName[]).filter((p) => hits.some((s) => s.profiles.includes(p)));
    selected.push({ ...entries.get(d.id)!, profiles, reasons: [...new Set(reasons)] });
  }
  const matrix = selected.flatMap((d) => d.profiles.map((profile) => ({ id: d.id, slug: `${d.slug}-${profile}`, profile, timeoutMinutes: d.timeoutMinutes })));
  return { base, mergeBase: from, head, drills: selected, files: verdicts, matrix };
}

function everyDrill(): boolean {
  return true;
}

/** For people: each drill with why, then each file with its verdict. */
export function renderAffected(r: AffectedResult): string {
  const lines: string[] = [];
  lines.push(`Changes ${r.mergeBase.slice(0, 12)}...${r.head.slice(0, 12)} (base ${r.base}): ${r.files.length} file(s), ${r.drills.length} drill(s) selected`);
  lines.push("");
  if (r.drills.length === 0) lines.push("No drill is affected.");
  for (const d of r.drills) {
    lines.push(`${d.id}  [${d.profiles.join(", ")}]  (section ${d.section}, job timeout ${d.timeoutMinutes} min)`);
    for (const why of d.reasons) lines.push(`    because ${why}`);
  }
  lines.push("");
  lines.push("Files:");
  for (const f of r.files) {
    const sel = f.selects === "all" ? "all drills" : f.selects === "none" ? "no drill" : `${f.selects} drill(s)`;
    lines.push(`  ${f.status.padEnd(8)} ${f.path}: ${sel}: ${f.why}`);
  }
  return lines.join("\n");
}

