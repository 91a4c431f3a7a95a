// Reading the targets page: the classic server-rendered table, the React page's data,
// and the way to the Targets page when the runbook's URL is not one.
import { describe, expect, it } from "vitest";
import { parseApiTargets, parseClassicTargets, readTargetsPage, type Fetcher } from "./targets-page.js";

// Shaped like Prometheus 2.42's classic targets.html (Debian's package).
const classic = `
<h2><a id="job-fastapi" href="#job-fastapi">fastapi (0/1 up)</a></h2>
<table><tr><td class="endpoint">http://fastapi-app:8000/metrics</td>
<td class="state"><span class="alert alert-danger state_indicator text-uppercase">down</span></td>
<td class="errors"><span class="alert alert-danger">server returned HTTP status 404 Not Found</span></td></tr></table>
<h2><a id="job-node" href="#job-node">node (1/1 up)</a></h2>
<table><tr><td class="state"><span class="alert alert-success state_indicator text-uppercase">up</span></td></tr></table>`;

describe("targets page", () => {
  it("reads job headings and state cells off the classic page", () => {
    expect(parseClassicTargets(classic)).toEqual([
      { job: "fastapi", up: 0, total: 1, states: ["DOWN"] },
      { job: "node", up: 1, total: 1, states: ["UP"] },
    ]);
  });

  it("reads the React page's data per scrape pool", () => {
    const jobs = parseApiTargets({
      data: { activeTargets: [{ scrapePool: "fastapi", health: "unknown" }, { scrapePool: "node", health: "up" }, { scrapePool: "node", health: "down" }] },
    });
    expect(jobs).toEqual([
      { job: "fastapi", up: 0, total: 1, states: ["UNKNOWN"] },
      { job: "node", up: 1, total: 2, states: ["UP", "DOWN"] },
    ]);
  });

  const site = (pages: Record<string, { status: number; body?: string; location?: string }>): Fetcher => async (path) => {
    const p = pages[path];
    return p ? { status: p.status, body: p.body ?? "", location: p.location } : { status: 404, body: "404 page not found" };
  };

  it("uses the runbook's URL when it is a targets page", async () => {
    const r = await readTargetsPage(site({ "/prometheus/targets": { status: 200, body: classic } }), "/prometheus/targets");
    expect(r).toMatchObject({ url: "/prometheus/targets", how: "server-rendered page" });
    expect(r.runbookUrlProblem).toBeUndefined();
  });

  it("reads the React page through its own data path", async () => {
    const r = await readTargetsPage(
      site({
        "/prometheus/targets": { status: 200, body: '<div id="root"></div><script src="./static/js/main.js"></script>' },
        "/prometheus/api/v1/targets": { status: 200, body: JSON.stringify({ data: { activeTargets: [{ scrapePool: "fastapi", health: "down" }] } }) },
      }),
      "/prometheus/targets",
    );
    expect(r.how).toBe("the page's own data (/api/v1/targets)");
    expect(r.jobs).toEqual([{ job: "fastapi", up: 0, total: 1, states: ["DOWN"] }]);
  });

  it("follows the UI's start page when the runbook's URL is not found, and says so", async () => {
    const r = await readTargetsPage(
      site({
        "/prometheus/": { status: 302, location: "/prometheus/classic/graph" },
        "/prometheus/classic/targets": { status: 200, body: classic },
      }),
      "/prometheus/targets",
    );
    expect(r.url).toBe("/prometheus/classic/targets");
    expect(r.runbookUrlProblem).toBe("/prometheus/targets answered 404 404 page not found");
    expect(r.jobs[0]?.states).toEqual(["DOWN"]);
  });

  it("fails on refused credentials and on a UI it cannot find its way through", async () => {
    await expect(readTargetsPage(site({ "/prometheus/targets": { status: 401 } }), "/prometheus/targets")).rejects.toThrow(/401/);
    await expect(readTargetsPage(site({ "/prometheus/": { status: 200, body: "hello" } }), "/prometheus/targets")).rejects.toThrow(/did not lead to a graph page/);
  });
});
