/**
 * Contract suite for Grafana as the stack and runbook step 9.7 use it: health, login
 * with the admin password, the datasources provisioned from stack/config/grafana, and a
 * Loki query through Grafana (Explore's /api/ds/query, and the datasource proxy).
 * Written against a base URL (with the /grafana sub path), so it runs against the
 * in-process stand-in and, when a registry lets someone run it, grafana/grafana:11.2.2
 * (GRAFANA_UPSTREAM_URL, GRAFANA_UPSTREAM_PASSWORD, GRAFANA_UPSTREAM_LOKI_URL: the
 * Loki its provisioned datasource reaches, reachable from the test too).
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";

export interface GrafanaTarget {
  /** e.g. http://127.0.0.1:3000/grafana */
  url: string;
  user: string;
  password: string;
  /** Loki as the test reaches it, to push a line that Grafana must then find. */
  lokiUrl: string;
}

interface Datasource {
  id: number;
  uid: string;
  name: string;
  type: string;
  url: string;
  isDefault: boolean;
}

export function grafanaContract(target: () => GrafanaTarget): void {
  const job = `grafana-contract-${randomBytes(4).toString("hex")}`;
  const basic = () => ({ authorization: `Basic ${Buffer.from(`${target().user}:${target().password}`).toString("base64")}` });
  const datasources = async (): Promise<Datasource[]> => (await (await fetch(`${target().url}/api/datasources`, { headers: basic() })).json()) as Datasource[];

  describe("Grafana HTTP API contract (stack provisioning, Explore on Loki)", () => {
    it("GET /api/health answers database ok without credentials", async () => {
      const res = await fetch(`${target().url}/api/health`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ database: "ok", version: expect.any(String) });
    });

    it("refuses the API without credentials and a login with a wrong password", async () => {
      expect((await fetch(`${target().url}/api/datasources`)).status).toBe(401);
      const bad = await fetch(`${target().url}/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ user: target().user, password: "wrong" }) });
      expect(bad.status).toBe(401);
    });

    it("logs in with the admin password and the session cookie opens the API", async () => {
      const res = await fetch(`${target().url}/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ user: target().user, password: target().password }) });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ message: "Logged in" });
      const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
      expect(cookie).toMatch(/^grafana_session=/);
      expect((await fetch(`${target().url}/api/datasources`, { headers: { cookie } })).status).toBe(200);
    });

    it("redirects the home page to the login page under the sub path", async () => {
      const res = await fetch(`${target().url}/`, { redirect: "manual" });
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toMatch(new RegExp(`${new URL(target().url).pathname.replace(/\/$/, "")}/login$`));
    });

    it("lists the provisioned Prometheus (default) and Loki datasources", async () => {
      const list = await datasources();
      expect(list.map((d) => [d.name, d.type, d.isDefault])).toEqual(expect.arrayContaining([["Prometheus", "prometheus", true], ["Loki", "loki", false]]));
    });

    it("answers Explore's Loki query through /api/ds/query and the datasource proxy", async () => {
      const t = target();
      const ts = BigInt(Date.now()) * 1_000_000n;
      const push = await fetch(`${t.lokiUrl}/loki/api/v1/push`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ streams: [{ stream: { job }, values: [[String(ts), `{"levelname":"INFO","message":"seen through grafana"}`]] }] }),
      });
      expect(push.status).toBe(204);
      const loki = (await datasources()).find((d) => d.type === "loki");
      expect(loki).toBeDefined();
      const res = await fetch(`${t.url}/api/ds/query`, {
        method: "POST",
        headers: { ...basic(), "content-type": "application/json" },
        body: JSON.stringify({ from: "now-1h", to: "now", queries: [{ refId: "A", datasource: { uid: loki?.uid, type: "loki" }, expr: `{job="${job}"}`, queryType: "range", maxLines: 100 }] }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { results: Record<string, { status: number; frames: { schema: { fields: { name: string }[] }; data: { values: unknown[][] } }[] }> };
      const frame = body.results.A?.frames[0];
      const lineIndex = frame?.schema.fields.findIndex((f) => f.name === "Line") ?? -1;
      expect(lineIndex).toBeGreaterThanOrEqual(0);
      expect(frame?.data.values[lineIndex]).toEqual([`{"levelname":"INFO","message":"seen through grafana"}`]);

      const proxied = await fetch(`${t.url}/api/datasources/proxy/uid/${loki?.uid}/loki/api/v1/label/job/values`, { headers: basic() });
      expect(proxied.status).toBe(200);
      expect(((await proxied.json()) as { data: string[] }).data).toContain(job);
    });
  });
}
