// The foundation's promise, checked against a real engine: the drill stack comes up
// healthy with every Prometheus target up and Caddy's routes answering, and goes
// away leaving nothing behind.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DrillStack, type StartedDrillStack, type TeardownReport } from "../../harness/stack/drill-stack.js";
import { listDrillResources } from "../../harness/stack/leftovers.js";
import { pollUntil } from "../../harness/util/poll.js";
import { silentLogger } from "../../harness/util/log.js";
import { runChecked } from "../../harness/util/run.js";

describe.sequential("drill stack bring-up and teardown", () => {
  let stack: StartedDrillStack;
  let teardown: TeardownReport | undefined;
  const served = (s: string) => stack.report.services.some((x) => x.service === s);
  const basicAuth = () =>
    `Basic ${Buffer.from(`${stack.secrets.prometheusBasicAuth.user}:${stack.secrets.prometheusBasicAuth.password}`).toString("base64")}`;

  beforeAll(async () => {
    stack = await new DrillStack({ log: silentLogger }).up();
  });
  afterAll(async () => {
    if (!teardown) await stack?.down();
  });

  it("serves the foundation's services and says what it left out", () => {
    const services = stack.report.services.map((s) => s.service);
    for (const s of ["caddy", "postgresql", "postgres-exporter", "prometheus", "alertmanager", "node-exporter", "blackbox-exporter"]) {
      expect(services).toContain(s);
    }
    for (const l of stack.report.leftOut) expect(l.reason.length).toBeGreaterThan(0);
    for (const s of stack.report.services) expect(s.digest).toMatch(/^(sha256:[0-9a-f]{64}|.+@sha256:[0-9a-f]{64})$/);
  });

  it("has every container healthy, under the drill's own name", async () => {
    for (const { service } of stack.report.services) {
      const info = await stack.docker.getContainer(stack.containerName(service)).inspect();
      expect(info.Name).toBe(`/${stack.project}-${service}`);
      if (info.HostConfig.RestartPolicy?.Name === "no") {
        // A one-shot job (minio-init): it must have finished successfully.
        expect(info.State.ExitCode, `${service} exit code`).toBe(0);
        continue;
      }
      expect(info.State.Running, `${service} running`).toBe(true);
      if (info.State.Health) expect(info.State.Health.Status, `${service} health`).toBe("healthy");
    }
  });

  it("publishes ports on loopback only, on ephemeral host ports", async () => {
    const info = await stack.docker.getContainer(stack.containerName("caddy")).inspect();
    const bindings = info.NetworkSettings.Ports["8080/tcp"] ?? [];
    expect(bindings.length).toBeGreaterThan(0);
    for (const b of bindings) {
      expect(b.HostIp).toBe("127.0.0.1");
      expect(Number(b.HostPort)).not.toBe(8080);
    }
  });

  it("has every Prometheus target up, including the runbook's postgresql job", async () => {
    const targets = await stack.prometheus().targets();
    expect(targets.length).toBeGreaterThanOrEqual(stack.report.prometheus?.keptJobs.length ?? 1);
    for (const t of targets) expect(t.health, `${t.labels.job} ${t.scrapeUrl} ${t.lastError}`).toBe("up");
    const up = await stack.prometheus().query('up{job="postgresql"}');
    expect(up.map((s) => s.value[1])).toEqual(["1"]);
    // The exporter's first scrape may predate PostgreSQL accepting connections: the
    // steady state is pg_up 1 within a few scrapes.
    const pgUp = await pollUntil("pg_up 1", 30_000, 1000, async () => {
      const v = (await stack.prometheus().query("pg_up")).map((s) => s.value[1]);
      return v.length === 1 && v[0] === "1" ? { value: v, reason: "" } : { reason: `pg_up ${JSON.stringify(v)}` };
    });
    expect(pgUp).toEqual(["1"]);
  });

  it("loads the runbook's alert rules, with none firing at steady state", async () => {
    const res = await fetch(stack.url("prometheus", 9090, "/api/v1/rules"));
    const body = (await res.json()) as { data: { groups: { rules: { name: string; annotations: Record<string, string> }[] }[] } };
    const rules = body.data.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.name).sort()).toEqual(["DiskFull", "HighAPILatency", "HighMemoryUsage", "MinIOStorageIssues", "PostgreSQLDown"]);
    for (const r of rules) expect(r.annotations.runbook_url).toMatch(/^runbooks\/failure-modes\.md#\d+-/);
    const firing = (await stack.prometheus().alerts()).filter((a) => a.state === "firing");
    expect(firing).toEqual([]);
  });

  it("answers on Caddy's routes as production would", async () => {
    expect((await fetch(stack.url("caddy", 8080, "/caddy-health"))).status).toBe(200);
    // Prometheus behind basic auth.
    expect((await fetch(stack.url("caddy", 8080, "/prometheus/-/ready"))).status).toBe(401);
    const ready = await fetch(stack.url("caddy", 8080, "/prometheus/-/ready"), { headers: { authorization: basicAuth() } });
    expect(ready.status).toBe(200);
    expect(await ready.text()).toContain("Prometheus");
    // Routes to the app, Grafana and the MinIO console: 200-class when served,
    // Caddy's 502 (route present, upstream absent) when the profile left them out.
    for (const [path, service] of [["/health", "fastapi-app"], ["/grafana/", "grafana"], ["/minio/", "minio"]] as const) {
      const res = await fetch(stack.url("caddy", 8080, path), { redirect: "manual" });
      const standIn = stack.report.services.find((x) => x.service === service)?.standIn === true;
      if (service === "minio" && standIn) {
        // The S3 stand-in has no console: its placeholder says so with 501.
        expect(res.status, path).toBe(501);
        expect(await res.text()).toMatch(/stand-in/i);
      } else if (served(service)) expect(res.status, path).toBeLessThan(400);
      else expect(res.status, path).toBe(502);
    }
    expect((await fetch(stack.url("caddy", 8080, "/no-such-route"))).status).toBe(404);
  });

  it("serves the app's flows end to end: upload, search, download, contact email, health", async () => {
    // The air-gapped profile serves everything the app needs (MinIO, Meilisearch and
    // SES through stand-ins, which every report names).
    for (const s of ["fastapi-app", "minio", "meilisearch", "ses"]) expect(served(s), `${s} served`).toBe(true);
    const marker = `zebrafish${Date.now()}`;
    const content = `runbook drill document about ${marker}\n`;
    const form = new FormData();
    form.append("file", new Blob([content], { type: "text/plain" }), "flow.txt");
    form.append("title", "Flow test");
    const up = await fetch(stack.url("caddy", 8080, "/api/documents"), { method: "POST", body: form });
    expect(up.status).toBe(201);
    const { id } = (await up.json()) as { id: string };

    const search = await fetch(stack.url("caddy", 8080, `/api/search?q=${marker}`));
    const hits = ((await search.json()) as { hits: { id: string }[] }).hits;
    expect(hits.map((h) => h.id)).toContain(id);

    const down = await fetch(stack.url("caddy", 8080, `/api/documents/${id}`));
    expect(down.status).toBe(200);
    expect(await down.text()).toBe(content);

    const contact = await fetch(stack.url("caddy", 8080, "/api/contact"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Drill", email: "drill@example.com", message: `hello ${marker}` }),
    });
    expect(contact.status).toBe(201);
    // SES has no published port: read its inspection API from inside its container.
    const store = await runChecked("docker", ["exec", stack.containerName("ses"), "curl", "-fsS", "http://127.0.0.1:4566/store"]);
    expect(store.stdout).toContain(marker);

    const health = (await (await fetch(stack.url("caddy", 8080, "/health"))).json()) as { status: string; components: Record<string, { status: string }> };
    expect(health.status).toBe("healthy");
    for (const c of ["database", "storage", "search", "email"]) expect(health.components[c]?.status, c).toBe("healthy");
  });

  it("tears down leaving no container, network or volume", async () => {
    teardown = await stack.down();
    expect(teardown.leftBehind).toEqual([]);
    expect(await listDrillResources(stack.docker, stack.project)).toEqual([]);
    const byName = await stack.docker.listContainers({ all: true, filters: JSON.stringify({ name: [stack.project] }) });
    expect(byName).toEqual([]);
  });
});
