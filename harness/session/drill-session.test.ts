import { describe, expect, it } from "vitest";
import { reporterNames } from "../report/reporters.js";
import { selectedReporters } from "./drill-session.js";

describe("a drill session's reporters", () => {
  it("writes every reporter when none is named", () => {
    expect(selectedReporters(undefined)).toEqual(reporterNames);
    expect(selectedReporters([])).toEqual(reporterNames);
  });

  it("always writes the journal beside the reporters named, once each", () => {
    expect(selectedReporters(["md", "junit", "md"])).toEqual(["json", "md", "junit"]);
    expect(selectedReporters(["json"])).toEqual(["json"]);
  });
});
