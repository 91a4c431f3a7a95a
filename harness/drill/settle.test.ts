import { describe, expect, it } from "vitest";
import type { PrometheusClient } from "../detect/prometheus.js";
import { describeSeries, settleAlert } from "./settle.js";

const sample = (route: string, status: string, v: string) => ({ metric: { route, method: "GET", status, instance: "fastapi-app:9091", job: "fastapi" }, value: [0, v] as [number, string] });

describe("settling a long-window alert before the fault", () => {
  it("names the series that held, without instance and job", () => {
    expect(describeSeries([sample("/health", "200", "1.834"), sample("/api/documents", "200", "1.2")])).toBe(
      "{route=/health,method=GET,status=200} 1.83; {route=/api/documents,method=GET,status=200} 1.20",
    );
  });

  it("returns at once when the alert is inactive, and reports an alert that never settles", async () => {
    const prom = { query: async () => [sample("/health", "503", "2")] } as unknown as PrometheusClient;
    const quiet = await settleAlert(prom, "expr", async () => "inactive", 60);
    expect(quiet.state).toBe("inactive");
    expect(quiet.waitedSeconds).toBeLessThan(1);
    const stuck = await settleAlert(prom, "expr", async () => "firing", 0);
    expect(stuck).toMatchObject({ state: "firing", heldBy: "{route=/health,method=GET,status=503} 2.00" });
  });
});
