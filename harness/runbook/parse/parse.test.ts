import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findSection, parseRunbook } from "./parse.js";
import { repoRoot } from "../../util/paths.js";

const FILE = "runbooks/failure-modes.md";
const source = readFileSync(join(repoRoot, FILE), "utf8");
const lines = source.split("\n");
const runbook = parseRunbook(source, FILE);
const lineAt = (n: number): string => lines[n - 1] ?? "";

describe("parseRunbook on failure-modes.md", () => {
  it("finds the 12 numbered sections, in order, with their groups", () => {
    const numbered = runbook.sections.filter((s) => s.number !== null);
    expect(numbered.map((s) => s.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(numbered.every((s) => s.drillable)).toBe(true);
    expect(findSection(runbook, 1)?.group).toBe("System-Wide Failures");
    expect(findSection(runbook, 4)?.group).toBe("Service-Specific Failures");
    expect(findSection(runbook, 11)?.group).toBe("Network & Connectivity Issues");
    expect(findSection(runbook, 3)?.title).toBe("Disk Full");
    expect(runbook.diagnostics).toEqual([]);
  });

  it("keeps non-numbered sections, not drillable", () => {
    const others = runbook.sections.filter((s) => s.number === null);
    expect(others.map((s) => s.title)).toEqual([
      "Monitoring Checklist",
      "Weekly Maintenance",
      "Monthly Review",
      "Emergency Contacts & Escalation",
      "Interview Talking Points",
    ]);
    expect(others.every((s) => !s.drillable && s.steps.length === 0)).toBe(true);
    expect(others[0]?.group).toBe("Preventive Measures");
  });

  it("splits section 4 into steps and sub-steps", () => {
    const s4 = findSection(runbook, 4)!;
    expect(s4.steps.map((s) => s.id)).toEqual(["4.1", "4.2", "4.3", "4.3a", "4.3b", "4.3c", "4.4"]);
    const b = s4.steps.find((s) => s.id === "4.3b")!;
    expect(b).toMatchObject({ section: 4, number: 3, sub: "b", parentId: "4.3", title: "Corrupted data directory" });
    expect(b.text).toBe(
      [
        "# b) Corrupted data directory",
        "docker-compose down",
        "docker volume rm docker-compose_postgres-data",
        "# Restore from backup",
        "docker-compose up -d postgresql",
        "docker exec -i postgresql psql -U postgres < /backup/postgres.sql",
      ].join("\n"),
    );
    expect(s4.steps.find((s) => s.id === "4.3")!.text).toBe("# 3. Common issues:");
  });

  it("gives every step its exact text and the lines it came from", () => {
    for (const step of runbook.sections.flatMap((s) => s.steps)) {
      expect(step.text).toBe(lines.slice(step.line - 1, step.endLine).join("\n"));
      expect(lineAt(step.line)).toMatch(/^# (\d+\.|[a-z]\))/);
    }
    const s4 = findSection(runbook, 4)!;
    expect(s4.steps.map((s) => [s.id, s.line, s.endLine])).toEqual([
      ["4.1", 139, 140],
      ["4.2", 142, 143],
      ["4.3", 145, 145],
      ["4.3a", 147, 150],
      ["4.3b", 152, 157],
      ["4.3c", 159, 162],
      ["4.4", 164, 166],
    ]);
  });

  it("keeps multi-line commands and heredocs inside one step", () => {
    const step65 = findSection(runbook, 6)!.steps.find((s) => s.id === "6.5")!;
    expect(step65.text).toContain("for doc in docs:\n    search.index_document(doc)\n\"");
    const step35 = findSection(runbook, 3)!.steps.find((s) => s.id === "3.5")!;
    expect(step35.text.endsWith("EOF")).toBe(true);
    expect(findSection(runbook, 3)!.steps.map((s) => s.id)).toEqual(["3.1", "3.2", "3.3", "3.4", "3.5"]);
  });

  it("reads detection queries verbatim, without the leading comment of a promql block", () => {
    const q3 = findSection(runbook, 3)!.detection;
    expect(q3).toEqual([
      {
        language: "promql",
        expr: 'node_filesystem_avail_bytes{mountpoint="/"} / node_filesystem_size_bytes < 0.10',
        file: FILE,
        line: 88,
        endLine: 88,
      },
    ]);
    expect(lineAt(88)).toBe(q3[0]!.expr);
    const q2 = findSection(runbook, 2)!.detection[0]!;
    expect(q2).toMatchObject({ language: "promql", comment: "Prometheus alert", line: 52 });
    expect(q2.expr).toBe("node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.10");
  });

  it("reads bash and prose detection too", () => {
    const q6 = findSection(runbook, 6)!.detection;
    expect(q6).toHaveLength(1);
    expect(q6[0]).toMatchObject({ language: "bash", line: 220 });
    expect(q6[0]!.expr.split("\n")[0]).toBe("curl http://localhost:7700/indexes/documents/stats | jq .numberOfDocuments");
    const q7 = findSection(runbook, 7)!.detection;
    expect(q7.map((q) => [q.language, q.expr, q.line])).toEqual([
      ["text", "Visit http://localhost:8080/prometheus/targets", 265],
      ["text", 'Targets show "DOWN" or "UNKNOWN"', 266],
    ]);
    expect(findSection(runbook, 1)!.detection).toEqual([]);
  });

  it("reads symptoms and likely causes", () => {
    const s1 = findSection(runbook, 1)!;
    expect(s1.symptoms).toEqual(["Website unreachable", "All API endpoints return connection refused", "Grafana dashboard inaccessible"]);
    expect(s1.likelyCauses).toContain("Docker daemon crashed");
    expect(s1.runbookLine).toBe(17);
  });
});

describe("parseRunbook diagnostics", () => {
  const broken = readFileSync(join(import.meta.dirname, "../fixtures/repo/runbooks/broken.md"), "utf8");
  const rb = parseRunbook(broken, "broken.md");
  const messages = rb.diagnostics.map((d) => `${d.line} ${d.severity}: ${d.message}`);

  it("reports duplicate and out-of-order step numbers", () => {
    expect(messages).toContain("10 warning: step 1.2 is missing: 1.1 is followed by 1.3");
    expect(messages).toContain("13 warning: steps out of order: 1.2 comes after 1.3");
    expect(messages.some((m) => m.startsWith("16 error: duplicate step number: 1.2 is already at broken.md:13"))).toBe(true);
    expect(rb.sections[0]!.steps.map((s) => s.id)).toEqual(["1.1", "1.3", "1.2"]);
  });

  it("reports a Runbook heading without a bash block, and an unclosed fence", () => {
    expect(messages).toContain("22 error: section 2: **Runbook** heading without a ```bash block");
    expect(messages.some((m) => m.startsWith("28 error: unclosed code fence"))).toBe(true);
    // The unclosed block still yields its step, so the rest of the report stays useful.
    expect(rb.sections[2]!.steps.map((s) => s.id)).toEqual(["3.1"]);
  });

  it("does not mistake `# 2.` inside a quoted string or heredoc for a step", () => {
    const md = ["### 1. X", "", "**Runbook**:", "```bash", "# 1. One", 'echo "', "# 2. not a step", '"', "cat <<EOF", "# 3. nor this", "EOF", "# 2. Two", "ls", "```"].join("\n");
    const r = parseRunbook(md, "q.md");
    expect(r.sections[0]!.steps.map((s) => s.id)).toEqual(["1.1", "1.2"]);
    expect(r.diagnostics).toEqual([]);
  });

  it("reads a block without step headings as one step, with a warning", () => {
    const md = ["### 1. X", "", "**Runbook**:", "```bash", "# Restart everything", "docker-compose restart", "```"].join("\n");
    const r = parseRunbook(md, "one.md");
    expect(r.sections[0]!.steps).toMatchObject([{ id: "1.1", title: "Restart everything", line: 5, endLine: 6 }]);
    expect(r.diagnostics[0]).toMatchObject({ severity: "warning", line: 4 });
  });

  it("tolerates a section without Runbook with a warning, and reports duplicate sections", () => {
    const md = ["### 1. A", "text", "### 1. B", "**Runbook**:", "```bash", "# 1. x", "ls", "```"].join("\n");
    const r = parseRunbook(md, "d.md");
    expect(r.diagnostics.map((d) => [d.line, d.severity])).toEqual([
      [1, "warning"],
      [3, "error"],
    ]);
  });

  it("attaches an inline <!-- drill: --> comment to the next fence", () => {
    const md = ["### 1. A", "**Runbook**:", '<!-- drill: {"1": {mode: manual, reason: r}} -->', "", "```bash", "# 1. x", "ls", "```"].join("\n");
    const r = parseRunbook(md, "i.md");
    expect(r.sections[0]!.blocks[0]!.inlineAnnotation).toEqual({ text: ' {"1": {mode: manual, reason: r}} ', line: 3 });
  });
});
