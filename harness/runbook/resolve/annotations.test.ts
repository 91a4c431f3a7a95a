import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../util/paths.js";
import {
  inlineAnnotations,
  loadAnnotations,
  mergeAnnotations,
  overrideAnnotations,
  parseAnnotations,
  type Annotations,
} from "./annotations.js";
import { parseRunbook } from "../parse/parse.js";
import { AnnotationError, checkExpectation, resolveSteps, resolveStepsWithDiagnostics, timeoutMs } from "./resolve.js";

const RUNBOOK = "runbooks/failure-modes.md";
const runbook = parseRunbook(readFileSync(join(repoRoot, RUNBOOK), "utf8"), RUNBOOK);
const fileAnnotations = loadAnnotations(join(repoRoot, "runbooks/failure-modes.drill.yaml"), "runbooks/failure-modes.drill.yaml");
const drillValues = { MEILI_MASTER_KEY: "meili-secret", SES_ENDPOINT_URL: "http://ses:4566", GRAFANA_ADMIN_PASSWORD: "grafana-secret" };

const byId = <T extends { id: string }>(steps: readonly T[], id: string): T => steps.find((s) => s.id === id)!;

describe("resolveSteps on failure-modes.md with its drill annotations", () => {
  const steps = resolveSteps(runbook, fileAnnotations, drillValues);

  it("the sidecar file has no problems", () => {
    expect(resolveStepsWithDiagnostics(runbook, fileAnnotations).diagnostics).toEqual([]);
  });

  it("runs unannotated runnable steps verbatim", () => {
    const s = byId(steps, "4.2");
    expect(s).toMatchObject({ mode: "drilled", modeSource: "default", command: s.text, timeoutMs: 120_000 });
    expect(s.expect).toEqual({ exit: [0], stdout: [], stderr: [], output: [] });
  });

  it("keeps cloud and host steps manual, with the reason from their text", () => {
    expect(byId(steps, "1.1")).toMatchObject({ mode: "manual", reason: "aws ec2: cloud API not reachable from a drill" });
    expect(byId(steps, "1.1")).not.toHaveProperty("command");
    expect(byId(steps, "10.2")).toMatchObject({ mode: "manual", reason: "no command: the step is prose" });
    expect(byId(steps, "3.3")).toMatchObject({ mode: "manual", modeSource: "file" });
    expect(byId(steps, "3.3").reason).toMatch(/^no systemd\/journald in a drill container/);
  });

  it("binds placeholders to drill values, and records them as secrets", () => {
    const s = byId(steps, "6.3");
    expect(s.command).toBe(
      '# 3. Check document count\ncurl -H "Authorization: Bearer meili-secret" \\\n  http://localhost:7700/indexes/documents/stats | jq .',
    );
    expect(s.unresolved).toEqual([]);
    expect(s.secrets).toEqual(["meili-secret"]);
    expect(byId(steps, "2.3").command).toBe("# 3. Restart leaking service\ndocker-compose restart fastapi-app");
  });

  it("runs the documented equivalent of an adapted step", () => {
    const s = byId(steps, "10.1");
    expect(s.mode).toBe("adapted");
    expect(s.command).toContain('curl -w "time_total: %{time_total}\\n" http://localhost:8080/api/health');
    expect(s.text).toContain("@curl-format.txt"); // the runbook's own text is kept for the report
    expect(byId(steps, "12.3").command).toContain("--endpoint-url http://ses:4566");
  });

  it("no drilled or adapted step keeps a placeholder", () => {
    expect(steps.filter((s) => s.mode !== "manual" && s.unresolved.length > 0)).toEqual([]);
  });

  it("carries expectations and timeouts", () => {
    expect(byId(steps, "8.1").expect.exit).toEqual([0, 1]);
    // 5.6's expectation is its own comment ("Should return 200"), read by http-expectations.ts, not an annotation.
    expect(byId(steps, "5.6").expect.stdout).toEqual([]);
    expect(byId(steps, "3.2").timeoutMs).toBe(300_000);
  });

  it("offline (no drill values) leaves ${NAME} in place and lists it", () => {
    const offline = resolveStepsWithDiagnostics(runbook, fileAnnotations).steps;
    expect(byId(offline, "6.3").command).toContain("Bearer ${MEILI_MASTER_KEY}");
    expect(byId(offline, "6.3").deferredBindings).toEqual(["MEILI_MASTER_KEY"]);
  });

  it("refuses to run when a drill value is missing", () => {
    expect(() => resolveSteps(runbook, fileAnnotations, {})).toThrow(AnnotationError);
    try {
      resolveSteps(runbook, fileAnnotations, { SES_ENDPOINT_URL: "x", GRAFANA_ADMIN_PASSWORD: "x" });
    } catch (e) {
      expect((e as AnnotationError).diagnostics.map((d) => d.message)).toEqual([
        "step 6.3 needs drill value ${MEILI_MASTER_KEY}, which the drill does not provide",
      ]);
    }
  });
});

describe("annotation errors point at file:line", () => {
  it("reports schema mistakes at the key or value that is wrong", () => {
    const text = readFileSync(join(import.meta.dirname, "../fixtures/annotations/mistakes.drill.yaml"), "utf8");
    const a = parseAnnotations(text, "mistakes.drill.yaml");
    const got = a.diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`);
    expect(got).toHaveLength(7);
    expect(got).toEqual(
      expect.arrayContaining([
        'mistakes.drill.yaml:13: steps: "bogus" is not a step id such as 4.3b, or 4.* for a whole section',
        "mistakes.drill.yaml:2: step 1.1: a manual step needs `reason`",
        "mistakes.drill.yaml:6: step 1.2: an adapted step needs `run` (a documented equivalent) or `derive` (the step's own text with lines dropped or replaced)",
        "mistakes.drill.yaml:9: step 1.3: `run` needs `mode: adapted` (or `mode: operator-fix` when the runbook gives no command)",
        'mistakes.drill.yaml:12: step 1.4: unknown field "modee"',
        'mistakes.drill.yaml:18: step 1.6 timeout: must be seconds, or a duration such as "90s", "2m", "500ms"',
        expect.stringMatching(/^mistakes\.drill\.yaml:16: step 1\.5: expect\.stdout\.regex "\(\[" is not a valid regular expression/),
      ]),
    );
    // The valid entries still load.
    expect(a.entries.map((e) => e.target)).toEqual(["1.9", "1.5"]);
  });

  it("reports unknown step ids and sections against the runbook", () => {
    const a = parseAnnotations(
      ['steps:', '  "4.9": { timeout: 10 }', '  "13.*": { timeout: 10 }', 'waivers:', '  "14": gone'].join("\n"),
      "runbooks/failure-modes.drill.yaml",
    );
    const { diagnostics } = resolveStepsWithDiagnostics(runbook, a);
    expect(diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`)).toEqual([
      "runbooks/failure-modes.drill.yaml:2: annotation for 4.9: no such step in section 4 (runbooks/failure-modes.md:126)",
      "runbooks/failure-modes.drill.yaml:3: annotation for 13.*: no section 13 in runbooks/failure-modes.md",
      "runbooks/failure-modes.drill.yaml:5: waiver for section 14: no such section in runbooks/failure-modes.md",
    ]);
  });

  it("reports a bind for a token the step does not have, and YAML syntax errors", () => {
    const a = parseAnnotations('steps:\n  "6.3":\n    bind: { MASTER_KEYY: x }\n', "f.yaml");
    expect(resolveStepsWithDiagnostics(runbook, a).diagnostics).toEqual([
      { file: "f.yaml", line: 2, step: "6.3", severity: "error", message: "annotation for 6.3: bind MASTER_KEYY: no such token in the step's text" },
    ]);
    const broken = parseAnnotations('steps:\n  "6.3": { bind: [\n', "b.yaml");
    expect(broken.diagnostics[0]).toMatchObject({ file: "b.yaml", severity: "error" });
    expect(broken.diagnostics[0]!.line).toBeGreaterThanOrEqual(2);
  });

  it("warns when an annotation calls a step drilled that cannot run", () => {
    const a = parseAnnotations('steps:\n  "3.3": { mode: drilled }\n', "f.yaml");
    const { diagnostics, steps } = resolveStepsWithDiagnostics(runbook, a);
    expect(byId(steps, "3.3").mode).toBe("drilled");
    expect(diagnostics).toMatchObject([
      { line: 2, severity: "warning", message: "annotation for 3.3 marks it drilled, but journalctl: no systemd/journald in a drill container" },
    ]);
  });
});

describe("annotation layers", () => {
  it("scenario overrides win over the file (even a section-wide one), key by key", () => {
    const override = overrideAnnotations(
      { "2.3": { bind: { "<service>": "minio" } }, "2.*": { timeout: "30s" }, "2.2": { mode: "manual", reason: "scenario skips it" } },
      { file: "scenarios/memory.yaml", line: 7 },
    );
    const steps = resolveSteps(runbook, mergeAnnotations(fileAnnotations, override), drillValues);
    expect(byId(steps, "2.3")).toMatchObject({ command: "# 3. Restart leaking service\ndocker-compose restart minio", timeoutMs: 30_000 });
    expect(byId(steps, "2.1").timeoutMs).toBe(30_000);
    expect(byId(steps, "2.2")).toMatchObject({ mode: "manual", reason: "scenario skips it", modeSource: "override" });
    // file 2.2, then the scenario's 2.* and 2.2
    expect(byId(steps, "2.2").annotatedBy).toEqual(["runbooks/failure-modes.drill.yaml:22", "scenarios/memory.yaml:7", "scenarios/memory.yaml:7"]);
  });

  it("validates overrides too", () => {
    const bad = overrideAnnotations({ "2.3": { mode: "skipped" } }, { file: "scenarios/x.yaml", line: 3 });
    expect(bad.diagnostics).toEqual([
      { file: "scenarios/x.yaml", line: 3, severity: "error", step: "2.3", message: "step 2.3 mode: must be one of drilled, adapted, operator-fix, manual" },
    ]);
  });

  it("reads inline <!-- drill: --> comments, per block or per step", () => {
    const md = [
      "### 1. Inline",
      "**Runbook**:",
      '<!-- drill: {"2": {bind: {"<service>": api}}, "1.1": {timeout: 5}} -->',
      "```bash",
      "# 1. Look",
      "docker ps",
      "# 2. Restart",
      "docker-compose restart <service>",
      "```",
      "<!-- drill:",
      "  mode: manual",
      "  reason: needs a person",
      "-->",
      "```bash",
      "# 3. Decide",
      "docker ps",
      "```",
    ].join("\n");
    const rb = parseRunbook(md, "inline.md");
    const inline = inlineAnnotations(rb);
    expect(inline.diagnostics).toEqual([]);
    const steps = resolveSteps(rb, inline);
    expect(byId(steps, "1.1").timeoutMs).toBe(5000);
    expect(byId(steps, "1.2").command).toBe("# 2. Restart\ndocker-compose restart api");
    expect(byId(steps, "1.3")).toMatchObject({ mode: "manual", reason: "needs a person", modeSource: "inline" });
    // The sidecar file wins over the runbook's inline comment.
    const file: Annotations = parseAnnotations('steps:\n  "1.3": { mode: drilled }\n', "inline.drill.yaml");
    expect(byId(resolveSteps(rb, mergeAnnotations(inline, file)), "1.3").mode).toBe("drilled");
  });

  it("reports a broken inline comment at its line in the runbook", () => {
    const md = ["### 1. X", "**Runbook**:", "<!-- drill: {mode: sometimes} -->", "```bash", "# 1. a", "ls", "```"].join("\n");
    const inline = inlineAnnotations(parseRunbook(md, "x.md"));
    expect(inline.diagnostics).toMatchObject([{ file: "x.md", line: 3, severity: "error", message: "step 1.1 mode: must be one of drilled, adapted, operator-fix, manual" }]);
  });
});

describe("expectations", () => {
  it("parses durations", () => {
    expect([timeoutMs(undefined), timeoutMs(2), timeoutMs("90s"), timeoutMs("2m"), timeoutMs("500ms")]).toEqual([120_000, 2000, 90_000, 120_000, 500]);
  });

  it("checks exit codes and output", () => {
    const expect_ = { exit: [0, 1], stdout: [{ kind: "regex" as const, pattern: "^HTTP/\\S+ 200" }], stderr: [], output: [{ kind: "notContains" as const, pattern: "panic" }] };
    expect(checkExpectation(expect_, { exitCode: 1, stdout: "HTTP/1.1 200 OK\n", stderr: "" })).toEqual([]);
    expect(checkExpectation(expect_, { exitCode: 2, stdout: "HTTP/1.1 404\n", stderr: "panic" })).toEqual([
      "exit code 2, expected 0 or 1",
      "stdout does not match /^HTTP/\\S+ 200/",
      'output contains "panic"',
    ]);
  });
});
