import { writeFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { contextHash } from "./images.js";
import { derivePrometheusConfig } from "./prometheus-config.js";
import { generateSecrets, redact } from "./secrets.js";
import { parseProfile } from "./profile.js";
import { implementationOf } from "./catalog.js";
import { testTempDir } from "../util/test-temp.js";

describe("image cache key", () => {
  it("changes with a file's bytes or mode, not with time", () => {
    const dir = testTempDir("ctx-");
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "Dockerfile"), "FROM debian:bookworm\n");
    writeFileSync(join(dir, "sub/entry.sh"), "echo hi\n");
    const a = contextHash(dir, "sha256:base");
    expect(contextHash(dir, "sha256:base")).toBe(a);
    expect(contextHash(dir, "sha256:other-base")).not.toBe(a);
    writeFileSync(join(dir, "sub/entry.sh"), "echo bye\n");
    expect(contextHash(dir, "sha256:base")).not.toBe(a);
  });
});

describe("drill Prometheus config", () => {
  it("drops scrape jobs of absent services and applies drill timing", () => {
    const out = testTempDir("prom-");
    const served = new Set(["prometheus", "postgres-exporter", "node-exporter", "alertmanager", "blackbox-exporter", "caddy"]);
    const d = derivePrometheusConfig(out, served, { scrapeInterval: "5s", evaluationInterval: "5s" });
    expect(d.droppedJobs.map((j) => j.job).sort()).toEqual(["fastapi", "loki", "minio"]);
    expect(d.keptJobs).toContain("postgresql");
    expect(d.keptJobs).toContain("blackbox-http");
    const cfg = parse(readFileSync(join(out, "prometheus.yml"), "utf8")) as { global: Record<string, string> };
    expect(cfg.global).toMatchObject({ scrape_interval: "5s", evaluation_interval: "5s" });
    expect(readFileSync(join(out, "rules/runbook.yml"), "utf8")).toContain("PostgreSQLDown");
  });
});

describe("secrets", () => {
  it("are fresh per drill and redacted by name", () => {
    const a = generateSecrets();
    const b = generateSecrets();
    expect(a.env.POSTGRES_PASSWORD).not.toBe(b.env.POSTGRES_PASSWORD);
    const line = `connecting with password=${a.env.POSTGRES_PASSWORD} key ${a.env.MEILI_MASTER_KEY}`;
    const red = redact(line, a.redactions);
    expect(red).toBe("connecting with password=[REDACTED:POSTGRES_PASSWORD] key [REDACTED:MEILI_MASTER_KEY]");
  });
});

describe("profiles", () => {
  it("reject an unknown profile with the choices", () => {
    expect(() => parseProfile("offline", "--profile")).toThrow(/use "upstream" or "airgapped"/);
  });
  it("serve the foundation's services for real in the air-gapped profile", () => {
    for (const s of ["caddy", "postgresql", "postgres-exporter", "prometheus", "alertmanager", "node-exporter", "blackbox-exporter"]) {
      expect(implementationOf("airgapped", s).kind).toBe("local-build");
    }
    for (const s of ["grafana", "loki", "promtail"]) expect(implementationOf("airgapped", s).kind).toBe("stand-in");
    expect(implementationOf("airgapped", "no-such-service").kind).toBe("absent");
    expect(implementationOf("airgapped", "meilisearch").kind).toBe("stand-in");
    expect(implementationOf("airgapped", "fastapi-app").kind).toBe("local-build");
    expect(implementationOf("upstream", "grafana").kind).toBe("upstream");
  });
});
