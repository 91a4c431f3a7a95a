// The pipeline without Docker: a fake stack (a Prometheus whose alert does what the test
// says, a teardown that reports what it left), a fake operator shell and a fake fault.
// Known-findings rules, a failing phase, teardown and interruption, as the journal records them.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { loadScenarioFile } from "../scenario/load.js";
import type { Drill } from "../scenario/types.js";
import { PrometheusClient, type PromAlert, type PromRangeSeries, type PromSample } from "../detect/prometheus.js";
import type { DrillStackOptions, RunningStack, TeardownReport } from "../stack/drill-stack.js";
import type { Fault } from "../faults/fault.js";
import { repoRoot } from "../util/paths.js";
import { EventBus, type DrillEvent } from "./events.js";
import { InterruptionRecorder } from "./interruption.js";
import type { Journal } from "./journal.js";
import { runDrill } from "./run-drill.js";
import type { Clock } from "./recorder.js";
import type { OperatorShellLike, ShellResult } from "./shell.js";

/** A Prometheus whose DiskFull alert is in the state the test sets. */
class FakePrometheus extends PrometheusClient {
  constructor(private readonly state: () => PromAlert["state"]) {
    super("http://127.0.0.1:9/");
  }
  override async alerts(): Promise<PromAlert[]> {
    const state = this.state();
    return state === "inactive" ? [] : [{ labels: { alertname: "DiskFull" }, annotations: {}, state, value: "1" }];
  }
  override async query(): Promise<PromSample[]> {
    return [];
  }
  override async queryRange(): Promise<PromRangeSeries[]> {
    return [];
  }
}

interface FakeStack extends RunningStack {
  downs: number;
}

function fakeStack(alert: () => PromAlert["state"], leftBehind: TeardownReport["leftBehind"] = [], services: Record<string, string> = {}): FakeStack {
  const prometheus = new FakePrometheus(alert);
  const stack: FakeStack = {
    downs: 0,
    project: "drill-fake",
    dir: "/nonexistent",
    // Never called by these drills: no docker exec, no container.
    docker: new Docker({ socketPath: "/nonexistent/docker.sock" }),
    secrets: {
      env: { FAKE_PASSWORD: "s3cret-value", MEILI_MASTER_KEY: "fake-meili-key", GRAFANA_ADMIN_PASSWORD: "fake-grafana-password" },
      redactions: [{ name: "FAKE_PASSWORD", value: "s3cret-value" }],
      prometheusBasicAuth: { user: "u", password: "p" },
    },
    composeEnv: {},
    report: {
      project: "drill-fake",
      profile: { profile: "airgapped", reason: "test" },
      engine: {
        endpoint: "fake",
        serverVersion: "0",
        apiVersion: "0",
        storageDriver: "none",
        cgroupVersion: "0",
        compose: { flavour: "v1-standalone", version: "0", command: [] },
        actions: [],
      },
      sweptLeftovers: [],
      imageNotes: [],
      imagesBuilt: [],
      services: [{ service: "prometheus", implementation: "local-build", image: "fake", digest: "sha256:0", standIn: false, note: "" }],
      leftOut: [],
      prometheus: { dir: "/nonexistent", alerts: [{ alert: "DiskFull", expr: "disk_free < 0.1", productionFor: "5m", drillFor: "0s" }], droppedJobs: [], keptJobs: [] },
      timings: { preflightMs: 0, imagesMs: 0, composeUpMs: 0, healthMs: 0, totalMs: 0 },
    },
    get profile() {
      return "airgapped" as const;
    },
    container: (service: string) => {
      throw new Error(`the fake stack has no container ${service}`);
    },
    containerName: (service: string) => `drill-fake-${service}`,
    hostPort: () => 9,
    url: (service: string, _port: number, path = "/") => `${services[service] ?? "http://127.0.0.1:9"}${path}`,
    prometheus: () => prometheus,
    down: async () => {
      stack.downs++;
      return { seconds: 0.1, leftBehind };
    },
  };
  return stack;
}

/** Every script succeeds, printing the secret (the journal must redact it); `onRun` sees each. */
function fakeShell(onRun: (script: string, stepId?: string) => void = () => {}): OperatorShellLike & { ran: string[]; closed: boolean } {
  const shell = {
    ran: [] as string[],
    closed: false,
    async run(script: string, _timeout: number, stepId?: string): Promise<ShellResult> {
      shell.ran.push(stepId ?? script);
      onRun(script, stepId);
      return { exitCode: 0, stdout: "ok s3cret-value\n", stderr: "", seconds: 0.01, timedOut: false, refusals: [] };
    },
    async close() {
      shell.closed = true;
    },
  };
  return shell;
}

const noWait: Clock = { now: () => new Date(), sleep: async () => {} };

/** disk-full's base drill, cut down to what the fakes serve: the alert, one step, no seed or checks. */
function drill(over: Partial<Drill> = {}): Drill {
  const base = loadScenarioFile(`${repoRoot}/scenarios/disk-full.yaml`)[0];
  if (!base) throw new Error("scenarios/disk-full.yaml has no drill");
  return {
    ...base,
    seed: undefined,
    load: undefined,
    recoveryPoint: undefined,
    duringFault: undefined,
    revertFaultAfterSteps: undefined,
    fault: { kind: "fake-fill" },
    detection: { alert: "DiskFull" },
    steps: ["3.1"],
    recovery: [],
    integrity: [],
    knownFindings: [],
    timing: { scrapeInterval: "1s", evaluationInterval: "1s", alertFor: "0s" },
    timeouts: { detect: "3s", recover: "3s" },
    ...over,
  };
}

interface Run {
  journal: Journal;
  events: DrillEvent[];
  stack: FakeStack;
  reverted: number;
}

interface RunOptions {
  alert?: () => PromAlert["state"];
  fault?: Fault;
  shell?: OperatorShellLike;
  leftBehind?: TeardownReport["leftBehind"];
  bus?: EventBus;
  /** Base URLs of services the fake stack serves (e.g. the alert-sink). */
  services?: Record<string, string>;
}

async function run(d: Drill, opts: RunOptions = {}): Promise<Run> {
  const events: DrillEvent[] = [];
  const bus = opts.bus ?? new EventBus();
  bus.subscribe({ onEvent: (e) => events.push(e) });
  let injected = false;
  const alert = opts.alert ?? (() => "inactive");
  const stack = fakeStack(() => (injected ? alert() : "inactive"), opts.leftBehind, opts.services);
  const result = { reverted: 0 };
  const fault: Fault =
    opts.fault ??
    (async () => {
      injected = true;
      return { detail: "filled the fake disk", revert: async () => void result.reverted++ };
    });
  const { journal } = await runDrill({
    drill: d,
    bus,
    clock: noWait,
    profileChoice: { profile: "airgapped", reason: "test" },
    startStack: async (_o: DrillStackOptions) => stack,
    startShell: async () => opts.shell ?? fakeShell(),
    faults: { "fake-fill": fault },
  });
  return { journal, events, stack, reverted: result.reverted };
}

const phases = (j: Journal) => j.phases.map((p) => `${p.name}:${p.status}`);

describe("the drill pipeline with a fake stack and shell", () => {
  it("an alert that never fires is 'not detected'; the known finding that names that cause is acknowledged and the gate passes", async () => {
    const d = drill({
      knownFindings: [{ id: "disk-alert-blind", phase: "detect", summary: "the rule watches another mount", matches: "did not fire" }],
    });
    const { journal, stack, events } = await run(d);
    expect(phases(journal)).toEqual([
      "preflight:passed",
      "stack-up:passed",
      "steady-state:passed",
      "inject:passed",
      "detect:failed",
      "notify:skipped",
      "symptoms:skipped",
      "runbook:passed",
      "recover:passed",
      "integrity:skipped",
      "teardown:passed",
    ]);
    expect(journal.findings).toEqual([
      expect.objectContaining({ id: "disk-alert-blind", phase: "detect", acknowledged: true, summary: expect.stringMatching(/^the runbook's detection `disk_free < 0.1` \(alert DiskFull\) did not fire: timed out/) }),
    ]);
    expect(journal.status).toBe("passed");
    expect(journal.runbookVerdict?.detected).toBe("no");
    expect(journal.detection).toMatchObject({ alert: "DiskFull", inactiveBeforeFault: true, lowerBoundSeconds: 2 });
    expect(journal.detection.firedAt).toBeUndefined();
    // The step ran in the shell, and what it printed was redacted.
    expect(journal.steps.map((s) => [s.id, s.result])).toEqual([["3.1", "passed"]]);
    expect(journal.steps[0]?.stdout).toBe("ok [REDACTED:FAKE_PASSWORD]\n");
    expect(JSON.stringify(journal)).not.toContain("s3cret-value");
    expect(stack.downs).toBe(1);
    expect(events[0]?.type).toBe("drill-begin");
    expect(events.at(-1)?.type).toBe("drill-end");
    expect(events.filter((e) => e.type === "finding")).toHaveLength(1);
  });

  it("the same silence without the declaration is a new finding, fails the drill, and teardown reverts the fault", async () => {
    const { journal, reverted } = await run(drill());
    expect(journal.findings).toEqual([expect.objectContaining({ id: "detect-failed", acknowledged: false })]);
    expect(journal.status).toBe("failed");
    expect(reverted).toBe(1);
    expect(journal.fault?.revertedAt).toBeDefined();
  });

  it("a declared 'did not fire' that fired after all is a finding of its own (the runbook or the stack changed)", async () => {
    // The drill's webhook receiver, holding Alertmanager's firing notification.
    const sink = createServer((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify([{ receivedAt: new Date().toISOString(), payload: { status: "firing", alerts: [{ labels: { alertname: "DiskFull" }, status: "firing" }] } }]));
    });
    await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
    try {
      const d = drill({ knownFindings: [{ id: "disk-alert-blind", phase: "detect", summary: "the rule watches another mount", matches: "did not fire" }] });
      // Firing after the fault, inactive again once the steps ran: detected, notified, resolved.
      let calls = 0;
      const { journal } = await run(d, {
        alert: () => (calls++ < 2 ? "firing" : "inactive"),
        services: { "alert-sink": `http://127.0.0.1:${(sink.address() as AddressInfo).port}` },
      });
      expect(phases(journal)).toEqual(expect.arrayContaining(["detect:passed", "notify:passed", "recover:passed"]));
      expect(journal.detection.firedAt).toBeDefined();
      expect(journal.notification?.deliveredAt).toBeDefined();
      expect(journal.recovery.alertResolvedAt).toBeDefined();
      expect(journal.runbookVerdict?.detected).toBe("yes");
      expect(journal.findings).toEqual([
        {
          id: "detect-failed",
          phase: "detect",
          step: undefined,
          summary: 'known finding "disk-alert-blind" did not reproduce (the rule watches another mount); if the runbook or the stack changed, update scenarios/disk-full.yaml',
          acknowledged: false,
        },
      ]);
      expect(journal.status).toBe("failed");
    } finally {
      sink.close();
    }
  });

  it("a phase that throws records the failure in the journal, skips what needs it, and teardown still runs and reverts the fault", async () => {
    const shell = fakeShell();
    const r = await run(drill(), {
      shell,
      fault: async () => {
        throw new Error("the fake disk refused to fill");
      },
    });
    expect(phases(r.journal)).toEqual(["preflight:passed", "stack-up:passed", "steady-state:passed", "inject:failed", "teardown:passed"]);
    expect(r.journal.phases.find((p) => p.name === "inject")?.detail).toBe("the fake disk refused to fill");
    expect(r.journal.findings).toEqual([{ id: "inject-failed", phase: "inject", step: undefined, summary: "the fake disk refused to fill", acknowledged: false }]);
    expect(r.journal.status).toBe("failed");
    // Nothing was injected, so there is no runbook verdict; the stack came down and the shell closed.
    expect(r.journal.runbookVerdict).toBeUndefined();
    expect(r.stack.downs).toBe(1);
    expect(shell.closed).toBe(true);
  });

  it("a leftover fails a drill that otherwise passed; a passed drill's fault is not reverted (its stack is removed)", async () => {
    const r = await run(drill({ knownFindings: [{ id: "disk-alert-blind", phase: "detect", summary: "x", matches: "did not fire" }] }), {
      leftBehind: [{ project: "drill-fake", containers: ["drill-fake-postgresql"], networks: [], volumes: [] }],
    });
    expect(r.reverted).toBe(0);
    expect(r.journal.teardown).toMatchObject({ leftBehind: 1, left: [{ kind: "container", name: "drill-fake-postgresql", reason: "still present after teardown" }] });
    expect(r.journal.findings.at(-1)).toMatchObject({ id: "teardown-failed", acknowledged: false, summary: "left behind: container drill-fake-postgresql (still present after teardown)" });
    expect(phases(r.journal).at(-1)).toBe("teardown:failed");
    expect(r.journal.status).toBe("failed");
  });

  it("a section the scenario names wrongly fails preflight; nothing is started", async () => {
    let started = false;
    const { journal } = await runDrill({
      drill: drill({ steps: ["3.99"] }),
      bus: new EventBus(),
      clock: noWait,
      profileChoice: { profile: "airgapped", reason: "test" },
      startStack: async () => {
        started = true;
        throw new Error("must not start");
      },
      startShell: async () => fakeShell(),
      faults: {},
    });
    expect(started).toBe(false);
    expect(phases(journal)).toEqual(["preflight:failed", "teardown:skipped"]);
    expect(journal.findings[0]?.summary).toMatch(/has no step 3\.99/);
  });

  it("interruption during the runbook's steps marks the runbook phase", async () => {
    const bus = new EventBus();
    const interruption = new InterruptionRecorder();
    bus.subscribe(interruption);
    let snapshot: Journal | undefined;
    const shell = fakeShell((_script, stepId) => {
      if (stepId === "3.1") snapshot = interruption.snapshot("SIGINT", new Date("2026-01-01T00:00:00Z"));
    });
    await run(drill(), { shell, bus });
    expect(snapshot?.status).toBe("interrupted");
    expect(snapshot?.interrupted).toMatchObject({ signal: "SIGINT", phase: "runbook" });
    expect(snapshot?.phases.at(-1)).toMatchObject({ name: "runbook", status: "failed", detail: "interrupted by SIGINT" });
    expect(snapshot?.phases.map((p) => p.name)).toEqual(["preflight", "stack-up", "steady-state", "inject", "detect", "notify", "symptoms", "runbook"]);
  });
});
