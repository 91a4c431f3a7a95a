// What the drill gives that production does not is declared, with the steps that relied on it.
import { describe, expect, it } from "vitest";
import { newJournal, type Journal, type StepRecord } from "./journal.js";
import { provisionsOf } from "./provisions.js";

const step = (id: string, command: string, result: StepRecord["result"] = "passed"): StepRecord => ({ id, title: id, location: "x", mode: "drilled", result, command });

function minioDrill(): Journal {
  const j = newJournal({ scenario: "minio-storage", runbook: { file: "runbooks/failure-modes.md", section: 5, revision: "r" }, scenarioSource: "s" });
  j.profile = "airgapped";
  j.timing = { scrapeIntervalSeconds: 5, evaluationIntervalSeconds: 5, alertForSeconds: 15, productionAlertFor: "5m" };
  j.detection.alert = "MinIOStorageIssues";
  j.implementations = [
    { service: "minio", image: "runbook-drills/minio:1", digest: "sha256:1", standIn: true, note: "S3 stand-in" },
    { service: "postgresql", image: "runbook-drills/postgresql:1", digest: "sha256:2", standIn: false, note: "Debian postgresql 15" },
  ];
  j.steps = [
    step("5.1", "# 1. Check MinIO status\ndocker ps | grep minio\ndocker logs minio --tail=50"),
    step("5.2", "# 2. Check bucket exists\ndocker exec minio mc ls myminio/"),
    step("5.3", "# 3. Recreate buckets if missing\ndocker exec minio mc mb myminio/pretamane-data --ignore-existing"),
    step("5.5", "# 5. Verify access via API\naws s3 ls s3://pretamane-data --endpoint-url http://localhost:9000"),
    { ...step("5.7", "docker-compose restart minio"), result: "skipped", command: undefined },
  ];
  j.integrity = [{ check: "documents-objects", passed: false, detail: "0/3" }, { check: "documents-rows", passed: true, detail: "3/3" }];
  return j;
}

describe("provisions", () => {
  it("names the mc alias, the AWS credentials and the shortened alert with the steps that relied on each", () => {
    const byId = new Map(provisionsOf(minioDrill()).map((p) => [p.id, p]));
    expect(byId.get("mc-alias-myminio")?.reliedOnBy).toEqual(["5.2", "5.3"]);
    expect(byId.get("aws-credentials")?.reliedOnBy).toEqual(["5.5"]);
    const timing = byId.get("alert-timing")!;
    expect(timing.provision).toContain("`for` is 15 s");
    expect(timing.production).toContain("for: 5m");
    // A stand-in is relied on by the steps that name it and the integrity check that reads through it.
    expect(byId.get("stand-in-minio")?.reliedOnBy).toEqual(["5.1", "5.2", "5.3", "5.5", "integrity"]);
    expect(byId.has("stand-in-postgresql")).toBe(false);
  });

  it("gives no mc alias where real MinIO serves, and reliance only from steps that ran", () => {
    const j = minioDrill();
    j.implementations = j.implementations.map((i) => ({ ...i, standIn: false }));
    j.steps = j.steps.map((s) => (s.id === "5.5" ? { ...s, result: "skipped" as const, command: undefined } : s));
    const ids = provisionsOf(j).map((p) => p.id);
    expect(ids).not.toContain("mc-alias-myminio");
    expect(provisionsOf(j).find((p) => p.id === "aws-credentials")?.reliedOnBy).toEqual([]);
  });

  it("names the scope guard under a prune, and the drill's host disk under the cleanup", () => {
    const j = newJournal({ scenario: "disk-full", runbook: { file: "f", section: 3, revision: "r" }, scenarioSource: "s" });
    j.fault = { kind: "volume-fill", params: {} };
    j.detection.alert = "DiskFull";
    j.steps = [step("3.1", "# 1. Check disk usage\ndf -h\ndocker system df -v"), step("3.2", "# 2. Clean Docker resources\ndocker system prune -a --volumes -f"), step("3.3", 'find /var/log -name "*.log" -mtime +30 -delete')];
    const byId = new Map(provisionsOf(j).map((p) => [p.id, p]));
    expect(byId.get("scope-guard")?.reliedOnBy).toEqual(["3.2"]);
    expect(byId.get("host-disk")?.reliedOnBy).toEqual(["3.1", "3.3", "detect"]);
  });
});
