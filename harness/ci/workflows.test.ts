// The GitHub workflows are code that only runs on GitHub: these checks catch, offline,
// what would otherwise surface as a failed nightly. Each workflow validates against the
// workflow schema (@action-validator/core, a WASM build of action-validator), names
// only npm scripts and repository files that exist, pins every action to a commit, and
// reads only matrix fields the drill list and `affected` produce.
import { describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { validateWorkflow } from "@action-validator/core";
import { repoRoot } from "../util/paths.js";
import type { MatrixEntry } from "../affected/select.js";
import type { DrillListEntry } from "./drill-list.js";

const dir = join(repoRoot, ".github/workflows");
const workflows = readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort()
  .map((name) => ({ name, text: readFileSync(join(dir, name), "utf8") }));
const scripts = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  steps?: Step[];
}
const jobsOf = (text: string): Job[] => Object.values((parse(text) as { jobs: Record<string, Job> }).jobs);
const runScripts = (text: string): string[] => jobsOf(text).flatMap((j) => (j.steps ?? []).map((s) => s.run ?? ""));

describe("GitHub workflows", () => {
  it("the three workflows exist", () => {
    expect(workflows.map((w) => w.name)).toEqual(["monthly-evidence.yml", "nightly-drills.yml", "runbook-gate.yml"]);
  });

  it.each(workflows)("$name validates against the workflow schema", ({ text }) => {
    expect(validateWorkflow(text).errors).toEqual([]);
  });

  it("the validator rejects a broken workflow (the check can fail)", () => {
    const broken = workflows[0]!.text.replace("runs-on:", "runs-onn:");
    expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0);
  });

  it.each(workflows)("$name runs only npm scripts that exist, whose files exist (or guards the call)", ({ name, text }) => {
    const used = new Set<string>();
    for (const run of runScripts(text)) for (const m of run.matchAll(/\bnpm run(?: --silent)? ([\w:.-]*\w)/g)) used.add(m[1]!);
    expect(used.size, `${name} runs no npm script`).toBeGreaterThan(0);
    for (const s of used) {
      if (!(s in scripts)) {
        // A command another branch is adding may be called only behind a check that it exists.
        expect(text, `${name}: npm run ${s} is not in package.json and not guarded`).toContain(`scripts?.['${s}']`);
        continue;
      }
      for (const m of scripts[s]!.matchAll(/\b(?:tsx|node)\s+([\w./-]+\.[cm]?[jt]s)\b/g)) {
        expect(existsSync(join(repoRoot, m[1]!)), `package.json script ${s} runs ${m[1]}, which does not exist`).toBe(true);
      }
    }
  });

  it.each(workflows)("$name names only repository paths that exist", ({ name, text }) => {
    const doc = parse(text) as { on?: { pull_request?: { paths?: string[] } } };
    const named: string[] = [];
    // Path filters: the part before the first glob character must exist.
    for (const p of doc.on?.pull_request?.paths ?? []) named.push(p.split(/[*?[]/)[0]!.replace(/\/$/, ""));
    // Files the steps name (outputs they create, like reports/, are not checked).
    for (const run of runScripts(text)) {
      for (const m of run.matchAll(/(?:^|[\s"'=(])((?:harness|scenarios|runbooks|stack|test|bench)\/[\w./-]*\w)/g)) named.push(m[1]!);
      for (const m of run.matchAll(/\bworkflows\/([\w.-]+\.ya?ml)\b/g)) named.push(`.github/workflows/${m[1]}`);
      for (const m of run.matchAll(/\.\/(package(?:-lock)?\.json)\b/g)) named.push(m[1]!);
    }
    for (const job of jobsOf(text)) for (const s of job.steps ?? []) if (typeof s.with?.["cache-dependency-path"] === "string") named.push(s.with["cache-dependency-path"]);
    for (const p of named) expect(existsSync(join(repoRoot, p)), `${name} names ${p}, which does not exist`).toBe(true);
    if (name === "monthly-evidence.yml") expect(named).toContain(".github/workflows/nightly-drills.yml");
    if (name === "runbook-gate.yml") expect(named).toEqual(expect.arrayContaining(["runbooks", "scenarios", "stack", "harness"]));
  });

  it("pins every action to a full commit SHA with its version, the same one everywhere", () => {
    const pins = new Map<string, string>();
    let count = 0;
    for (const { name, text } of workflows) {
      for (const line of text.split("\n")) {
        const m = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
        if (!m) continue;
        count++;
        const [action, ref] = m[1]!.split("@");
        expect(ref, `${name}: ${m[1]} is not pinned to a commit`).toMatch(/^[0-9a-f]{40}$/);
        expect(m[2], `${name}: ${m[1]} has no "# vX.Y.Z" comment`).toMatch(/^\s+#\s+v\d+\.\d+\.\d+\s*$/);
        const pin = `${ref}${m[2]!.trim()}`;
        expect(pins.get(action!) ?? pin, `${action} is pinned differently across workflows`).toBe(pin);
        pins.set(action!, pin);
      }
    }
    expect(count).toBeGreaterThan(0);
  });

  it("reads only matrix fields the drill list and affected produce", () => {
    // Typed samples: the compiler keeps these key lists equal to the interfaces.
    const listed: Pick<DrillListEntry, "id" | "slug" | "section" | "timeoutMinutes"> = { id: "", slug: "", section: 0, timeoutMinutes: 0 };
    const affected: Required<MatrixEntry> = { id: "", slug: "", profile: "upstream", timeoutMinutes: 0 };
    const fieldsUsed = (text: string) => [...new Set([...text.matchAll(/matrix\.drill\.(\w+)/g)].map((m) => m[1]!))].sort();
    const nightly = workflows.find((w) => w.name === "nightly-drills.yml")!.text;
    const gate = workflows.find((w) => w.name === "runbook-gate.yml")!.text;
    // The nightly's list job keeps these fields of `scenario --list --json` (jq).
    expect(nightly).toContain("{id, slug, section, timeoutMinutes}");
    for (const f of fieldsUsed(nightly)) expect(Object.keys(listed)).toContain(f);
    for (const f of fieldsUsed(gate)) expect(Object.keys(affected)).toContain(f);
    expect(fieldsUsed(gate)).toEqual(["id", "profile", "slug", "timeoutMinutes"]);
  });
});
