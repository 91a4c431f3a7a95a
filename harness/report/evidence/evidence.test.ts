import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../util/paths.js";
import { EvidenceError, gatherJournals, inPeriod, resolvePeriod } from "./gather.js";
import { buildEvidence, sha256sums } from "./model.js";
import { buildEvidenceHtml } from "./html.js";

const fixturesDir = join(repoRoot, "harness/report/fixtures");
let from: string;

/** The fixtures laid out as runs are: <run>/journal.json, plus a latest symlink and a duplicate artifact. */
function layout(): string {
  const dir = mkdtempSync(join(tmpdir(), "evidence-"));
  for (const f of readdirSync(fixturesDir).filter((x) => x.endsWith(".journal.json"))) {
    const run = join(dir, "reports", f.replace(".journal.json", ""));
    mkdirSync(run, { recursive: true });
    copyFileSync(join(fixturesDir, f), join(run, "journal.json"));
  }
  symlinkSync("disk-full-passed", join(dir, "reports", "latest"));
  mkdirSync(join(dir, "artifact-copy"));
  copyFileSync(join(fixturesDir, "disk-full-passed.journal.json"), join(dir, "artifact-copy", "journal.json"));
  return dir;
}

beforeAll(() => {
  from = layout();
});
afterAll(() => rmSync(from, { recursive: true, force: true }));

describe("gathering journals", () => {
  it("finds every journal once: not through symlinks, not twice when an artifact is unpacked twice", () => {
    const all = gatherJournals(from);
    // The copy in artifact-copy/ sorts first, so it is the one kept.
    expect(all.map((g) => g.path).sort()).toEqual(
      ["artifact-copy/journal.json", "reports/caddy-misrouting-stack-up-failed/journal.json", "reports/disk-full-with-detection-range/journal.json", "reports/postgres-down-stopped-known-findings/journal.json"],
    );
  });

  it("refuses a journal that does not match the schema, naming it and why", () => {
    const bad = mkdtempSync(join(tmpdir(), "evidence-bad-"));
    mkdirSync(join(bad, "run"));
    writeFileSync(join(bad, "run", "journal.json"), JSON.stringify({ schemaVersion: 1, scenario: "x" }));
    expect(() => gatherJournals(bad)).toThrow(EvidenceError);
    expect(() => gatherJournals(bad)).toThrow(/run\/journal\.json: \(root\) must have required property 'status'/);
    rmSync(bad, { recursive: true, force: true });
  });

  it("reads dates as whole UTC days and refuses nonsense", () => {
    const p = resolvePeriod("2026-11-01", "2026-11-30");
    expect([p.since.toISOString(), p.until.toISOString()]).toEqual(["2026-11-01T00:00:00.000Z", "2026-11-30T23:59:59.999Z"]);
    expect(() => resolvePeriod("last tuesday")).toThrow(/not a date/);
    expect(() => resolvePeriod("2026-12-01", "2026-11-01")).toThrow(/after/);
  });

  it("narrows to the period", () => {
    const all = gatherJournals(from);
    expect(inPeriod(all, resolvePeriod("2026-11-29T08:10:00Z", "2026-11-30"))).toHaveLength(2);
    expect(inPeriod(all, resolvePeriod("2026-10-01", "2026-10-31"))).toHaveLength(0);
  });
});

describe("the evidence", () => {
  const evidence = () => {
    const all = gatherJournals(from);
    const period = resolvePeriod("2026-11-01", "2026-11-30");
    return buildEvidence(all, inPeriod(all, period), period, from, repoRoot);
  };

  it("lists every section of the runbook with its last drill, undrilled ones marked", () => {
    const e = evidence();
    const numbered = e.coverage.filter((c) => c.section !== null);
    expect(numbered.map((c) => c.section)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(numbered.find((c) => c.section === 3)).toMatchObject({ runs: 2, drills: ["disk-full"], last: { status: "passed", at: "2026-11-29T08:16:19.281Z" } });
    expect(numbered.find((c) => c.section === 8)?.last?.status).toBe("failed");
    expect(numbered.find((c) => c.section === 1)).toMatchObject({ runs: 0, last: undefined });
    const html = buildEvidenceHtml(e, {});
    expect(html.match(/data-testid="undrilled"/g)).toHaveLength(9);
  });

  it("lists each failure with phase and step, and open findings with when they were first seen", () => {
    const e = evidence();
    expect(e.failures).toEqual([expect.objectContaining({ drill: "caddy-misrouting", phase: "stack-up", step: undefined, summary: expect.stringContaining("minio-init") })]);
    expect(e.openFindings.filter((f) => f.known).map((f) => f.id).sort()).toEqual(["config-check-needs-a-running-container", "detection-watches-the-exporter", "verify-fails-while-down"]);
    expect(e.openFindings.find((f) => f.id === "verify-fails-while-down")).toMatchObject({ step: "4.4", firstSeen: "2026-11-29T08:42:16.933Z" });
    expect(e.standIns.find((s) => s.drill === "disk-full")).toMatchObject({ runs: 2, onStandIns: 2 });
    expect(e.standIns.find((s) => s.drill === "disk-full")?.services).toContain("minio");
  });

  it("writes a manifest that sha256sum -c accepts, and that catches an altered journal", () => {
    const sums = join(from, "SHA256SUMS");
    writeFileSync(sums, sha256sums(evidence()));
    expect(execFileSync("sha256sum", ["-c", sums], { cwd: from }).toString()).toMatch(/reports\/disk-full-with-detection-range\/journal.json: OK/);
    writeFileSync(join(from, "reports/disk-full-with-detection-range/journal.json"), "{}");
    let out = "";
    try {
      execFileSync("sha256sum", ["-c", "--quiet", sums], { cwd: from, stdio: "pipe" });
    } catch (err) {
      out = String((err as { stdout?: Buffer }).stdout ?? "");
    }
    expect(out).toBe("reports/disk-full-with-detection-range/journal.json: FAILED\n");
    rmSync(from, { recursive: true, force: true });
    from = layout();
  });
});
