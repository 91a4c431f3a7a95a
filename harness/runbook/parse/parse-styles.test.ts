// The parser on runbooks written in other styles than failure-modes.md: whatever it
// cannot place or read as a step is a diagnostic at its line, never dropped in silence.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseRunbook } from "./parse.js";
import type { Runbook } from "../types.js";

const dir = join(import.meta.dirname, "../fixtures/repo/runbooks/styles");
const parse = (name: string): Runbook => parseRunbook(readFileSync(join(dir, name), "utf8"), name);
const said = (r: Runbook): string[] => r.diagnostics.map((d) => `${d.line} ${d.severity}: ${d.message}`);
const ids = (r: Runbook, n: number): string[] => r.sections.find((s) => s.number === n)?.steps.map((s) => s.id) ?? [];

describe("runbook styles", () => {
  it("two-digit steps and sub-steps under step 10", () => {
    const r = parse("two-digit-steps.md");
    expect(ids(r, 1)).toEqual(["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8", "1.9", "1.10", "1.10a", "1.10b", "1.11", "1.12"]);
    expect(r.sections[0]!.steps.find((s) => s.id === "1.10b")).toMatchObject({ parentId: "1.10", line: 29, endLine: 30 });
    expect(r.diagnostics).toEqual([]);
  });

  it("two blocks in one section: a block that starts with a heading continues the numbering", () => {
    const r = parse("two-blocks.md");
    expect(ids(r, 1)).toEqual(["1.1", "1.2"]);
    expect(said(r).filter((d) => /^(7|8|14|15) /.test(d))).toEqual([]);
  });

  it("a block that continues a step without a `# N.` heading is an error naming its lines", () => {
    const r = parse("two-blocks.md");
    expect(ids(r, 2)).toEqual(["2.1"]);
    expect(said(r)).toContain(
      "29 error: ```bash block at line 28 has no `# N.` step heading, and section 2 already has steps (2.1 at line 22): lines 29-30 continue no step and are not drilled; start the block with `# 2. ...` or move them into the step's block",
    );
  });

  it("commands before a block's first step heading are an error", () => {
    expect(said(parse("two-blocks.md"))).toContain("37 error: line 37 comes before the first `# N.` step heading and belongs to no step: not drilled");
  });

  it("sh and shell fences are read; a console transcript is not, and says why", () => {
    const r = parse("fences.md");
    expect(ids(r, 1)).toEqual(["1.1"]);
    expect(ids(r, 2)).toEqual(["2.1"]);
    expect(ids(r, 3)).toEqual([]);
    expect(said(r)).toContain(
      "22 warning: runbook block ```console is a transcript (prompts and output): its commands are not read as steps; write them in a ```bash block",
    );
    expect(said(r)).toContain("21 error: section 3: **Runbook** heading without a ```bash block");
  });

  it("a comment that means a step but is not `# N.` is a warning, at its line", () => {
    const r = parse("fences.md");
    expect(ids(r, 4)).toEqual(["4.1"]);
    expect(said(r)).toContain("33 warning: `# Step 2: verify` looks like a step heading but is not `# 2. Title`: read as part of step 4.1");
  });

  it("detection-only sections, a gap in the numbering, and a shell block under another part", () => {
    const r = parse("detection-only.md");
    expect(said(r)).toEqual([
      "16 warning: section 2 has no **Runbook** part: nothing to drill",
      "23 warning: section 4 has no **Runbook** part: nothing to drill",
      "23 warning: section 3 is missing: section 2 is followed by section 4",
      "29 warning: ```bash block in section 4 is under **Verification**, not **Runbook**: its commands are not read as steps",
    ]);
    expect(r.sections.find((s) => s.number === 2)!.detection).toHaveLength(1);
  });

  it("headings at odd levels: each one it cannot place is an error at its line", () => {
    const r = parse("odd-headings.md");
    expect(ids(r, 1)).toEqual(["1.1"]); // `#### Runbook` is a part label, as **Runbook** is
    // Section 6's block under `#### 6.` must not become a step of section 5.
    expect(ids(r, 5)).toEqual([]);
    expect(said(r)).toEqual([
      "14 error: `## 2. A section at level 2` looks like section 2 but is a level-2 heading: only level-3 `### N. Title` headings start a drillable section, so it is read as a group and not drilled (write `### 2. A section at level 2`)",
      '17 warning: ```bash block in unnumbered section "2. A section at level 2" is not drilled: only `### N. Title` sections are',
      "22 error: `### 3) A section numbered with a parenthesis` looks like section 3 but is not `### N. Title`: it is read as an unnumbered section and not drilled (write `### 3. A section numbered with a parenthesis`)",
      '25 warning: ```bash block in unnumbered section "3) A section numbered with a parenthesis" is not drilled: only `### N. Title` sections are',
      "30 warning: section 5 has no **Runbook** part: nothing to drill",
      "30 warning: sections 2-4 are missing: section 1 is followed by section 5 (not placed: `## 2. A section at level 2` at line 14, `### 3) A section numbered with a parenthesis` at line 22)",
      "37 error: `#### 6. A section at level 4` looks like section 6 but is a level-4 heading: it is read as a part of section 5 and not drilled (write `### 6. A section at level 4`)",
      "40 warning: ```bash block in section 5 is under `#### 6. A section at level 4`, not **Runbook**: its commands are not read as steps",
      "45 warning: section 7 has no **Runbook** part: nothing to drill",
      "45 warning: section 6 is missing: section 5 is followed by section 7 (not placed: `#### 6. A section at level 4` at line 37)",
      "50 error: `### Runbook` is a level-3 heading: it ends section 7, so what follows is not read as section 7's Runbook (write `**Runbook**:` or `#### Runbook`)",
      '51 warning: ```bash block in unnumbered section "Runbook" is not drilled: only `### N. Title` sections are',
    ]);
  });

  it("numbered groups over numbered sections are placed, not reported", () => {
    const md = ["## 1. System-Wide Failures", "", "### 1. Outage", "**Runbook**:", "```bash", "# 1. Look", "docker ps", "```", "", "## 2. Service Failures", "", "### 2. Postgres down", "**Runbook**:", "```bash", "# 1. Look", "docker ps", "```"].join("\n");
    const r = parseRunbook(md, "groups.md");
    expect(r.diagnostics).toEqual([]);
    expect(r.sections.filter((s) => s.number !== null).map((s) => [s.number, s.group])).toEqual([
      [1, "1. System-Wide Failures"],
      [2, "2. Service Failures"],
    ]);
  });

  it("sub-headings under a Runbook part: `#### 1.1 X` is not a section, `#### Step 2: X` is not a step; their blocks are reported", () => {
    const md = ["### 1. Sub-headings", "", "#### Runbook", "", "#### 1.1 Check logs", "```bash", "docker logs caddy", "```", "", "#### Step 2: Restart", "```bash", "docker-compose restart caddy", "```"].join("\n");
    const r = parseRunbook(md, "sub.md");
    expect(said(r).filter((d) => !d.startsWith("1 error: no drillable section"))).toEqual([
      "3 error: section 1: **Runbook** heading without a ```bash block",
      "6 warning: ```bash block in section 1 is under **1.1 Check logs**, not **Runbook**: its commands are not read as steps",
      "10 error: `#### Step 2: Restart` looks like step 1.2 but steps are `# N.` comments inside a ```bash block under **Runbook**: it is read as a part label, and blocks under it are not read as steps",
      "11 warning: ```bash block in section 1 is under **Step 2: Restart**, not **Runbook**: its commands are not read as steps",
    ]);
  });

  it("a runbook with no drillable section (Meaning / Impact / Diagnosis / Mitigation) is an error saying what was looked for and found", () => {
    const r = parse("meaning-impact.md");
    const errors = r.diagnostics.filter((d) => d.severity === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]!.line).toBe(1);
    expect(errors[0]!.message).toBe(
      "no drillable section: the parser looks for numbered sections `### N. Title` (level 3) whose **Runbook** part (a bold `**Runbook**:` label or a `#### Runbook` heading) holds ```bash blocks with `# N.` step comments; found headings `# PostgresDown` (line 1), `## Meaning` (line 3), `## Impact` (line 7), `## Diagnosis` (line 11), `## Mitigation` (line 20), and 2 shell blocks outside any numbered section (lines 15, 24)",
    );
    expect(said(r)).toContain('15 warning: ```bash block in unnumbered section "Diagnosis" is not drilled: only `### N. Title` sections are');
  });

  it("numbered sections with nothing to run are no drillable section either", () => {
    const md = ["### 1. Only detection", "**Detection**:", "```promql", "up == 0", "```"].join("\n");
    const r = parseRunbook(md, "d.md");
    expect(said(r)).toContain(
      "1 error: no drillable section: the parser looks for numbered sections `### N. Title` (level 3) whose **Runbook** part (a bold `**Runbook**:` label or a `#### Runbook` heading) holds ```bash blocks with `# N.` step comments; found 1 numbered section, none with a **Runbook** part",
    );
  });
});
