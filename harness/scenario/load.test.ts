import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadAllDrills, loadScenarioFile, ScenarioError } from "./load.js";
import { loadRunbook } from "../runbook/resolve/load.js";
import { findSection } from "../runbook/parse/parse.js";
import { repoRoot } from "../util/paths.js";
import { testTempDir } from "../util/test-temp.js";

function scenario(name: string, text: string): string {
  const dir = testTempDir("scn-");
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  return file;
}

describe("scenario files", () => {
  it("every scenario in scenarios/ is valid and points at its section and real runbook steps", () => {
    const drills = loadAllDrills();
    expect(drills.map((d) => d.scenario)).toEqual(expect.arrayContaining(["caddy-misrouting", "disk-full", "minio-storage", "postgres-down"]));
    for (const d of drills) {
      const { runbook } = loadRunbook(repoRoot, d.runbook.file);
      const section = findSection(runbook, d.runbook.section);
      expect(section, d.id).toBeDefined();
      const all = runbook.sections.flatMap((s) => s.steps.map((st) => st.id));
      for (const id of d.steps) expect(all, `${d.id} step ${id}`).toContain(id);
    }
  });

  it("reports a schema error at file:line", () => {
    const file = scenario(
      "bad",
      ["scenario: bad", "runbook: { file: runbooks/failure-modes.md, section: 3 }", "fault: { kind: volume-fill }", "detection: {}", "steps: [\"3.1\"]", "recovery:", "  - name: x", "    htp: { service: caddy }", ""].join("\n"),
    );
    let err: unknown;
    try {
      loadScenarioFile(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    expect(String((err as Error).message)).toMatch(/bad\.yaml:7: \/recovery\/0 must NOT have additional properties "htp"/);
  });

  it("reports malformed YAML at file:line", () => {
    const file = scenario("broken", "scenario: broken\nsteps: [\"3.1\"\n");
    expect(() => loadScenarioFile(file)).toThrow(/broken\.yaml:\d+:/);
  });

  it("refuses a scenario whose name does not match its file", () => {
    const file = scenario(
      "named",
      ["scenario: other", "runbook: { file: runbooks/failure-modes.md, section: 3 }", "fault: { kind: volume-fill }", "detection: {}", "steps: [\"3.1\"]", "recovery: [{ name: x, http: { service: caddy, port: 8080, path: / } }]", ""].join("\n"),
    );
    expect(() => loadScenarioFile(file)).toThrow(/named\.yaml:1: scenario "other" must match its file name "named"/);
  });

  it("expands variants into drills of their own", () => {
    const file = scenario(
      "multi",
      [
        "scenario: multi",
        "runbook: { file: runbooks/failure-modes.md, section: 4 }",
        "fault: { kind: container-stop, target: postgresql }",
        "detection: {}",
        "steps: [\"4.1\"]",
        "recovery: [{ name: x, http: { service: caddy, port: 8080, path: / } }]",
        "variants:",
        "  - name: first",
        "  - name: second",
        "    steps: [\"4.2\"]",
        "",
      ].join("\n"),
    );
    const drills = loadScenarioFile(file);
    expect(drills.map((d) => [d.id, d.steps])).toEqual([
      ["multi:first", ["4.1"]],
      ["multi:second", ["4.2"]],
    ]);
    expect(drills[1]?.source).toMatch(/multi\.yaml:9$/);
  });
});
