import { describe, expect, it } from "vitest";
import { newJournal, runbookVerdict, type Journal } from "../drill/journal.js";
import { renderMarkdown } from "./markdown.js";
import { renderJunit } from "./junit.js";

function journal(): Journal {
  const j = newJournal({
    scenario: "disk-full",
    runbook: { file: "runbooks/failure-modes.md", section: 3, revision: "abc123", sectionSha256: "f".repeat(64) },
    scenarioSource: "scenarios/disk-full.yaml:1",
  });
  j.status = "passed";
  j.phases.push(
    { name: "inject", startedAt: "2026-11-28T10:00:00.000Z", endedAt: "2026-11-28T10:00:02.000Z", status: "passed", detail: "filled" },
    { name: "detect", startedAt: "2026-11-28T10:00:02.000Z", endedAt: "2026-11-28T10:00:22.000Z", status: "passed" },
  );
  j.detection = { alert: "DiskFull", pendingAt: "2026-11-28T10:00:07.000Z", firedAt: "2026-11-28T10:00:22.000Z", secondsToDetect: 20, lowerBoundSeconds: 25 };
  j.steps.push(
    { id: "3.2", title: "Clean Docker resources", location: "runbooks/failure-modes.md:93", mode: "drilled", result: "passed", exitCode: 0, seconds: 0.8, command: "docker system prune -a --volumes -f", stdout: "Total reclaimed space: 0B", startedAt: "2026-11-28T10:00:30.000Z" },
    { id: "3.4", title: "If persistent, increase EBS volume", location: "runbooks/failure-modes.md:101", mode: "manual", result: "skipped", reason: "aws ec2: cloud API not reachable from a drill" },
  );
  j.findings.push({ id: "x", phase: "runbook", step: "3.2", summary: "something", acknowledged: true });
  j.implementations.push({ service: "minio", image: "runbook-drills/minio:1", digest: "sha256:" + "0".repeat(64), standIn: true, note: "S3 stand-in" });
  return j;
}

describe("report.md", () => {
  const md = renderMarkdown(journal());

  it("states outcome, runbook revision, detection against its bound, and names stand-ins", () => {
    expect(md).toContain("# DR drill: disk-full — gate PASSED");
    expect(md).toContain("revision `abc123`; section text SHA-256 `ffffffffffffffff…`");
    expect(md).toContain("20.0 s (the rule's bound, scrape + evaluation + for: 25 s)");
    expect(md).toContain("**STAND-IN**: S3 stand-in");
    expect(md).toContain("**Known finding** (declared in the scenario) — runbook step 3.2: something");
  });

  it("never shows a manual step as passed, and gives its reason", () => {
    expect(md).toMatch(/\| 3\.4 If persistent, increase EBS volume \| manual \| SKIPPED \| — \| — \| aws ec2: cloud API not reachable from a drill \|/);
  });

  it("orders the timeline by time, phases at their end", () => {
    const timeline = md.slice(md.indexOf("## Timeline"), md.indexOf("## Detection"));
    expect(timeline.indexOf("alert DiskFull pending")).toBeLessThan(timeline.indexOf("phase **detect** passed"));
    expect(timeline.indexOf("phase **inject** passed")).toBeLessThan(timeline.indexOf("alert DiskFull pending"));
  });
});

describe("junit.xml", () => {
  it("has a testcase per phase and step, manual steps skipped", () => {
    const xml = renderJunit([journal()]);
    expect(xml).toContain('<testsuite name="disk-full" tests="4" failures="0" skipped="1"');
    expect(xml).toContain('name="3.4 If persistent, increase EBS volume" time="0"><skipped message="manual: aws ec2: cloud API not reachable from a drill"/>');
  });
});

describe("two verdicts", () => {
  it("never shows one word for both: a gate that passed over lost data says DATA LOST", () => {
    const j = journal();
    j.phases.push({ name: "recover", startedAt: "2026-11-28T10:01:00.000Z", endedAt: "2026-11-28T10:01:10.000Z", status: "passed" });
    j.integrity.push({ check: "documents-rows", passed: false, detail: "0/3 seeded rows present" });
    j.runbookVerdict = runbookVerdict(j);
    expect(j.runbookVerdict).toMatchObject({ detected: "yes", recovered: "yes", dataIntact: "no" });
    const md = renderMarkdown(j);
    expect(md).toContain("# DR drill: disk-full — gate PASSED");
    expect(md).toContain("**Runbook verdict:** detected, recovered, DATA LOST (documents-rows: 0/3 seeded rows present)");
    const xml = renderJunit([j]);
    expect(xml).toContain('<property name="gate" value="passed"/>');
    expect(xml).toContain('<property name="runbook.dataIntact" value="no"/>');
  });

  it("says NOT DETECTED when the detect phase ran and nothing fired", () => {
    const j = journal();
    j.detection = { alert: "DiskFull" };
    j.phases[1]!.status = "failed";
    expect(runbookVerdict(j).detected).toBe("no");
    expect(runbookVerdict(j).summary).toMatch(/^NOT DETECTED/);
  });

  it("does not credit the runbook with a recovery that came only after the drill reverted the fault", () => {
    const j = journal();
    j.phases.push({ name: "recover", startedAt: "2026-11-28T10:01:00.000Z", endedAt: "2026-11-28T10:01:10.000Z", status: "passed" });
    j.fault = { kind: "toxic", params: {}, injectedAt: "2026-11-28T10:00:00.000Z", revertedAt: "2026-11-28T10:00:50.000Z", revertedBy: "drill" };
    const v = runbookVerdict(j);
    expect(v.recovered).toBe("no");
    expect(v.summary).toContain("NOT RECOVERED by its steps (the service came back once the drill reverted the fault)");
    j.fault.revertedBy = undefined;
    expect(runbookVerdict(j).recovered).toBe("yes");
  });

  it("names every resource teardown left behind", () => {
    const j = journal();
    j.teardown = { seconds: 3, leftBehind: 1, left: [{ kind: "network", name: "drill-x_app-network", reason: "has active endpoints" }] };
    expect(renderMarkdown(j)).toContain("Left behind by teardown: network drill-x_app-network (has active endpoints)");
  });
});

describe("load windows", () => {
  it("shows p50/p95/p99 before, during and after from the load generator and from Prometheus, a missing figure as a dash", () => {
    const j = journal();
    const w = (window: string, p95: number, prom?: number) => ({
      window, from: "2026-11-28T10:00:00.000Z", to: "2026-11-28T10:00:30.000Z", requests: 100, errors: 2, p50: 20, p95, p99: 900,
      prometheus: { p50: 25, p95: prom, p99: 990, query: "histogram_quantile(0.95, ...)" },
    });
    j.load = { description: "GET /api/documents through Caddy, 2 in flight at most", windows: [w("before the fault", 40, 47), w("during the fault", 1600, 1700), w("after recovery", 45)] };
    const md = renderMarkdown(j);
    expect(md).toContain("## Load during the drill");
    expect(md).toContain("| during the fault | 2026-11-28 10:00:00Z – 2026-11-28 10:00:30Z | 100 | 2 | 20 / 1600 / 900 | 25 / 1700 / 990 |");
    expect(md).toContain("| after recovery | 2026-11-28 10:00:00Z – 2026-11-28 10:00:30Z | 100 | 2 | 20 / 45 / 900 | 25 / — / 990 |");
    expect(renderMarkdown(journal())).not.toContain("## Load during the drill");
  });
});

describe("HTTP answers on steps", () => {
  it("shows a 502 on a step that exited 0", () => {
    const j = journal();
    j.steps[0] = { ...j.steps[0]!, httpStatus: ["HTTP/1.1 502 Bad Gateway"], httpErrors: ["HTTP/1.1 502 Bad Gateway"] };
    expect(renderMarkdown(j)).toMatch(/\| 3\.2 Clean Docker resources \| drilled \| PASSED \| 0 \| 0\.8 \| HTTP error answers: HTTP\/1\.1 502 Bad Gateway \|/);
  });
});

describe("what the drill did not prove", () => {
  function truthful(): Journal {
    const j = journal();
    j.steps.push(
      {
        id: "8.3a", title: "Wrong backend port", location: "runbooks/failure-modes.md:322", mode: "operator-fix", result: "passed", exitCode: 0, seconds: 1,
        reason: "the step gives no command", command: "sed -i s/8001/8000/ Caddyfile",
      },
      {
        id: "8.6", title: "Test specific routes", location: "runbooks/failure-modes.md:345", mode: "drilled", result: "passed", exitCode: 0, seconds: 1, command: "curl -I http://localhost:8080/grafana/",
        http: [{ url: "http://localhost:8080/grafana/", status: 502, statusLine: "HTTP/1.1 502 Bad Gateway" }], httpErrors: ["HTTP/1.1 502 Bad Gateway from http://localhost:8080/grafana/"],
        resources: {
          calls: ["POST /containers/prune -> 200"],
          created: [],
          removed: [{ kind: "container", name: "d-postgresql", service: "postgresql", from: "exited" }, { kind: "volume", name: "d_postgres-data" }],
          changed: [],
          hazards: ["removed volume d_postgres-data, which held postgresql's data (mounted at /var/lib/postgresql/data)"],
        },
      },
    );
    j.stepsNotRun = [{ id: "8.3c", title: "Basic Auth hash wrong", location: "runbooks/failure-modes.md:330", reason: "a remedy for another cause" }];
    j.provisions = [{ id: "mc-alias-myminio", provision: "the S3 stand-in writes an mc alias", production: "no alias", why: "so mc runs", reliedOnBy: ["5.2", "5.3"], evidence: "names myminio" }];
    j.detection.prose = [{ says: "Browser shows 404 or 502", how: "GET /api/health", baseline: "200", heldBeforeFault: false, observedAt: "2026-11-28T10:00:03.000Z", secondsAfterFault: 1, detail: "/api/health -> 502" }];
    return j;
  }

  it("report.md lists steps not run with why, the operator's fix, error answers, hazards and every provision", () => {
    const md = renderMarkdown(truthful());
    expect(md).toContain("| 8.3c Basic Auth hash wrong | — | NOT RUN | — | — | not in this drill: a remedy for another cause |");
    expect(md).toContain("**The operator's own fix, not in the runbook** (the step gives no command)");
    expect(md).toMatch(/\| 8\.6 Test specific routes \| drilled \| PASSED .*HTTP error answers: HTTP\/1\.1 502 Bad Gateway from http:\/\/localhost:8080\/grafana\/; HAZARD: removed volume d_postgres-data/);
    expect(md).toContain("- Docker resources: removed container d-postgresql (exited), volume d_postgres-data");
    expect(md).toContain("## Where the drill differs from production");
    expect(md).toContain("- **the S3 stand-in writes an mc alias**. Production: no alias. Why: so mc runs. Relied on by: 5.2, 5.3 (names myminio).");
    expect(md).toContain(`the runbook's Detection "Browser shows 404 or 502", checked as a person would (GET /api/health): observable 1.0 s after the fault`);
  });

  it("the runbook's verdict does not count an operator's fix as the runbook's step", () => {
    const v = runbookVerdict(truthful());
    expect(v.steps).toEqual({ passed: 2, failed: 0, skipped: 1, operatorFixes: 1 });
    expect(v.summary).toContain("steps 2 passed, 0 failed, 1 only by the operator's own fix, 1 not run");
  });
});
