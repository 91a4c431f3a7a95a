import { spawn } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleStandIn, standInNode } from "../s3/bundle.js";
import { startLokiStandIn, type LokiStandIn } from "../loki/server.js";
import { waitFor } from "../promtail/contract.js";
import { provisionDatasources, readGrafanaConfig } from "./config.js";
import { grafanaContract } from "./contract.js";
import { parseGrafanaTime, startGrafanaStandIn, type GrafanaStandIn } from "./server.js";

const here = dirname(fileURLToPath(import.meta.url));
const stackProvisioning = join(here, "..", "..", "config", "grafana", "provisioning");
const PASSWORD = "contract-admin-password-0123";

/** A loopback port nothing listens on (undici refuses "bad ports" such as 1). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** The stack's provisioning files with the service names pointed at local servers. */
function localProvisioning(dir: string, lokiUrl: string, promUrl: string): string {
  cpSync(stackProvisioning, join(dir, "provisioning"), { recursive: true });
  const file = join(dir, "provisioning", "datasources", "datasources.yml");
  writeFileSync(file, readFileSync(file, "utf8").replace("http://loki:3100", lokiUrl).replace("http://prometheus:9090", promUrl));
  return join(dir, "provisioning");
}

describe("grafana stand-in, in-process under /grafana, with the Loki stand-in", () => {
  let loki: LokiStandIn | undefined;
  let grafana: GrafanaStandIn | undefined;
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "grafana-standin-"));
    loki = await startLokiStandIn({ port: 0, host: "127.0.0.1", chunksDir: join(dir, "chunks"), walDir: join(dir, "wal"), log: () => {} });
    const env = { GF_SERVER_HTTP_PORT: "0", GF_SERVER_ROOT_URL: "http://localhost:8080/grafana/", GF_SERVER_SERVE_FROM_SUB_PATH: "true", GF_SECURITY_ADMIN_PASSWORD: PASSWORD, GF_PATHS_PROVISIONING: localProvisioning(dir, loki.url, `http://127.0.0.1:${await closedPort()}`), GF_PATHS_DATA: join(dir, "data") };
    const cfg = readGrafanaConfig(env);
    grafana = await startGrafanaStandIn({ ...cfg, port: 0 }, provisionDatasources(cfg.provisioningDir, env), () => {}, "127.0.0.1");
  });
  afterAll(async () => {
    await grafana?.close();
    await loki?.close();
    await rm(dir, { recursive: true, force: true });
  });
  grafanaContract(() => {
    if (!grafana || !loki) throw new Error("not started");
    return { url: grafana.url, user: "admin", password: PASSWORD, lokiUrl: loki.url };
  });
});

const upstream = process.env.GRAFANA_UPSTREAM_URL;
describe.skipIf(!upstream)(
  upstream ? `upstream grafana/grafana at ${upstream}` : "upstream grafana/grafana:11.2.2: skipped, no registry reachable to pull it (set GRAFANA_UPSTREAM_URL, GRAFANA_UPSTREAM_PASSWORD, GRAFANA_UPSTREAM_LOKI_URL)",
  () => {
    grafanaContract(() => ({ url: upstream ?? "", user: "admin", password: process.env.GRAFANA_UPSTREAM_PASSWORD ?? "", lokiUrl: process.env.GRAFANA_UPSTREAM_LOKI_URL ?? "" }));
  },
);

describe("grafana stand-in specifics", () => {
  it("reads the GF_* environment as the compose file sets it", () => {
    expect(readGrafanaConfig({ GF_SERVER_ROOT_URL: "http://localhost:8080/grafana/", GF_SERVER_SERVE_FROM_SUB_PATH: "true", GF_SECURITY_ADMIN_PASSWORD: "p" })).toEqual({
      port: 3000,
      rootUrl: "http://localhost:8080/grafana/",
      subPath: "/grafana",
      adminUser: "admin",
      adminPassword: "p",
      provisioningDir: "/etc/grafana/provisioning",
      dataDir: "/var/lib/grafana",
    });
    expect(readGrafanaConfig({ GF_SERVER_ROOT_URL: "http://localhost:8080/grafana/" }).subPath).toBe("");
  });

  it("provisions the stack's datasources file as Grafana does (ids in order, read-only)", () => {
    const list = provisionDatasources(stackProvisioning, {});
    expect(list.map((d) => ({ id: d.id, name: d.name, type: d.type, url: d.url, isDefault: d.isDefault, access: d.access, readOnly: d.readOnly }))).toEqual([
      { id: 1, name: "Prometheus", type: "prometheus", url: "http://prometheus:9090", isDefault: true, access: "proxy", readOnly: true },
      { id: 2, name: "Loki", type: "loki", url: "http://loki:3100", isDefault: false, access: "proxy", readOnly: true },
    ]);
  });

  it("parses Grafana's time range strings", () => {
    expect(parseGrafanaTime("now-1h", 10_000_000)).toBe(10_000_000 - 3_600_000);
    expect(parseGrafanaTime("1700000000000", 0)).toBe(1_700_000_000_000);
    expect(() => parseGrafanaTime("yesterday", 0)).toThrow(/invalid time range/);
  });

  it("answers a query whose datasource is down with the error, not an empty result", async () => {
    const dir = await mkdtemp(join(tmpdir(), "grafana-down-"));
    const down = `http://127.0.0.1:${await closedPort()}`;
    const env = { GF_SECURITY_ADMIN_PASSWORD: PASSWORD, GF_PATHS_PROVISIONING: localProvisioning(dir, down, down) };
    const cfg = readGrafanaConfig(env);
    const g = await startGrafanaStandIn({ ...cfg, port: 0 }, provisionDatasources(cfg.provisioningDir, env), () => {}, "127.0.0.1");
    try {
      const res = await fetch(`${g.url}/api/ds/query`, {
        method: "POST",
        headers: { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString("base64")}`, "content-type": "application/json" },
        body: JSON.stringify({ queries: [{ refId: "A", datasourceId: 2, expr: '{job="fastapi"}' }] }),
      });
      expect(res.status).toBe(500);
      const body = (await res.json()) as { results: { A: { status: number; error: string } } };
      expect(body.results.A.error).toMatch(/ECONNREFUSED|connect/);
    } finally {
      await g.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("bundles for node18, provisions from GF_PATHS_PROVISIONING, never logs the password, stops on SIGTERM", async () => {
    const dir = await mkdtemp(join(tmpdir(), "grafana-bundle-"));
    try {
      const out = join(dir, "grafana.mjs");
      await bundleStandIn(join(here, "main.ts"), out);
      mkdirSync(join(dir, "data"));
      const child = spawn(standInNode(), [out], {
        env: { ...process.env, GF_SERVER_HTTP_PORT: "0", GF_SECURITY_ADMIN_PASSWORD: PASSWORD, GF_PATHS_PROVISIONING: stackProvisioning, GF_PATHS_DATA: join(dir, "data"), GF_SERVER_ROOT_URL: "http://localhost:8080/grafana/", GF_SERVER_SERVE_FROM_SUB_PATH: "true" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
      try {
        await waitFor("HTTP Server Listen", 10_000, async () => (stdout.includes("HTTP Server Listen") ? true : undefined));
        expect(stdout).toMatch(/^logger=provisioning.datasources t=\S+ level=info msg="inserting datasource from configuration" name=Loki uid=\w+$/m);
        const port = /address=\[::\]:(\d+)/.exec(stdout)?.[1];
        expect((await fetch(`http://127.0.0.1:${port}/grafana/api/health`)).status).toBe(200);
      } finally {
        child.kill("SIGTERM");
      }
      expect(await exited).toBe(0);
      expect(stdout).not.toContain(PASSWORD);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
