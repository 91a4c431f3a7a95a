import { describe, expect, it } from "vitest";
import { detectWindow } from "./window.js";

const timing = { scrapeIntervalSeconds: 5, evaluationIntervalSeconds: 5, alertForSeconds: 15 };

describe("detect window", () => {
  it("is the rule's bound plus two scrape intervals when the alert is expected not to fire, whatever the scenario's timeout", () => {
    expect(detectWindow({ ...timing, configuredSeconds: 60, expectsNoFire: true }).seconds).toBe(35);
    expect(detectWindow({ scrapeIntervalSeconds: 15, evaluationIntervalSeconds: 15, alertForSeconds: 60, expectsNoFire: true }).seconds).toBe(120);
  });

  it("keeps the scenario's timeout (or 180 s) when the alert is expected to fire", () => {
    expect(detectWindow({ ...timing, configuredSeconds: 120, expectsNoFire: false }).seconds).toBe(120);
    expect(detectWindow({ ...timing, expectsNoFire: false }).seconds).toBe(180);
  });
});
