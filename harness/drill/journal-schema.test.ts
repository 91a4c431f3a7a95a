import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { reportsDir, repoRoot } from "../util/paths.js";
import { newJournal } from "./journal.js";
import { validateJournal } from "./journal-schema.js";

const fixturesDir = join(repoRoot, "harness/report/fixtures");
const fixtures = readdirSync(fixturesDir).filter((f) => f.endsWith(".journal.json")).map((f) => join(fixturesDir, f));
// Journals that drills on this checkout left behind: they must match the published schema too.
const runs = existsSync(reportsDir)
  ? readdirSync(reportsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(reportsDir, d.name, "journal.json")))
      .map((d) => join(reportsDir, d.name, "journal.json"))
  : [];

describe("journal.schema.json", () => {
  it("has fixtures to check", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(3);
  });

  it.each([...fixtures, ...runs])("%s validates", (file) => {
    const r = validateJournal(JSON.parse(readFileSync(file, "utf8")));
    expect(r.ok ? [] : r.errors).toEqual([]);
  });

  it("accepts a journal as the runner starts it", () => {
    const j = newJournal({ scenario: "disk-full", runbook: { file: "runbooks/failure-modes.md", section: 3, revision: "abc" }, scenarioSource: "scenarios/disk-full.yaml:1" });
    expect(validateJournal(JSON.parse(JSON.stringify(j)))).toMatchObject({ ok: true });
  });

  it("rejects a journal that breaks the contract, saying where", () => {
    const j = JSON.parse(readFileSync(fixtures[0]!, "utf8")) as Record<string, unknown>;
    const r = validateJournal({ ...j, status: "green", startedAt: "yesterday", phases: [{ name: "warp", status: "passed", startedAt: "2026-11-29T08:00:00Z" }] });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.join("\n")).toMatch(/\/status must be equal to one of the allowed values/);
      expect(r.errors.join("\n")).toMatch(/\/startedAt must match format "date-time"/);
      expect(r.errors.join("\n")).toMatch(/\/phases\/0\/name must be equal to one of the allowed values/);
    }
    const { findings: _dropped, ...missing } = j;
    expect(validateJournal(missing)).toMatchObject({ ok: false, errors: [expect.stringContaining("must have required property 'findings'")] });
  });
});
