// The reports as people see them: a drill's report.html and the monthly evidence report
// opened in headless Chromium (installed by the preflight where the machine allows; on a
// machine where it cannot be, this fails with the fix instead of skipping). Screenshots go
// to reports/screenshots/ for a person to look at.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTools, launchChromium, type HeadlessChromium } from "../../harness/engine/chromium.js";
import type { Journal } from "../../harness/drill/journal.js";
import { renderDrillHtmlAsync } from "../../harness/report/html/drill.js";
import { writeEvidence } from "../../harness/report/evidence/build.js";
import { repoRoot, reportsDir } from "../../harness/util/paths.js";

const fixturesDir = join(repoRoot, "harness/report/fixtures");
const screenshots = join(reportsDir, "screenshots");
const work = mkdtempSync(join(tmpdir(), "browser-reports-"));
let browser: HeadlessChromium;

const runs = join(work, "runs");

beforeAll(async () => {
  await ensureTools(["chromium", "pdfinfo", "pdftotext", "pdftoppm"], (m) => process.stderr.write(`${m}\n`));
  // The fixtures laid out as drills leave them: <run>/journal.json.
  for (const f of readdirSync(fixturesDir).filter((x) => x.endsWith(".journal.json"))) {
    mkdirSync(join(runs, f.replace(".journal.json", "")), { recursive: true });
    copyFileSync(join(fixturesDir, f), join(runs, f.replace(".journal.json", ""), "journal.json"));
  }
  browser = await launchChromium();
  mkdirSync(screenshots, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

interface Opened {
  page: Page;
  problems: string[];
}

/** Opens a file, recording console errors, page errors and any request other than the file itself. */
async function open(file: string): Promise<Opened> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1200, height: 900 });
  const problems: string[] = [];
  const url = pathToFileURL(file).href;
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("request", (r) => {
    if (r.url() !== url) problems.push(`request: ${r.url()}`);
  });
  await page.goto(url, { waitUntil: "load" });
  return { page, problems };
}

const fixture = (name: string) => JSON.parse(readFileSync(join(fixturesDir, `${name}.journal.json`), "utf8")) as Journal;

async function drillPage(name: string): Promise<Opened> {
  const file = join(work, `${name}.html`);
  writeFileSync(file, await renderDrillHtmlAsync(fixture(name)));
  return open(file);
}

/** Data marks Vega drew inside a figure (paths in `g.mark-* role-mark` groups; legends and axes have other roles). */
const marks = (page: Page, testId: string, kind: string) => page.locator(`[data-testid="${testId}"] svg g.mark-${kind}.role-mark :is(path, line)`).count();

describe("a drill's report.html in Chromium", () => {
  it("tells the story of a passed disk-full drill on one page", async () => {
    const { page, problems } = await drillPage("disk-full-with-detection-range");
    await expect.poll(() => page.getByTestId("title").textContent()).toContain("DR drill: disk-full");
    expect(await page.getByTestId("status").textContent()).toBe("gate PASSED");
    for (const id of ["summary", "findings", "timeline", "detection", "steps", "recovery", "differences", "implementations"]) {
      expect(await page.getByTestId(id).isVisible(), id).toBe(true);
    }
    // Timeline: 11 phase bars and 3 step bars; diamonds for the events and the 2 manual steps.
    expect(await marks(page, "chart-timeline", "rect")).toBe(14);
    expect(await marks(page, "chart-timeline", "symbol")).toBe(8);
    expect(await page.getByTestId("chart-fault-window").locator("svg").isVisible()).toBe(true);
    // Detection: the query's line, its threshold rule, the moments' rules.
    expect(await marks(page, "chart-detection", "line")).toBeGreaterThan(0);
    expect(await marks(page, "chart-detection", "rule")).toBeGreaterThanOrEqual(1);
    expect(await page.getByTestId("chart-detection").textContent()).toContain("alert threshold: < 0.1");
    expect(await page.getByTestId("query").textContent()).toContain("node_filesystem_avail_bytes");
    // Output is folded until asked for.
    const step = page.getByTestId("step-3.2");
    expect(await step.locator("pre").first().isVisible()).toBe(false);
    await step.locator("summary").click();
    expect(await step.locator("pre").first().isVisible()).toBe(true);
    expect(await step.locator("pre").first().textContent()).toContain("docker system prune -a --volumes -f");
    expect(await page.getByTestId("stand-in").count()).toBeGreaterThan(0);
    await step.locator("summary").click();
    await page.screenshot({ path: join(screenshots, "drill-disk-full.png"), fullPage: true });
    expect(problems).toEqual([]);
  });

  it("shows known findings as known, and a failed drill's failure", async () => {
    const known = await drillPage("postgres-down-stopped-known-findings");
    expect(await known.page.getByTestId("status").textContent()).toBe("gate PASSED");
    expect(await known.page.getByTestId("finding-known").count()).toBe(3);
    expect(await known.page.getByTestId("finding-new").count()).toBe(0);
    // The step that failed as the scenario declares is drawn in the known colour, not red.
    expect(await known.page.locator('[data-testid="chart-timeline"] svg g.role-mark path[fill="#e69500"]').count()).toBeGreaterThan(0);
    expect(await known.page.locator('[data-testid="chart-timeline"] svg g.role-mark path[fill="#c62828"]').count()).toBe(0);
    await known.page.screenshot({ path: join(screenshots, "drill-postgres-down-known-findings.png"), fullPage: true });
    expect(known.problems).toEqual([]);

    const failed = await drillPage("caddy-misrouting-stack-up-failed");
    expect(await failed.page.getByTestId("status").textContent()).toBe("gate FAILED");
    expect(await failed.page.getByTestId("finding-new").textContent()).toContain("stack-up");
    expect(await failed.page.locator('[data-testid="chart-timeline"] svg g.role-mark path[fill="#c62828"]').count()).toBe(1);
    await failed.page.screenshot({ path: join(screenshots, "drill-caddy-misrouting-failed.png"), fullPage: true });
    expect(failed.problems).toEqual([]);
  });
});

describe("the monthly evidence report", () => {
  it("builds HTML and PDF from a folder of runs, readable in Chromium, one part per printed page", async () => {
    const out = join(work, "evidence");
    const r = await writeEvidence({ from: runs, out, since: "2026-11-01", until: "2026-11-30", repoRoot, log: () => {} });

    const { page, problems } = await open(r.html);
    expect(await page.getByTestId("title").textContent()).toBe("DR evidence: runbook drills, 2026-11-01 to 2026-11-30");
    for (const id of ["totals", "coverage", "timings", "failures", "open-findings", "stand-ins", "manifest"]) expect(await page.getByTestId(id).isVisible(), id).toBe(true);
    expect(await page.getByTestId("coverage-row").count()).toBeGreaterThanOrEqual(12);
    expect(await page.getByTestId("undrilled").count()).toBe(9);
    expect(await page.getByTestId("failure").count()).toBe(1);
    expect(await page.getByTestId("manifest-row").count()).toBe(4);
    // One point per run that detected (the two disk-full runs; postgres-down's alert never
    // fired, a known finding) and per run that recovered (those and postgres-down), a line per drill.
    expect(await marks(page, "chart-detect", "symbol")).toBe(2);
    expect(await marks(page, "chart-recover", "symbol")).toBe(3);
    expect(await marks(page, "chart-detect", "line")).toBe(1);
    expect(await marks(page, "chart-recover", "line")).toBe(2);
    await page.screenshot({ path: join(screenshots, "evidence.png"), fullPage: true });
    expect(problems).toEqual([]);

    // The PDF: the summary and coverage, then one page at least for each later part, in order.
    const pages = Number(/^Pages:\s+(\d+)$/m.exec(execFileSync("pdfinfo", [r.pdf!]).toString())?.[1]);
    expect(pages).toBeGreaterThanOrEqual(6);
    const text = (n: number) => execFileSync("pdftotext", ["-layout", "-f", String(n), "-l", String(n), r.pdf!, "-"]).toString();
    const headings = ["Coverage: runbook sections by last drill", "Time to detect and time to recover, per drill", "Failures", "Runbook findings still open", "Drills that ran on stand-ins", "Manifest of the journals included (SHA-256)"];
    const pageOf = headings.map((h) => [...Array(pages).keys()].map((i) => i + 1).find((n) => text(n).includes(h)));
    expect(pageOf.every((p) => p !== undefined), `headings found on pages ${JSON.stringify(pageOf)}`).toBe(true);
    for (let i = 1; i < pageOf.length; i++) expect(pageOf[i]!).toBeGreaterThan(pageOf[i - 1]!);
    expect(text(pageOf[5]!)).toContain(r.evidence.journals[0]!.sha256);
    execFileSync("pdftoppm", ["-r", "70", "-png", "-f", "1", "-l", "2", r.pdf!, join(screenshots, "evidence-pdf-page")]);
  });

  it("fails with a clear error on an invalid journal and on an empty period", async () => {
    const bad = join(work, "bad");
    mkdirSync(join(bad, "run"), { recursive: true });
    writeFileSync(join(bad, "run", "journal.json"), JSON.stringify({ ...fixture("disk-full-passed"), status: "green" }));
    const cli = (args: string[]) => {
      try {
        execFileSync(process.execPath, ["--import", "tsx", join(repoRoot, "harness/cli/report-evidence.ts"), ...args], { cwd: repoRoot, stdio: "pipe" });
        return { code: 0, err: "" };
      } catch (e) {
        const x = e as { status: number; stderr: Buffer };
        return { code: x.status, err: x.stderr.toString() };
      }
    };
    const invalid = cli(["--from", bad, "--no-pdf", "--out", join(work, "o1")]);
    expect(invalid.code).toBe(1);
    expect(invalid.err).toContain("run/journal.json: /status must be equal to one of the allowed values");
    const empty = cli(["--from", runs, "--since", "2020-01-01", "--until", "2020-01-31", "--no-pdf", "--out", join(work, "o2")]);
    expect(empty.code).toBe(1);
    expect(empty.err).toContain("no drill journals under");
    expect(empty.err).toContain("(4 journal(s) found in all)");
  });
});
