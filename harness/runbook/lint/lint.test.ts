import { execFileSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Finding, FindingKind } from "./findings.js";
import { lintRunbook, type LintOptions } from "./lint.js";
import { PrometheusSeriesClient, type SeriesClient } from "./live.js";
import { LocalPromtool, type PromtoolRunner } from "./promtool.js";
import { formatJson, formatText } from "./report.js";

const repo = join(import.meta.dirname, "../fixtures/repo");
// shellcheck has its own tests (shellcheck.test.ts); here it would only add findings.
const noShellcheck = { unavailable: "not used by this test" };

async function lint(runbook: string, extra: Partial<LintOptions> = {}): Promise<Finding[]> {
  const { findings } = await lintRunbook({ repoRoot: repo, runbookFile: `runbooks/${runbook}`, promtool: null, shellcheck: noShellcheck, ...extra });
  return findings;
}

const only = (findings: Finding[], kind: FindingKind): string[] =>
  findings.filter((f) => f.kind === kind).map((f) => `${f.file}:${f.line} ${f.severity}: ${f.message}`);

describe("lint: coverage", () => {
  it("a section with neither a scenario nor a waiver is an error; scenarios must point at real sections", async () => {
    expect(only(await lint("coverage.md"), "coverage")).toEqual([
      "scenarios/missing-section.yaml:4 error: scenario drills section 9, which runbooks/coverage.md does not have",
      'runbooks/coverage.md:21 error: section 3 "Neither covered nor waived": no scenario in scenarios/ drills it, and it has no waiver',
    ]);
  });

  it("without a scenarios folder every unwaived section is a finding", async () => {
    expect(only(await lint("coverage.md", { scenariosDir: "no-such-dir" }), "coverage")).toEqual([
      'runbooks/coverage.md:5 error: section 1 "Covered by a scenario": no-such-dir/ does not exist yet, so no scenario drills it, and it has no waiver',
      'runbooks/coverage.md:21 error: section 3 "Neither covered nor waived": no-such-dir/ does not exist yet, so no scenario drills it, and it has no waiver',
    ]);
  });
});

describe("lint: placeholders", () => {
  it("a drilled step that keeps a placeholder is an error; bound and manual steps are not", async () => {
    expect(only(await lint("placeholders.md"), "placeholder")).toEqual([
      "runbooks/placeholders.md:8 error: 1.1 is drilled but keeps placeholder <service>: bind it in runbooks/placeholders.drill.yaml or mark the step manual with a reason",
    ]);
  });
});

describe("lint: annotations and runbook structure", () => {
  it("reports annotations for steps the runbook does not have, at file:line", async () => {
    expect(only(await lint("annotation.md"), "annotation")).toEqual([
      "runbooks/annotation.drill.yaml:2 error: annotation for 1.9: no such step in section 1 (runbooks/annotation.md:3)",
      "runbooks/annotation.drill.yaml:4 error: annotation for 1.1: bind <service>: no such token in the step's text",
    ]);
  });

  it("reports the parser's diagnostics", async () => {
    const parse = only(await lint("broken.md"), "parse");
    expect(parse).toContain("runbooks/broken.md:22 error: section 2: **Runbook** heading without a ```bash block");
    expect(parse.filter((p) => p.includes(" error: "))).toHaveLength(3);
  });
});

describe("lint: a runbook with nothing to drill", () => {
  it("fails lint with what the parser looked for, instead of '0 errors, no findings'", async () => {
    const result = await lintRunbook({ repoRoot: repo, runbookFile: "runbooks/styles/meaning-impact.md", promtool: null, shellcheck: noShellcheck });
    const errors = result.findings.filter((f) => f.severity === "error");
    expect(errors.map((f) => `${f.file}:${f.line} ${f.kind}`)).toEqual(["runbooks/styles/meaning-impact.md:1 parse"]);
    expect(errors[0]!.message).toMatch(/^no drillable section: the parser looks for numbered sections `### N\. Title`.*; found headings `# PostgresDown` \(line 1\), `## Meaning`/);
    const text = formatText([result]);
    expect(text).not.toContain("no findings");
    expect(text).toMatch(/^1 error, /m);
  });
});

describe("lint: PromQL syntax", () => {
  const fake: PromtoolRunner = {
    description: "fake promtool",
    checkRules: async (_dir, files) => ({
      command: "promtool",
      exitCode: 1,
      stdout: "",
      stderr: `${files[1]}: 5:11: group "runbook-detection", rule 1, "s2_q1": could not parse expression: 1:6: parse error: unclosed left parenthesis\n`,
      durationMs: 1,
      timedOut: false,
    }),
  };

  it("a query promtool rejects is an error naming the section", async () => {
    expect(only(await lint("promql.md", { promtool: fake }), "promql-syntax")).toEqual([
      'runbooks/promql.md:21 error: section 2: promtool rejects "rate(http_requests_total[5m] > 1": 1:6: parse error: unclosed left parenthesis',
    ]);
  });

  it("without promtool every query is a warning, never a silent pass", async () => {
    expect(only(await lint("promql.md", { promtool: null }), "promql-syntax")).toEqual([
      "runbooks/promql.md:8 warning: promql not checked: no promtool (install Debian's prometheus package, or set DRILL_PROMETHEUS_IMAGE)",
      "runbooks/promql.md:21 warning: promql not checked: no promtool (install Debian's prometheus package, or set DRILL_PROMETHEUS_IMAGE)",
    ]);
  });

  let promtool: string | undefined;
  try {
    promtool = execFileSync("sh", ["-c", "command -v promtool"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    promtool = undefined;
  }
  it.skipIf(!promtool)(
    promtool ? "with the real promtool" : "with the real promtool (skipped: no promtool on PATH; apt-get install prometheus)",
    async () => {
      const findings = only(await lint("promql.md", { promtool: new LocalPromtool(promtool!) }), "promql-syntax");
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatch(/^runbooks\/promql\.md:21 error: section 2: promtool rejects .*parse error/);
    },
  );
});

describe("lint: live series (--live)", () => {
  const known: Record<string, number> = { up: 4, http_requests_total: 12 };
  let server: Server;
  let url: string;
  const asked: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const u = new URL(req.url ?? "/", "http://x");
      const match = u.searchParams.get("match[]") ?? "";
      asked.push(`${req.headers.authorization ?? "-"} ${u.pathname} ${match}`);
      const data = Array.from({ length: known[match] ?? 0 }, (_, k) => ({ __name__: match, instance: String(k) }));
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ status: "success", data }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://ops:pw@127.0.0.1:${(server.address() as AddressInfo).port}/prometheus`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("a selector without series is an error naming the section and the metric", async () => {
    const findings = only(await lint("live.md", { live: { url } }), "promql-series");
    const where = url.replace("ops:pw@", "ops:***@");
    expect(findings).toEqual([
      `runbooks/live.md:7 error: section 1: up{job="postgresql"} matches no series at ${where}; metric up exists, but not with these labels`,
      `runbooks/live.md:20 error: section 2: no series for metric minio_disk_storage_available at ${where}: no exporter emits it, so the detection query can never fire`,
      `runbooks/live.md:20 error: section 2: no series for metric minio_disk_storage_total at ${where}: no exporter emits it, so the detection query can never fire`,
    ]);
    // Real HTTP: the series API under the URL's path, with basic auth from the URL.
    expect(asked).toContain(`Basic ${Buffer.from("ops:pw").toString("base64")} /prometheus/api/v1/series up{job="postgresql"}`);
  });

  it("an unreachable Prometheus is an error, not a pass", async () => {
    const down: SeriesClient = { countSeries: () => Promise.reject(new Error("connect ECONNREFUSED")) };
    const findings = only(await lint("live.md", { live: { url: "http://127.0.0.1:1", client: down } }), "promql-series");
    expect(findings[0]).toBe("runbooks/live.md:7 error: could not ask http://127.0.0.1:1/ about up{job=\"postgresql\"}: connect ECONNREFUSED");
  });

  it("the client reports HTTP errors", async () => {
    const client = new PrometheusSeriesClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await expect(client.countSeries("up")).resolves.toBe(4);
  });
});

describe("lint: stack inventory", () => {
  it("names containers, services, volumes, networks, ports and paths the stack does not have", async () => {
    expect(only(await lint("inventory.md"), "inventory")).toEqual([
      "runbooks/inventory.md:11 warning: 1.2: caddy has no /etc/Caddy/Caddyfile: the stack mounts /etc/caddy, so the path is /etc/caddy/Caddyfile (paths are case-sensitive)",
      "runbooks/inventory.md:14 warning: 1.3: no container nginx in stack/docker-compose.yml (containers: caddy, postgresql)",
      "runbooks/inventory.md:17 warning: 1.4: no service web in stack/docker-compose.yml (services: caddy, postgresql)",
      "runbooks/inventory.md:18 warning: 1.4: no volume docker-compose_cache-data in stack/docker-compose.yml (volumes: docker-compose_caddy-data, docker-compose_postgres-data)",
      "runbooks/inventory.md:19 warning: 1.4: no network docker-compose_backend in stack/docker-compose.yml (networks: docker-compose_default, docker-compose_app-network)",
      "runbooks/inventory.md:23 warning: 1.5: localhost:9999: stack/docker-compose.yml publishes no such port (published: 5432, 8080)",
      "runbooks/inventory.md:26 warning: 1.6: host path /data/postgres is not bind-mounted by stack/docker-compose.yml (postgresql keeps /var/lib/postgresql/data in volume postgres-data)",
      "runbooks/inventory.md:27 warning: 1.6: role postgres: postgresql creates only role app (POSTGRES_USER in stack/docker-compose.yml)",
      `runbooks/inventory.md:30 warning: 1.7: caddy: /etc/caddy/extra.conf is in the bind mount of ${repo}/stack/config/caddy, which has no such file`,
    ]);
  });

  it("says the checks were skipped when there is no compose file", async () => {
    expect(only(await lint("inventory.md", { composeFile: "stack/missing.yml" }), "inventory")).toEqual([
      "runbooks/inventory.md:1 warning: stack/missing.yml not found: container, volume, network, port and path checks skipped",
    ]);
  });
});

describe("lint: detection kind and output", () => {
  it("notes sections whose detection a drill cannot load as an alert rule", async () => {
    expect(only(await lint("coverage.md"), "detection")).toEqual([
      "runbooks/coverage.md:5 info: section 1 has no Detection part",
      "runbooks/coverage.md:13 info: section 2 has no Detection part",
      "runbooks/coverage.md:21 info: section 3 has no Detection part",
    ]);
  });

  it("renders text grouped by section, and JSON", async () => {
    const result = await lintRunbook({ repoRoot: repo, runbookFile: "runbooks/coverage.md", promtool: null, shellcheck: noShellcheck });
    const text = formatText([result]);
    expect(text).toContain("  § 3. Neither covered nor waived  (runbooks/coverage.md:21)\n    runbooks/coverage.md:21  error   section 3");
    expect(text.trim().split("\n").at(-1)).toBe("2 errors, 1 warning, 3 notes"); // the warning: shellcheck not run
    const json = JSON.parse(formatJson([result])) as { errors: number; runbooks: { sections: number }[] };
    expect(json.errors).toBe(2);
    expect(json.runbooks[0]!.sections).toBe(3);
  });
});
