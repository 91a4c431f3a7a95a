import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Journal } from "../../drill/journal.js";
import { repoRoot } from "../../util/paths.js";
import { writeRun, writeRunReports } from "../run-dir.js";
import { buildDrillHtml, drillChartSpecs, renderDrillHtmlAsync } from "./drill.js";

const fixture = (name: string) => JSON.parse(readFileSync(join(repoRoot, "harness/report/fixtures", `${name}.journal.json`), "utf8")) as Journal;
const tmp = mkdtempSync(join(tmpdir(), "report-html-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("report.html", () => {
  it("escapes every journal string (command output is attacker-controlled text)", async () => {
    const j = fixture("disk-full-with-detection-range");
    const evil = `<script>alert(1)</script><img src=x onerror=alert(2)>"'&`;
    j.title = evil;
    j.steps[0]!.stdout = evil;
    j.steps[0]!.title = evil;
    j.findings.push({ id: evil, phase: "runbook", step: "3.1", summary: evil, acknowledged: false });
    const html = await renderDrillHtmlAsync(j);
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot;&#39;&amp;");
  });

  it("is self-contained: no script, no stylesheet or image links, no remote URL loaded", async () => {
    const html = await renderDrillHtmlAsync(fixture("disk-full-with-detection-range"));
    expect(html).not.toMatch(/<script|<link|<iframe|\bsrc=|@import|url\(/i);
    expect(html).toContain(`content="default-src 'none'`);
  });

  it("draws the timeline, the fault window and the detection query against its threshold as inline SVG", async () => {
    const html = await renderDrillHtmlAsync(fixture("disk-full-with-detection-range"));
    for (const id of ["chart-timeline", "chart-fault-window", "chart-detection"]) expect(html).toMatch(new RegExp(`data-testid="${id}"><svg`));
    const detection = html.slice(html.indexOf('data-testid="chart-detection"'));
    expect(detection).toContain("alert threshold: &lt; 0.1");
    expect(detection).toMatch(/class="mark-line role-mark/);
  });

  it("shows the load's windows, escaped, with a missing Prometheus figure as a dash", () => {
    const j = fixture("disk-full-passed");
    expect(buildDrillHtml(j, {})).not.toContain('data-testid="load"');
    j.load = {
      description: "GET /api/documents <through> Caddy",
      windows: [{ window: "during the fault", from: "2026-11-28T10:00:00.000Z", to: "2026-11-28T10:01:00.000Z", requests: 40, errors: 1, p50: 1500, p95: 1600, p99: 1700, prometheus: { p50: 1400, p99: 2400, query: "q" } }],
    };
    const html = buildDrillHtml(j, {});
    expect(html).toContain("GET /api/documents &lt;through&gt; Caddy");
    expect(html).toMatch(/<td>during the fault<\/td>.*<td>40<\/td><td>1<\/td><td>1500 \/ 1600 \/ 1700<\/td><td>1400 \/ — \/ 2400<\/td>/);
  });

  it("says why there is no detection chart for a journal without samples", () => {
    const j = fixture("disk-full-passed");
    expect(drillChartSpecs(j).detection).toBeUndefined();
    expect(buildDrillHtml(j, {})).toContain("This journal has no samples of the query");
  });

  it("says why a drill that stopped at stack-up has no detection and no implementations", () => {
    const html = buildDrillHtml(fixture("caddy-misrouting-stack-up-failed"), {});
    expect(html).toContain("Detection did not run: the drill stopped before the fault");
    expect(html).toContain("None recorded: the drill's stack did not come up.");
    expect(html).not.toContain("No machine-checkable detection");
  });

  it("keeps known findings apart from new ones, and marks stand-ins", () => {
    const html = buildDrillHtml(fixture("postgres-down-stopped-known-findings"), {});
    expect(html.match(/data-testid="finding-known"/g)).toHaveLength(3);
    expect(html).not.toContain('data-testid="finding-new"');
    expect(html).toContain("FAILED (known finding)");
    expect(html.match(/<span class="badge standin">STAND-IN<\/span>/g)?.length).toBeGreaterThan(0);
  });
});

describe("reporters behind writeRunReports", () => {
  it("writes journal.json, report.md, junit.xml and report.html and returns the run's directory, synchronously", () => {
    const dir = writeRunReports(fixture("disk-full-passed"), tmp);
    for (const f of ["journal.json", "report.md", "junit.xml", "report.html"]) expect(existsSync(join(dir, f))).toBe(true);
    expect(readFileSync(join(tmp, "latest", "report.html"), "utf8")).toContain("DR drill: disk-full");
  });

  it("writes only the reporters asked for, and refuses an unknown name", () => {
    const r = writeRun(fixture("caddy-misrouting-stack-up-failed"), tmp, ["json", "md"]);
    expect(Object.keys(r.files).sort()).toEqual(["json", "md"]);
    expect(existsSync(join(r.dir, "report.html"))).toBe(false);
    expect(() => writeRun(fixture("caddy-misrouting-stack-up-failed"), tmp, ["pdf"])).toThrow(/no reporter named "pdf"/);
  });
});

describe("report.html: what the drill did not prove", () => {
  it("shows steps not run, hazards, observed answers, prose detection and the provisions", () => {
    const j = fixture("postgres-down-stopped-known-findings");
    j.stepsNotRun = [{ id: "4.3b", title: "Corrupted data directory", location: "runbooks/failure-modes.md:150", reason: "drilled in postgres-down:corrupted-data" }];
    j.steps[0] = { ...j.steps[0]!, http: [{ url: "http://localhost:8080/health", status: 503, statusLine: "HTTP/1.1 503 Service Unavailable" }], httpErrors: ["HTTP/1.1 503 Service Unavailable from http://localhost:8080/health"], resources: { calls: [], created: [], removed: [{ kind: "volume", name: "v" }], changed: [], hazards: ["removed volume v, which held postgresql's data"] } };
    j.provisions = [{ id: "aws-credentials", provision: "the operator shell has AWS keys", production: "configure them", why: "so aws runs", reliedOnBy: ["5.5"] }];
    j.detection.prose = [{ says: "Caddy logs show routing errors", how: "docker logs caddy", baseline: "", heldBeforeFault: false, detail: "none matching" }];
    const html = buildDrillHtml(j, {});
    expect(html).toContain(`<tr data-testid="step-not-run"><td>4.3b Corrupted data directory</td>`);
    expect(html).toContain(`<p class="r-failed" data-testid="hazard">HAZARD: removed volume v, which held postgresql&#39;s data</p>`);
    expect(html).toContain(`data-testid="http-answer">HTTP answer (observed): http://localhost:8080/health → <b>HTTP/1.1 503 Service Unavailable</b>`);
    expect(html).toMatch(/data-testid="prose-detection"><span class="r-failed">NOT observed<\/span>: “Caddy logs show routing errors”/);
    expect(html).toMatch(/<span data-testid="provision">the operator shell has AWS keys<\/span>\. <i>Production:<\/i> configure them\. <i>Why:<\/i> so aws runs\. <b>Relied on by 5\.5<\/b>/);
  });
});
