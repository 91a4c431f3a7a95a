// The scope guard under attack: a hostile runbook (test/fixtures/hostile-runbook.md),
// parsed like any runbook and run step by step in the operator shell of a real drill
// stack, next to canaries outside the drill named like production. Every technique must
// be refused by the guard with a reason naming the field it refused (or be narrowed to
// the drill), and afterwards every canary must be intact and the host's marker file
// untouched.
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type Docker from "dockerode";
import { parseRunbook, allSteps, type Step } from "../../harness/runbook/index.js";
import { startOperatorShell, type OperatorShell, type StepRun } from "../../harness/ops/operator-shell.js";
import { DrillStack, type StartedDrillStack } from "../../harness/stack/drill-stack.js";
import { silentLogger } from "../../harness/util/log.js";

const fixture = join(import.meta.dirname, "../fixtures/hostile-runbook.md");
const runbook = parseRunbook(readFileSync(fixture, "utf8"), fixture);
const steps = allSteps(runbook);

const canaryLabel = "io.runbook-drills.test";
const canaryValue = `canary-${randomBytes(3).toString("hex")}`;
const canaryImage = "canary-outsider:1";
const canarySecret = `canary-secret-${randomBytes(8).toString("hex")}`;
const canary = { container: "postgresql", volume: "docker-compose_postgres-data", network: "docker-compose_app-network" };

/** What each step must come to: a guard refusal naming the field, or what else shows it stayed in the drill. */
type Expectation =
  /** `rawClient`: the step speaks HTTP itself (socat), so its exit code says nothing. */
  | { refused: RegExp; rawClient?: true }
  | { check: (r: StepRun) => void; why: string };

const expectations: Record<string, Expectation> = {
  "1.1": { refused: /HostConfig\.Binds\[0\] mounts the host path \/tmp\// },
  "1.2": { refused: /HostConfig\.Mounts\[0\]\.Source mounts the host path/ },
  "1.3": { refused: /HostConfig\.Binds\[0\] mounts the host path/ },
  "1.4": { refused: /field Binds is not one the scope guard forwards/ },
  "1.5": { refused: /DriverOpts .* is refused: driver options can make a volume a host bind/ },
  "1.6": { refused: /HostConfig\.Binds\[\d+\] mounts the host path/ },
  "1.7": { refused: /HostConfig\.Binds\[0\] mounts the host path \S*rootlink\S* \(\/tmp\// },
  "2.1": { refused: /HostConfig\.CapAdd \["SYS_ADMIN"\] is refused/ },
  "2.2": { refused: /HostConfig\.SecurityOpt .*seccomp=unconfined.* is refused/ },
  "2.3": { refused: /HostConfig\.Devices .* is refused: it gives the container a host device/ },
  "2.4": { refused: /HostConfig\.Privileged true is refused/ },
  "2.5": { refused: /HostConfig\.PidMode "host" is refused/ },
  "2.6": { refused: /HostConfig\.NetworkMode "host" puts the container on the host's network/ },
  "2.7": { refused: /HostConfig\.IpcMode "host" is refused/ },
  "2.8": { refused: /HostConfig\.UTSMode "host" is refused/ },
  "2.9": { refused: /HostConfig\.UsernsMode "host" is refused/ },
  "2.10": { refused: /HostConfig\.CgroupParent "\/system\.slice" is refused/ },
  "2.11": { refused: /HostConfig\.Sysctls .* is refused: it changes kernel parameters/ },
  "2.12": { refused: /Privileged is refused: a privileged exec/ },
  "2.13": { refused: /field Privileged is not one the scope guard forwards/ },
  "2.14": { refused: /API version 1\.23 is older than 1\.25/ },
  "3.1": { refused: /only exec start and container attach may upgrade/, rawClient: true },
  "3.2": {
    why: "the engine answers a detached exec start with 200, not 101: the guard closes the connection, so the smuggled DELETE is never read",
    check: (r) => {
      expect(r.stdout.match(/^HTTP\/1\.1 \d{3}/gm) ?? [], r.stdout).toHaveLength(1);
      expect(r.refusals).toEqual([]);
    },
  },
  "3.3": { refused: /field container is given twice \(Container and container\)/ },
  "3.4": { refused: /container "[0-9a-f]{64}" is not one of drill/ },
  "3.5": { refused: /Driver "macvlan" is refused/ },
  "3.6": { refused: /IPAM\.Config .* is refused: a drill network takes the engine's own address pool/ },
  "3.7": { refused: /container "[0-9a-f]{64}" is not one of drill \S+'s containers/ },
  "3.8": { refused: /images are the drills' shared build cache/ },
  "3.9": { refused: /building images is outside a drill's scope/ },
  "3.10": { refused: /POST \/swarm is not scoped to drill/ },
  "3.11": { refused: /\/plugins is not scoped to drill|on a plugin|plugins/ },
  "3.12": { refused: /container "x\/\.\.\/\.\.\/volumes\/docker-compose_postgres-data" is not one of drill/ },
  "3.13": { refused: /DELETE \/V1\.41 is not scoped to drill/ },
  "3.14": { refused: /DELETE \/ is not scoped to drill/ },
  "3.15": {
    why: "another image does not exist within the drill, and its environment is not shown",
    check: (r) => {
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toContain(`No such image: ${canaryImage}`);
      expect(r.stdout + r.stderr).not.toContain(canarySecret);
    },
  },
  "3.16": {
    why: "docker info keeps the engine's kind and version, not its proxies, labels or container counts",
    check: (r) => {
      expect(r.exitCode, r.stderr).toBe(0);
      const info = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(info.ServerVersion).toBeTruthy();
      // The CLI prints its own struct, so absent fields show as zero values.
      for (const key of ["HttpProxy", "HttpsProxy", "NoProxy"]) expect(info[key] ?? "", key).toBeFalsy();
      expect(info.Name).toBe("drill-engine");
      expect(info.Labels ?? []).toEqual([]);
      expect(info.Containers ?? 0).toBe(0);
    },
  },
  "3.17": {
    why: "the prune is narrowed to the drill",
    check: (r) => {
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toContain("Total reclaimed space");
    },
  },
};

async function createCanaries(docker: Docker): Promise<string> {
  for (const [kind, taken] of [
    ["container", await docker.getContainer(canary.container).inspect().catch(() => undefined)],
    ["volume", await docker.getVolume(canary.volume).inspect().catch(() => undefined)],
    ["network", await docker.getNetwork(canary.network).inspect().catch(() => undefined)],
  ] as const) {
    if (taken) throw new Error(`this engine already has a ${kind} named like production's; the attack suite needs the name`);
  }
  const labels = { [canaryLabel]: canaryValue };
  // An image of its own, with a secret in its environment.
  const seed = await docker.createContainer({ Image: "debian:bookworm", Cmd: ["true"], Env: [`CANARY_SECRET=${canarySecret}`], Labels: labels });
  await seed.commit({ repo: "canary-outsider", tag: "1", changes: [`LABEL ${canaryLabel}=${canaryValue}`] });
  await seed.remove({ force: true });
  await docker.createVolume({ Name: canary.volume, Labels: labels });
  await docker.createNetwork({ Name: canary.network, Labels: labels });
  const running = await docker.createContainer({
    name: canary.container,
    Image: canaryImage,
    Cmd: ["sleep", "infinity"],
    Labels: labels,
    HostConfig: { Init: true, Binds: [`${canary.volume}:/var/lib/postgresql/data`], NetworkMode: canary.network },
  });
  await running.start();
  return running.id;
}

async function removeCanaries(docker: Docker): Promise<void> {
  const filters = JSON.stringify({ label: [`${canaryLabel}=${canaryValue}`] });
  for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true });
  for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove();
  for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove();
  await docker.getImage(canaryImage).remove({ force: true }).catch(() => {});
}

describe.sequential("scope guard under attack: a hostile runbook in the operator shell", () => {
  let stack: StartedDrillStack;
  let shell: OperatorShell;
  let outsiderId = "";
  const hostDir = mkdtempSync(join(tmpdir(), "rd-canary-"));
  const marker = join(hostDir, "marker");
  const token = randomBytes(8).toString("hex");
  writeFileSync(marker, token);

  beforeAll(async () => {
    stack = await new DrillStack({ log: silentLogger }).up();
    shell = await startOperatorShell(stack, { log: silentLogger });
    outsiderId = await createCanaries(stack.docker);
  });
  afterAll(async () => {
    await shell?.close();
    await stack?.down();
    if (stack) await removeCanaries(stack.docker);
    rmSync(hostDir, { recursive: true, force: true });
  });

  it("parses every attack of the fixture as a step, and has an expectation for each", () => {
    expect(steps.map((s) => s.id)).toEqual(Object.keys(expectations));
  });

  const preamble = (s: Step) =>
    [
      `P=${stack.project}`,
      `IMG=$(docker inspect -f '{{.Config.Image}}' postgresql)`,
      `CANARY=${hostDir}`,
      `OUTSIDER_ID=${outsiderId}`,
      `api() { curl -s --fail-with-body --unix-socket /var/run/docker.sock -H 'Content-Type: application/json' "$@"; }`,
      `# step ${s.id} of ${s.file}:${s.line}`,
      s.text,
    ].join("\n");

  for (const s of steps) {
    const e = expectations[s.id];
    const title = e && "refused" in e ? `refuses it naming ${e.refused.source.slice(0, 60)}` : (e?.why ?? "no expectation");
    it(`${s.id} ${s.title}: ${title}`, async () => {
      const r = await shell.runStep({ id: `attack-${s.id}`, title: s.title, script: preamble(s), timeoutSeconds: 60 });
      const output = `exit ${r.exitCode}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}\n--- refusals\n${JSON.stringify(r.refusals, null, 1)}`;
      if (!e) throw new Error(`no expectation for step ${s.id}`);
      if ("refused" in e) {
        if (!e.rawClient) expect(r.exitCode, output).not.toBe(0);
        expect(r.refusals.map((x) => x.reason).some((reason) => e.refused.test(reason)), output).toBe(true);
        // The step's own output says so too, as the operator would read it.
        expect(r.stdout + r.stderr, output).toContain("scope guard refused");
        for (const x of r.refusals) expect(x.step).toBe(`attack-${s.id}`);
      } else {
        e.check(r);
      }
      // After every attack: the outsiders and the host are untouched.
      expect(existsSync(marker), `${s.id} deleted the host's marker file`).toBe(true);
      expect(readFileSync(marker, "utf8")).toBe(token);
      expect(r.stdout + r.stderr, `${s.id} read the host's marker file`).not.toContain(token);
      const outsider = await stack.docker.getContainer(outsiderId).inspect();
      expect(outsider.State.Running, `${s.id} stopped the outsider`).toBe(true);
    });
  }

  it("leaves every canary intact: the container, its volume and network, the image, the host's files", async () => {
    const docker = stack.docker;
    const c = await docker.getContainer(canary.container).inspect();
    expect(c.Id).toBe(outsiderId);
    expect(c.State.Running).toBe(true);
    expect(c.HostConfig.Privileged).toBe(false);
    expect(c.Mounts.map((m) => m.Name)).toContain(canary.volume);
    expect(Object.keys(c.NetworkSettings.Networks)).toEqual([canary.network]);
    expect((await docker.getVolume(canary.volume).inspect()).Name).toBe(canary.volume);
    const net = await docker.getNetwork(canary.network).inspect();
    expect(Object.keys(net.Containers ?? {})).toEqual([outsiderId]);
    expect((await docker.getImage(canaryImage).inspect()).Config.Env).toContain(`CANARY_SECRET=${canarySecret}`);
    expect(readFileSync(marker, "utf8")).toBe(token);
    // Nothing the attacks tried to create exists on the engine.
    const names = (await docker.listContainers({ all: true })).flatMap((x) => x.Names);
    expect(names.filter((n) => /-(a\d|b\d+|c\d+)$/.test(n))).toEqual([]);
    const volumes = ((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name);
    expect(volumes).not.toContain(`${stack.project}_a5`);
    const networks = (await docker.listNetworks()).map((n) => n.Name);
    expect(networks.filter((n) => n === `${stack.project}_c5` || n === `${stack.project}_c6`)).toEqual([]);
  });
});
