// The operator shell and its Docker scope guard against a real engine: runbook steps
// run verbatim against the drill's stack, and a destructive step touches only the
// drill's own resources, never an outsider's that carries the production name.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type Docker from "dockerode";
import { startOperatorShell, type OperatorShell, type StepRun } from "../../harness/ops/operator-shell.js";
import { labelProject } from "../../harness/stack/labels.js";
import { DrillStack, type StartedDrillStack, type TeardownReport } from "../../harness/stack/drill-stack.js";
import { listDrillResources } from "../../harness/stack/leftovers.js";
import { silentLogger } from "../../harness/util/log.js";

// Resources named exactly as production's, outside the drill: what an unscoped
// `docker system prune -a --volumes -f` / `docker rm -f postgresql` / `docker volume rm
// docker-compose_postgres-data` would destroy.
const outsiderLabel = "io.runbook-drills.test";
const outsiderValue = `outsider-${randomBytes(3).toString("hex")}`;
const outsider = {
  container: "postgresql",
  stopped: `${outsiderValue}-stopped`,
  volume: "docker-compose_postgres-data",
  network: "docker-compose_app-network",
};

async function assertNameFree(docker: Docker): Promise<void> {
  const taken: string[] = [];
  if (await docker.getContainer(outsider.container).inspect().catch(() => undefined)) taken.push(`container ${outsider.container}`);
  if (await docker.getVolume(outsider.volume).inspect().catch(() => undefined)) taken.push(`volume ${outsider.volume}`);
  if (await docker.getNetwork(outsider.network).inspect().catch(() => undefined)) taken.push(`network ${outsider.network}`);
  if (taken.length > 0) throw new Error(`this engine already has ${taken.join(", ")}: someone else's; the test needs those names`);
}

async function createOutsiders(docker: Docker): Promise<void> {
  await assertNameFree(docker);
  const labels = { [outsiderLabel]: outsiderValue };
  const running = await docker.createContainer({
    name: outsider.container,
    Image: "debian:bookworm",
    Cmd: ["sleep", "infinity"],
    Labels: labels,
    HostConfig: { Init: true },
  });
  await running.start();
  await docker.createContainer({ name: outsider.stopped, Image: "debian:bookworm", Cmd: ["true"], Labels: labels });
  await docker.createVolume({ Name: outsider.volume, Labels: labels });
  await docker.createNetwork({ Name: outsider.network, Labels: labels });
}

async function removeOutsiders(docker: Docker): Promise<void> {
  const filters = JSON.stringify({ label: [`${outsiderLabel}=${outsiderValue}`] });
  for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true });
  for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove();
  for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove();
}

async function outsidersPresent(docker: Docker) {
  return {
    containerRunning: (await docker.getContainer(outsider.container).inspect()).State.Running,
    stopped: (await docker.getContainer(outsider.stopped).inspect()).Name,
    volume: (await docker.getVolume(outsider.volume).inspect()).Name,
    network: (await docker.getNetwork(outsider.network).inspect()).Name,
  };
}

const expectedOutsiders = {
  containerRunning: true,
  stopped: `/${outsider.stopped}`,
  volume: outsider.volume,
  network: outsider.network,
};

describe.sequential("operator shell and Docker scope guard", () => {
  let stack: StartedDrillStack;
  let shell: OperatorShell;
  let teardown: TeardownReport | undefined;
  let n = 0;
  const step = (id: string, script: string, timeoutSeconds = 90): Promise<StepRun> =>
    shell.runStep({ id: `${id}#${++n}`, title: script, script, timeoutSeconds });
  const output = (r: StepRun) => `exit ${r.exitCode}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
  const served = (service: string) => stack.report.services.some((s) => s.service === service);
  const drillContainers = async () =>
    stack.docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${labelProject}=${stack.project}`] }) });

  beforeAll(async () => {
    stack = await new DrillStack({ log: silentLogger }).up();
    shell = await startOperatorShell(stack, { log: silentLogger });
    await createOutsiders(stack.docker);
  });
  afterAll(async () => {
    await shell?.close();
    if (!teardown) await stack?.down();
    if (stack) await removeOutsiders(stack.docker);
  });

  describe("runbook steps run verbatim against the drill", () => {
    it("4.1 `docker ps -a | grep postgresql` finds the drill's PostgreSQL, not the outsider named postgresql", async () => {
      const r = await step("4.1", "docker ps -a | grep postgresql");
      expect(r.exitCode, output(r)).toBe(0);
      const lines = r.stdout.trim().split("\n");
      expect(lines.some((l) => l.endsWith(` ${stack.project}-postgresql`)), output(r)).toBe(true);
      // Every line is the drill's (postgresql, postgres-exporter); the outsider is not listed.
      for (const l of lines) expect(l).toContain(stack.project);
    });

    it("4.2 `docker logs postgresql --tail=100` shows the drill's server log", async () => {
      const r = await step("4.2", "docker logs postgresql --tail=100");
      expect(r.exitCode, output(r)).toBe(0);
      // PostgreSQL logs to stderr; docker logs keeps the two streams apart.
      expect(r.stdout + r.stderr).toContain("database system is ready to accept connections");
    });

    it("4.4 `docker exec postgresql pg_isready -U pretamane` reaches the drill's server", async () => {
      const r = await step("4.4", "docker exec postgresql pg_isready -U pretamane");
      expect(r.exitCode, output(r)).toBe(0);
      expect(r.stdout).toContain("accepting connections");
    });

    it("7.1 `curl http://localhost:9090/-/healthy` reaches the drill's Prometheus", async () => {
      const r = await step("7.1", "curl http://localhost:9090/-/healthy");
      expect(r.exitCode, output(r)).toBe(0);
      expect(r.stdout).toMatch(/Prometheus (Server )?is Healthy/);
    });

    it("7.2 `curl http://localhost:9090/api/v1/targets | jq .data.activeTargets` lists the drill's targets, all up", async () => {
      const r = await step("7.2", "curl http://localhost:9090/api/v1/targets | jq .data.activeTargets");
      expect(r.exitCode, output(r)).toBe(0);
      const targets = JSON.parse(r.stdout) as { labels: { job: string }; health: string }[];
      const jobs = new Set(targets.map((t) => t.labels.job));
      for (const job of stack.report.prometheus?.keptJobs ?? []) expect(jobs).toContain(job);
      for (const t of targets) expect(t.health, t.labels.job).toBe("up");
    });

    it("7.4a `docker exec prometheus cat /etc/prometheus/prometheus.yml | grep -A5 fastapi` reads the drill's config", async () => {
      const r = await step("7.4a", "docker exec prometheus cat /etc/prometheus/prometheus.yml | grep -A5 fastapi");
      // The drill's Prometheus config keeps the fastapi job only when the app is in the
      // stack; without it grep matches nothing and, with pipefail, the step exits 1 —
      // which is what the runbook's check would show on a host whose config lacks the job.
      const config = readFileSync(join(stack.report.prometheus?.dir ?? "", "prometheus.yml"), "utf8");
      if (config.includes("fastapi")) {
        expect(r.exitCode, output(r)).toBe(0);
        expect(r.stdout).toContain("fastapi");
      } else {
        expect(r.exitCode, output(r)).toBe(1);
        expect(r.stdout).toBe("");
      }
    });

    it("7.4b `docker network inspect docker-compose_app-network | grep fastapi-app` inspects the drill's network", async () => {
      const r = await step("7.4b", "docker network inspect docker-compose_app-network | grep fastapi-app");
      if (served("fastapi-app")) {
        expect(r.exitCode, output(r)).toBe(0);
        expect(r.stdout).toContain(`"Name": "${stack.project}-fastapi-app"`);
      } else {
        expect(r.exitCode, output(r)).toBe(1); // the app is not in this drill's stack
      }
      expect(r.refusals).toEqual([]);
    });

    it("`docker inspect` finds production names as the drill's, and nothing else", async () => {
      const vol = await step("inspect", "docker inspect -f '{{.Name}}' docker-compose_postgres-data postgresql");
      expect(vol.exitCode, output(vol)).toBe(0);
      expect(vol.stdout).toBe(`${stack.project}_postgres-data\n/${stack.project}-postgresql\n`);
      // Not the outsider named postgresql either: within the drill, other names do not exist.
      const other = await step("inspect-other", "docker inspect some-unrelated-name");
      expect(other.exitCode).toBe(1);
      expect(other.stderr).toContain("No such object: some-unrelated-name");
    });

    it("2.1 `docker stats --no-stream | sort -k4 -h` shows only the drill's containers", async () => {
      const r = await step("2.1", "docker stats --no-stream | sort -k4 -h");
      expect(r.exitCode, output(r)).toBe(0);
      const rows = r.stdout.trim().split("\n").filter((l) => !l.startsWith("CONTAINER ID"));
      const names = rows.map((l) => l.trim().split(/\s+/)[1] ?? "");
      const running = (await drillContainers()).filter((c) => c.State === "running" && !c.Names[0]?.endsWith("-operator-shell"));
      expect(names.sort()).toEqual(running.map((c) => c.Names[0]?.replace(/^\//, "")).sort());
      for (const name of names) expect(name.startsWith(`${stack.project}-`), name).toBe(true);
    });

    it("`docker-compose restart prometheus` in ~/app/docker-compose restarts the drill's Prometheus in place", async () => {
      const before = (await stack.docker.getContainer(stack.containerName("prometheus")).inspect()).State.StartedAt;
      const r = await step(
        "7.5",
        "cd ~/app/docker-compose\ndocker-compose restart prometheus\n" +
          "for i in $(seq 60); do curl -sf http://localhost:9090/-/ready && exit 0; sleep 1; done; exit 1",
      );
      expect(r.exitCode, output(r)).toBe(0);
      expect(r.stderr).toContain(`Restarting ${stack.project}-prometheus ... done`);
      const after = await stack.docker.getContainer(stack.containerName("prometheus")).inspect();
      expect(after.State.StartedAt).not.toBe(before);
    });

    it("`docker-compose up -d` with the identical file leaves the healthy containers alone", async () => {
      const ids = async () => (await drillContainers()).map((c) => c.Id).sort();
      const before = await ids();
      const r = await step("1.5", "cd ~/app/docker-compose && docker-compose up -d");
      expect(r.exitCode, output(r)).toBe(0);
      expect(r.stderr).toContain(`${stack.project}-postgresql is up-to-date`);
      expect(await ids()).toEqual(before);
    });

    it("redacts the drill's secrets from step output, live output included", async () => {
      const live: string[] = [];
      const r = await shell.runStep({ id: "secrets", script: "docker exec postgresql env", timeoutSeconds: 60, onOutput: (c) => live.push(c) });
      expect(r.exitCode, output(r)).toBe(0);
      const secret = stack.secrets.env.POSTGRES_PASSWORD ?? "";
      expect(secret.length).toBeGreaterThan(8);
      expect(r.stdout).toContain("POSTGRES_PASSWORD=[REDACTED:POSTGRES_PASSWORD]");
      expect(r.stdout).not.toContain(secret);
      expect(live.join("")).toBe(r.stdout);
    });
  });

  describe("the shell's own guarantees", () => {
    it("closes stdin: a step that reads it fails at once instead of hanging", async () => {
      const r = await step("stdin", "read x\necho never");
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.seconds).toBeLessThan(10);
      expect(r.timedOut).toBe(false);
    });

    it("kills a step that outlives its timeout and says so", async () => {
      const r = await shell.runStep({ id: "slow", script: "echo started; sleep 60; echo never", timeoutSeconds: 2 });
      expect(r.timedOut).toBe(true);
      expect(r.exitCode).toBe(124);
      expect(r.stdout).toBe("started\n");
      expect(r.seconds).toBeLessThan(15);
    });

    it("refuses what is not the drill's, with the guard's error and a refusal naming the step", async () => {
      const rm = await step("refused-rm", "docker rm -f some-unrelated-name");
      expect(rm.exitCode).toBe(1);
      expect(rm.stderr).toContain(
        `Error response from daemon: scope guard refused DELETE /v1.41/containers/some-unrelated-name during step ${rm.id}: ` +
          `container "some-unrelated-name" is not one of drill ${stack.project}'s containers`,
      );
      expect(rm.refusals).toEqual([expect.objectContaining({ step: rm.id, method: "DELETE", path: "/v1.41/containers/some-unrelated-name" })]);

      const run = await step("refused-run", "docker run debian:bookworm true");
      expect(run.exitCode).toBe(125);
      expect(run.stderr).toContain(`Error response from daemon: scope guard refused POST /v1.41/containers/create during step ${run.id}`);
      expect(run.refusals.map((x) => x.reason)).toEqual([expect.stringContaining("container create outside drill")]);
      expect(shell.guard.refusals.filter((x) => x.step === rm.id || x.step === run.id)).toHaveLength(2);
    });
  });

  describe("blast radius", () => {
    it("4.3a `docker-compose down` then `docker-compose up -d` cycles the drill's stack, and only it", async () => {
      const r = await step(
        "4.3a",
        "cd ~/app/docker-compose\ndocker-compose down\ndocker-compose up -d\n" +
          "for i in $(seq 90); do curl -sf http://localhost:9090/-/ready >/dev/null && docker exec postgresql pg_isready -U pretamane && exit 0; sleep 1; done; exit 1",
        180,
      );
      expect(r.exitCode, output(r)).toBe(0);
      expect(r.stderr).toContain(`Removing network ${stack.project}_app-network`);
      expect(r.stderr).toContain(`Creating network "${stack.project}_app-network"`);
      expect(r.refusals).toEqual([]);
      expect(await outsidersPresent(stack.docker)).toEqual(expectedOutsiders);
    });

    it("3.2 `docker system prune -a --volumes -f` removes only the drill's stopped containers and unused volumes", async () => {
      // Grafana is stopped too so that a named volume (grafana-data) is mounted by a stopped
      // container only: the prune removes that container first, then the volume it freed.
      const stop = await step("stop", "docker stop blackbox-exporter grafana");
      expect(stop.exitCode, output(stop)).toBe(0);
      const running = (await drillContainers()).filter((c) => c.State === "running");
      const mounted = new Set(running.flatMap((c) => c.Mounts.map((m) => m.Name ?? "")));
      const volumes = (await stack.docker.listVolumes({ filters: JSON.stringify({ label: [`${labelProject}=${stack.project}`] }) })).Volumes ?? [];
      const unused = volumes.map((v) => v.Name).filter((v) => !mounted.has(v));
      const used = volumes.map((v) => v.Name).filter((v) => mounted.has(v));
      expect(unused, "a volume only a stopped service mounts").toContain(`${stack.project}_grafana-data`);
      const images = (await stack.docker.listImages()).map((i) => i.Id).sort();

      const r = await step("3.2", "docker system prune -a --volumes -f");
      expect(r.exitCode, output(r)).toBe(0);
      expect(r.refusals).toEqual([]);
      expect(await outsidersPresent(stack.docker)).toEqual(expectedOutsiders);
      expect(await stack.docker.getContainer(stack.containerName("blackbox-exporter")).inspect().catch(() => "gone")).toBe("gone");
      const after = ((await stack.docker.listVolumes()).Volumes ?? []).map((v) => v.Name);
      for (const v of unused) expect(after, `${v} pruned`).not.toContain(v);
      for (const v of used) expect(after, `${v} kept (in use)`).toContain(v);
      // Images are the drills' shared cache: none of those present before is deleted.
      const imagesAfter = new Set((await stack.docker.listImages()).map((i) => i.Id));
      for (const id of images) expect(imagesAfter.has(id), id).toBe(true);
      expect(r.stdout).toContain("Total reclaimed space");
    });

    it("4.3b `docker rm -f postgresql` then `docker volume rm docker-compose_postgres-data` remove the drill's, not the outsiders'", async () => {
      const rm = await step("4.3b-rm", "docker rm -f postgresql");
      expect(rm.exitCode, output(rm)).toBe(0);
      expect(await stack.docker.getContainer(stack.containerName("postgresql")).inspect().catch(() => "gone")).toBe("gone");

      // Once no container uses it, the drill's data volume goes, as the runbook intends.
      const vol = await step("4.3b-volume", "docker volume rm docker-compose_postgres-data");
      expect(vol.exitCode, output(vol)).toBe(0);
      expect(await stack.docker.getVolume(`${stack.project}_postgres-data`).inspect().catch(() => "gone")).toBe("gone");

      expect(await outsidersPresent(stack.docker)).toEqual(expectedOutsiders);
    });
  });

  it("closes the shell and tears down leaving nothing of the drill", async () => {
    const socket = shell.guard.socket;
    await shell.close();
    expect(existsSync(socket)).toBe(false);
    teardown = await stack.down();
    expect(teardown.leftBehind).toEqual([]);
    expect(await listDrillResources(stack.docker, stack.project)).toEqual([]);
    const byName = await stack.docker.listContainers({ all: true, filters: JSON.stringify({ name: [stack.project] }) });
    expect(byName).toEqual([]);
    await removeOutsiders(stack.docker);
    const filters = JSON.stringify({ label: [`${outsiderLabel}=${outsiderValue}`] });
    expect(await stack.docker.listContainers({ all: true, filters })).toEqual([]);
    expect((await stack.docker.listVolumes({ filters })).Volumes ?? []).toEqual([]);
    expect(await stack.docker.listNetworks({ filters })).toEqual([]);
  });
});
