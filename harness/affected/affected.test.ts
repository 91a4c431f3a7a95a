// `affected` over realistic changes: a copy of the project's runbook, scenarios and
// stack in a temporary git repository, one commit per kind of change on top of a base.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { repoRoot } from "../util/paths.js";
import { drillOnlyServices } from "../stack/drill-stack.js";
import { loadAllDrills } from "../scenario/load.js";
import { renderAffected, selectAffected, type AffectedResult } from "./select.js";
import { DRILL_ONLY_SERVICES } from "./stack-map.js";
import { diffRunbook } from "./runbook-diff.js";

let repo: string;
let baseSha: string;
const git = (...args: string[]): string => execFileSync("git", args, { cwd: repo, encoding: "utf8" }).trim();
const allIds = loadAllDrills().map((d) => d.id);
const postgresDown = allIds.filter((id) => id.startsWith("postgres-down"));
const needing = (service: string): string[] => loadAllDrills().filter((d) => (d.needs ?? []).includes(service)).map((d) => d.id);

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), "affected-"));
  for (const dir of ["runbooks", "scenarios", "stack"]) cpSync(join(repoRoot, dir), join(repo, dir), { recursive: true });
  for (const f of ["README.md", "package.json", "harness/drill/run-drill.ts"]) {
    mkdirSync(dirname(join(repo, f)), { recursive: true });
    cpSync(join(repoRoot, f), join(repo, f));
  }
  git("init", "-q", "-b", "main");
  git("config", "user.email", "test@example.com");
  git("config", "user.name", "test");
  git("config", "commit.gpgsign", "false");
  git("add", "-A");
  git("commit", "-q", "-m", "base");
  baseSha = git("rev-parse", "HEAD");
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

/** One branch off the base with one edited file, and what `affected` says about it. */
function change(name: string, path: string, edit: (text: string) => string): AffectedResult {
  git("checkout", "-q", "-B", name, baseSha);
  const file = join(repo, path);
  const before = (() => {
    try {
      return readFileSync(file, "utf8");
    } catch {
      return "";
    }
  })();
  const after = edit(before);
  expect(after, `the edit of ${path} must change it`).not.toBe(before);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, after);
  git("add", "-A");
  git("commit", "-q", "-m", name);
  return selectAffected({ root: repo, base: "main" });
}
const ids = (r: AffectedResult): string[] => r.drills.map((d) => d.id).sort();
const replaceOnce = (from: string, to: string) => (text: string): string => {
  expect(text.split(from).length - 1, `"${from}" occurs once`).toBe(1);
  return text.replace(from, to);
};

// disk-full's causes, one drill each (old logs, a runaway logger, PostgreSQL stopped).
const diskFull = ["disk-full:old-logs", "disk-full:postgres-stopped", "disk-full:runaway-logger"];

describe("affected", () => {
  it("a changed runbook step selects the drills of its section, naming the step", () => {
    const r = change("step", "runbooks/failure-modes.md", replaceOnce("docker system prune -a --volumes -f", "docker system prune -a --volumes -f --filter until=24h"));
    expect(ids(r)).toEqual(diskFull);
    expect(r.drills[0]!.reasons.join("\n")).toContain("runbooks/failure-modes.md section 3 (Disk Full) changed: step 3.2");
    expect(r.drills[0]!.profiles).toEqual(["upstream"]);
    expect(r.matrix).toEqual(r.drills.map((d) => ({ id: d.id, slug: `${d.id.replace(":", "_")}-upstream`, profile: "upstream", timeoutMinutes: d.timeoutMinutes })));
  });

  it("a changed Detection query selects the drills of its section", () => {
    const r = change("detection", "runbooks/failure-modes.md", replaceOnce('up{job="postgresql"} == 0', 'pg_up == 0'));
    expect(ids(r)).toEqual([...postgresDown].sort());
    for (const d of r.drills) expect(d.reasons.join("\n")).toMatch(/section 4 \(PostgreSQL Down\) changed: Detection query/);
  });

  it("lines added in one section do not select the drills of the sections they shift down", () => {
    const r = change("shift", "runbooks/failure-modes.md", replaceOnce("**Symptoms**:\n- Services failing to write logs", "**Symptoms**:\n- Services failing to write logs\n- A new symptom line"));
    // Section 3 itself changed (its Symptoms); sections 4-12 moved down a line each but
    // are unchanged, so their drills (postgres-down, minio-storage, ...) stay out.
    expect(ids(r)).toEqual(diskFull);
    expect(r.files[0]!.why).toBe("section 3: Symptoms");
  });

  it("a step another section's drill escalates to selects that drill too", () => {
    // postgres-down runs step 1.5 (Start services) of section 1.
    const r = change("escalation", "runbooks/failure-modes.md", (t) => {
      const at = t.indexOf("# 5. Start services");
      expect(at).toBeGreaterThan(0);
      const end = t.indexOf("\n", at);
      return `${t.slice(0, end)}\n# (started by the on-call)${t.slice(end)}`;
    });
    // Every drill that runs step 1.5: section 1's own, and those that escalate to it (postgres-down).
    const running15 = loadAllDrills().filter((d) => d.steps.includes("1.5")).map((d) => d.id);
    expect(running15).toEqual(expect.arrayContaining(postgresDown));
    expect(ids(r)).toEqual([...running15].sort());
    const pg = r.drills.find((d) => d.id.startsWith("postgres-down"));
    expect(pg?.reasons.join("\n")).toContain("step 1.5 changed (section 1), a step this drill runs");
  });

  it("an annotation of a step in the sidecar selects that section's drills", () => {
    const r = change("sidecar", "runbooks/failure-modes.drill.yaml", replaceOnce("timeout: 5m # prune walks every image layer", "timeout: 6m # prune walks every image layer"));
    expect(ids(r)).toEqual(diskFull);
    expect(r.drills[0]!.reasons[0]).toContain("annotation of 3.2 changed");
  });

  it("a changed Caddyfile selects the drills that need caddy", () => {
    const r = change("caddy", "stack/config/caddy/Caddyfile", (t) => `${t}\n# reviewed\n`);
    expect(ids(r)).toEqual(needing("caddy").sort());
    expect(r.drills.every((d) => d.reasons.some((why) => why.includes("mounted into the container of caddy")))).toBe(true);
    // Both profiles mount it, so CI's profile exercises it: no second, air-gapped run.
    for (const d of r.drills) expect(d.profiles).toEqual(["upstream"]);
  });

  it("a changed config file selects only the drills that need the service mounting it", () => {
    const r = change("alertmanager", "stack/config/alertmanager/alertmanager.yml", (t) => `${t}\n# reviewed\n`);
    expect(ids(r)).toEqual(needing("alertmanager").sort());
    expect(ids(r)).not.toContain("caddy-misrouting");
    expect(r.files[0]!.why).toBe("mounted into the container of alertmanager (upstream, airgapped)");
  });

  it("a changed air-gapped Dockerfile selects the drills that need its service, air-gapped", () => {
    const r = change("image", "stack/images/node-exporter/Dockerfile", (t) => `${t}\n# reviewed\n`);
    expect(ids(r)).toEqual(needing("node-exporter").sort());
    expect(ids(r)).toEqual(expect.arrayContaining(diskFull));
    for (const d of r.drills) expect(d.profiles).toEqual(["airgapped"]);
  });

  it("a changed drill-only image (the EC2 host's sshd) selects the drills that need it", () => {
    const r = change("ec2-host-image", "stack/images/ec2-host/sshd-ec2.conf", (t) => `${t}\n# reviewed\n`);
    expect(needing("ec2-host").length).toBeGreaterThan(0);
    expect(ids(r)).toEqual(needing("ec2-host").sort());
    // Both profiles build it, so the CI profile exercises it.
    for (const d of r.drills) expect(d.profiles).toEqual(["upstream"]);
    expect(r.files[0]!.why).toMatch(/image build context/);
  });

  it("a changed SES stand-in selects the drills that need ses, and says whose bundle it is", () => {
    const r = change("ses", "stack/stand-ins/ses/server.ts", (t) => `${t}\n// reviewed\n`);
    expect(needing("ses").length).toBeGreaterThan(0);
    expect(ids(r)).toEqual(needing("ses").sort());
    expect(r.files[0]!.why).toBe("part of the stand-in bundle of ses (airgapped)");
  });

  it("a changed stand-in selects the drills that need its service, in the air-gapped profile only", () => {
    const r = change("standin", "stack/stand-ins/s3/server.ts", (t) => `${t}\n// reviewed\n`);
    expect(ids(r)).toEqual(needing("minio").sort());
    for (const d of r.drills) {
      expect(d.profiles).toEqual(["airgapped"]);
      expect(d.reasons).toEqual(["stack/stand-ins/s3/server.ts changed (part of the stand-in bundle of minio; the air-gapped profile only)"]);
    }
    expect(r.matrix.every((m) => m.profile === "airgapped")).toBe(true);
  });

  it("a helper shared by stand-ins counts for every bundle that imports it", () => {
    const r = change("shared", "stack/stand-ins/shutdown.ts", (t) => `${t}\n// reviewed\n`);
    expect(r.files[0]!.why).toMatch(/stand-in bundle of .*meilisearch.*minio/);
    // Every drill needs meilisearch, whose stand-in imports shutdown.ts.
    expect(ids(r)).toEqual([...allIds].sort());
  });

  it("a README change selects nothing", () => {
    const r = change("readme", "README.md", (t) => `${t}\nMore words.\n`);
    expect(r.drills).toEqual([]);
    expect(r.matrix).toEqual([]);
    expect(r.files).toEqual([{ path: "README.md", status: "modified", selects: "none", why: "documentation" }]);
    expect(renderAffected(r)).toContain("No drill is affected.");
  });

  it("a harness change selects every drill", () => {
    const r = change("harness", "harness/drill/run-drill.ts", (t) => `${t}\n// reviewed\n`);
    expect(ids(r)).toEqual([...allIds].sort());
    expect(r.files[0]!.selects).toBe("all");
  });

  it("a harness unit test selects nothing", () => {
    const r = change("harness-test", "harness/drill/x.test.ts", () => "export {};\n");
    expect(r.drills).toEqual([]);
  });

  it("a changed compose service selects the drills that need it", () => {
    const r = change("compose", "stack/docker-compose.yml", replaceOnce("BACKUP_INTERVAL_SECONDS: \"3600\"", "BACKUP_INTERVAL_SECONDS: \"1800\""));
    expect(ids(r)).toEqual(needing("postgres-backup").sort());
    expect(r.files[0]!.why).toBe("services postgres-backup changed");
  });

  it("a changed alert rule selects the drills that wait for that alert", () => {
    const r = change("rule", "stack/config/prometheus/rules/runbook.yml", (t) => {
      const at = t.indexOf("alert: DiskFull");
      const forAt = t.indexOf("for: 1m", at);
      return `${t.slice(0, forAt)}for: 2m${t.slice(forAt + "for: 1m".length)}`;
    });
    expect(ids(r)).toEqual(diskFull);
    expect(r.drills[0]!.reasons).toEqual(["stack/config/prometheus/rules/runbook.yml: alert rule DiskFull changed"]);
  });

  it("a changed scenario file selects its own drills", () => {
    const r = change("scenario", "scenarios/postgres-down.yaml", replaceOnce("title: PostgreSQL stops", "title: PostgreSQL stops unexpectedly"));
    expect(ids(r)).toEqual([...postgresDown].sort());
  });
});

describe("runbook sections", () => {
  it("an unchanged runbook has no section changes, and a removed section is reported", () => {
    const text = readFileSync(join(repoRoot, "runbooks/failure-modes.md"), "utf8");
    expect(diffRunbook(text, text, "r.md")).toEqual([]);
    const cut = text.indexOf("### 12.");
    expect(cut).toBeGreaterThan(0);
    const changes = diffRunbook(text, text.slice(0, cut), "r.md").filter((c) => c.section !== null);
    expect(changes.map((c) => [c.section, c.what])).toEqual([[12, ["removed"]]]);
  });

  it("knows the same drill-only services as the drill stack", () => {
    expect(Object.keys(DRILL_ONLY_SERVICES).sort()).toEqual([...drillOnlyServices].sort());
  });
});
