// Bad input gets a clear error and changes nothing (README "Bad input"): each case of
// that table with the message it gives. Scenario problems are caught when the file is
// loaded, before any container starts; the CLI cases run `npm run scenario` as a user
// would and check that it exits 2 without writing a report.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { testTempDir } from "../util/test-temp.js";
import { findDrills, loadScenarioFile, ScenarioError } from "./load.js";
import { faults } from "../faults/index.js";
import { checkFaultParameters, faultParameters } from "../faults/parameters.js";
import { faultSchema } from "../faults/schema.js";
import { repoRoot, reportsDir, stateDir } from "../util/paths.js";

/** A valid disk-full-like scenario with some lines replaced, written to a file of its own. */
function scenarioWith(name: string, replace: Record<string, string> = {}): string {
  const lines: Record<string, string> = {
    scenario: `scenario: ${name}`,
    runbook: "runbook: { file: runbooks/failure-modes.md, section: 3 }",
    needs: "needs: [postgresql, caddy]",
    fault: "fault:\n  kind: volume-fill\n  volume: host-disk\n  ageDays: 60",
    detection: "detection: { alert: DiskFull }",
    steps: 'steps: ["3.1", "3.2"]',
    recovery: "recovery: [{ name: up, http: { service: caddy, port: 8080, path: /health, status: 200 } }]",
    ...replace,
  };
  const dir = testTempDir("bad-input-");
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `${Object.values(lines).join("\n")}\n`);
  return file;
}

function loadError(file: string): string {
  try {
    loadScenarioFile(file);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as Error).message;
  }
  throw new Error(`${file} loaded without an error`);
}

describe("bad scenario input is refused at load, at file:line", () => {
  it("accepts the valid base the cases below break (so each error is the case's own)", () => {
    expect(loadScenarioFile(scenarioWith("good")).map((d) => d.id)).toEqual(["good"]);
  });

  it("malformed YAML", () => {
    expect(loadError(scenarioWith("broken", { steps: 'steps: ["3.1", "3.2"' }))).toMatch(/broken\.yaml:\d+: .*(flow sequence|Missing|expected)/i);
  });

  it("an unknown runbook section", () => {
    expect(loadError(scenarioWith("nosection", { runbook: "runbook: { file: runbooks/failure-modes.md, section: 42 }" }))).toMatch(
      /nosection\.yaml:2: runbook runbooks\/failure-modes\.md has no section 42 \(it has 1, 2, 3, /,
    );
  });

  it("an unknown runbook step, with the section's steps and the closest", () => {
    expect(loadError(scenarioWith("nostep", { steps: 'steps: ["3.1", "3.9"]' }))).toMatch(
      /nostep\.yaml:9: runbooks\/failure-modes\.md has no step 3\.9 \(did you mean "3\.1"\?\) \(steps of section 3: 3\.1, 3\.2, /,
    );
  });

  it("an unknown service, in needs, a check or the fault's target", () => {
    const msg = loadError(
      scenarioWith("noservice", {
        needs: "needs: [postgres, caddy]",
        fault: "fault: { kind: container-stop, target: fastapi }",
        recovery: "recovery: [{ name: up, http: { service: cady, port: 8080, path: /health } }]",
      }),
    );
    expect(msg).toMatch(/noservice\.yaml:3: needs "postgres" is not a service of stack\/docker-compose\.yml or the drill \(did you mean "postgresql"\?\)/);
    expect(msg).toMatch(/noservice\.yaml:4: fault container-stop: target "fastapi" is not a service .* \(did you mean "fastapi-app"\?\)/);
    expect(msg).toMatch(/noservice\.yaml:7: check "up" names service "cady" is not a service .* \(did you mean "caddy"\?\)/);
  });

  it("an unknown fault kind", () => {
    expect(loadError(scenarioWith("nokind", { fault: "fault: { kind: disk-fill }" }))).toMatch(
      /nokind\.yaml:4: \/fault\/kind must be equal to one of the allowed values: container-stop, .*volume-fill/,
    );
  });

  it("an unknown fault parameter (a typo no longer falls back to the default)", () => {
    const msg = loadError(scenarioWith("noparam", { fault: "fault:\n  kind: volume-fill\n  ageDay: 1" }));
    expect(msg).toMatch(/noparam\.yaml:6: fault volume-fill has no parameter "ageDay" \(did you mean "ageDays"\?\); it takes: volume, dir, ageDays, files/);
  });

  it("a fault parameter of the wrong type, and a required one missing", () => {
    const msg = loadError(scenarioWith("badparam", { fault: "fault:\n  kind: port-block\n  target: postgresql\n  port: \"5432\"" }));
    expect(msg).toMatch(/badparam\.yaml:7: fault port-block: parameter "port" must be an integer .*got "5432"/);
    expect(loadError(scenarioWith("noport", { fault: "fault: { kind: port-block, target: postgresql }" }))).toMatch(
      /noport\.yaml:4: fault port-block needs parameter "port"/,
    );
  });

  it("an unknown alert rule", () => {
    expect(loadError(scenarioWith("noalert", { detection: "detection: { alert: DiskFul }" }))).toMatch(
      /noalert\.yaml:8: no alert rule named "DiskFul" in stack\/config\/prometheus\/rules \(did you mean "DiskFull"\?\)/,
    );
  });

  it("a runbook with no sections", () => {
    const dir = join(stateDir, "bad-input");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "empty.md"), "# Operations\n\nNothing here yet.\n");
    const file = relative(repoRoot, join(dir, "empty.md"));
    expect(loadError(scenarioWith("emptyrunbook", { runbook: `runbook: { file: ${file}, section: 3 }` }))).toMatch(
      /emptyrunbook\.yaml:2: runbook \.drill-state\/bad-input\/empty\.md has no numbered sections/,
    );
  });

  it("a runbook file that does not exist", () => {
    expect(loadError(scenarioWith("norunbook", { runbook: "runbook: { file: runbooks/nope.md, section: 3 }" }))).toMatch(
      /norunbook\.yaml:2: runbook runbooks\/nope\.md does not exist/,
    );
  });

  it("a scenario name that does not exist, with the closest", () => {
    expect(() => findDrills("disk-ful")).toThrow(/no scenario named "disk-ful"; did you mean "disk-full"\?/);
    expect(() => findDrills("postgres-down:stoped")).toThrow(/did you mean "postgres-down:stopped"\?/);
  });
});

describe("every fault has a parameter list", () => {
  it("lists exactly the fault library's kinds, which are the schema's", async () => {
    const { readFileSync } = await import("node:fs");
    const schema = JSON.parse(readFileSync(join(repoRoot, "scenarios/scenario.schema.json"), "utf8")) as { $defs?: Record<string, unknown>; definitions?: Record<string, unknown> };
    const fault = (schema.$defs ?? schema.definitions ?? {}).fault as { properties: { kind: { enum: string[] } } };
    expect(Object.keys(faultParameters).sort()).toEqual(Object.keys(faults).sort());
    expect(fault.properties.kind.enum.slice().sort()).toEqual(Object.keys(faults).sort());
    // Kinds, parameters and their meanings: the schema an editor reads is the registry's.
    expect(fault, "scenarios/scenario.schema.json is out of date: run `npm run schema:faults`").toEqual(faultSchema());
  });

  it("names every parameter each fault module reads", async () => {
    const { readFileSync, readdirSync: ls } = await import("node:fs");
    const dir = join(repoRoot, "harness/faults");
    const known = new Set(Object.values(faultParameters).flatMap((l) => Object.keys(l)));
    for (const f of ls(dir).filter((n) => n.endsWith(".ts") && !n.endsWith(".test.ts"))) {
      const src = readFileSync(join(dir, f), "utf8");
      for (const m of src.matchAll(/param<\w+>\(params, "(\w+)"/g)) expect(known, `${f} reads "${m[1]}"`).toContain(m[1]);
    }
  });

  it("accepts what every loaded scenario writes", () => {
    expect(checkFaultParameters({ kind: "toxic", proxy: "postgresql", type: "latency", attributes: { latency: 500 } })).toEqual([]);
  });
});

describe("bad input on the command line exits 2 and writes nothing", () => {
  const tsx = join(repoRoot, "node_modules/.bin/tsx");
  // Run folders of disk-full drills: another drill running on the machine (a benchmark,
  // a second checkout's tests) may add its own, which is not this command's doing.
  const runs = () => (existsSync(reportsDir) ? readdirSync(reportsDir).filter((n) => n.includes("disk-ful")).sort() : []);

  it("no Docker engine and no way to start one", () => {
    const before = runs();
    // DOCKER_HOST set: the harness never provisions an engine for a user who chose one.
    const r = spawnSync(tsx, ["harness/cli/scenario.ts", "disk-full"], {
      cwd: repoRoot,
      encoding: "utf8",
      env: { ...process.env, DOCKER_HOST: "unix:///nonexistent/docker.sock" },
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain("scenario: No Docker engine answered at unix:///nonexistent/docker.sock.");
    expect(r.stderr).toContain("start your Docker engine");
    expect(runs()).toEqual(before);
  });

  it("a scenario name that does not exist", () => {
    const before = runs();
    const r = spawnSync(tsx, ["harness/cli/scenario.ts", "disk-ful"], { cwd: repoRoot, encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^scenario: no scenario named "disk-ful"; did you mean "disk-full"\?/m);
    expect(runs()).toEqual(before);
  });
});
