// The symptom watch against real sockets: a symptom that holds before the fault is not
// counted, one that appears after it is timed, and one that never appears is reported.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { RunningStack } from "../stack/drill-stack.js";
import type { Check } from "../scenario/types.js";
import { SymptomWatch } from "./symptom-watch.js";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(status: number): Promise<Server> {
  const s = createServer((_req, res) => res.writeHead(status).end("x"));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return s;
}

describe("symptom watch", () => {
  it("times a symptom that appears after the fault and flags one that held before it", async () => {
    const site = await serve(200);
    const grafana = await serve(502);
    const ports: Record<string, number> = { site: (site.address() as AddressInfo).port, grafana: (grafana.address() as AddressInfo).port };
    const stack = { url: (service: string, _port: number, path: string) => `http://127.0.0.1:${ports[service]}${path}` } as unknown as RunningStack;
    const checks: Check[] = [
      { name: "site refused", http: { service: "site", port: 1, path: "/", down: "refused" } },
      { name: "grafana inaccessible", http: { service: "grafana", port: 1, path: "/", down: "unavailable" } },
    ];
    const watch = await SymptomWatch.baseline(checks, { stack });
    expect(watch.before("site refused")?.ok).toBe(false);
    expect(watch.before("grafana inaccessible")).toMatchObject({ ok: true });

    // The fault: the site goes away 300 ms after it is "injected".
    const injectedAt = new Date().toISOString();
    setTimeout(() => {
      site.closeAllConnections();
      site.close();
    }, 300);
    const seen = await watch.watch(injectedAt, 5000);
    const siteSeen = seen.find((s) => s.check === "site refused");
    expect(siteSeen?.appearedAt).toBeDefined();
    expect(siteSeen?.secondsAfterFault).toBeGreaterThanOrEqual(0.2);
    expect(siteSeen?.detail).toContain("ECONNREFUSED");
    const grafanaSeen = seen.find((s) => s.check === "grafana inaccessible");
    expect(grafanaSeen?.heldBeforeFault).toBe(true);
    expect(grafanaSeen?.appearedAt).toBeUndefined();
  });

  it("reports a symptom that never appears", async () => {
    const site = await serve(200);
    const port = (site.address() as AddressInfo).port;
    const stack = { url: (_s: string, _p: number, path: string) => `http://127.0.0.1:${port}${path}` } as unknown as RunningStack;
    const watch = await SymptomWatch.baseline([{ name: "site refused", http: { service: "site", port: 1, path: "/", down: "refused" } }], { stack });
    const [s] = await watch.watch(new Date().toISOString(), 1200);
    expect(s?.appearedAt).toBeUndefined();
    expect(s?.detail).toMatch(/-> 200 .*expected the connection refused/);
  });
});
