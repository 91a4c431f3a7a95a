// A drill's own copy of the production stack: `new DrillStack(opts).up()` returns a
// StartedDrillStack with what faults and probes need next (ports, containers, the
// Prometheus API, down()).
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { stringify } from "yaml";
import { DockerComposeEnvironment, Wait, type StartedDockerComposeEnvironment, type StartedTestContainer } from "testcontainers";
import type Docker from "dockerode";
import { dockerClient, ensureEngine, type EngineInfo } from "../engine/docker-engine.js";
import { stderrLogger, type Logger } from "../util/log.js";
import { productionComposeFile, stateDir } from "../util/paths.js";
import { implementationOf, type Implementation, type ProfileName } from "./catalog.js";
import { chooseProfile, type ProfileChoice } from "./profile.js";
import { ImageBuilder, operatorShellImage, type ImageRequest } from "./images.js";
import { containerPort, deriveDrillCompose, imageVariable, readComposeFile, type ComposeFile, type ComposeService } from "./compose-file.js";
import { freePort } from "./free-port.js";
import { copyConfigFile, deriveAlertmanagerConfig } from "./drill-config.js";
import { derivePrometheusConfig, type DerivedPrometheusConfig, type PrometheusTiming } from "./prometheus-config.js";
import { generateSecrets, type DrillSecrets } from "./secrets.js";
import { describeFailure, listDrillResources, removeProjectResources, sweepLeftovers, type ProjectResources } from "./leftovers.js";
import { guardTeardown, releaseTeardown } from "./teardown-guard.js";
import { PrometheusClient, waitForAllTargetsUp } from "../detect/prometheus.js";
import { pollUntil } from "../util/poll.js";
import type { ScenarioStack } from "../scenario/types.js";
import { MemoryView } from "./memory-view.js";
import { Ec2HostStandIn, ec2HostService } from "./ec2-host.js";
import { labelProject } from "./labels.js";
import { serviceStarts, type ServiceStart } from "./service-start.js";

// testcontainers' Ryuk reaper image cannot be pulled here; teardown is ours (see
// teardown-guard.ts and leftovers.ts).
process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
// Drills publish every port on 127.0.0.1 (compose-file.ts) and probe it there. Left
// alone, testcontainers sees /.dockerenv (this machine is itself a container) and
// probes the bridge gateway 172.17.0.1 instead, where nothing listens: every
// bring-up then ends in "Port N not bound".
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= "127.0.0.1";

export interface DrillStackOptions {
  /** "upstream" or "airgapped" (or a choice already made, with its reason); automatic when absent. */
  profile?: string | ProfileChoice;
  log?: Logger;
  /** Compose project name; unique per drill by default. */
  project?: string;
  /** Size of the volume standing for the host's root disk. */
  hostDiskSize?: string;
  prometheusTiming?: PrometheusTiming;
  /** How long to wait for every container healthy and every target up. */
  healthTimeoutMs?: number;
  /** A scenario's own changes to the stack (environment, memory limits, the host-memory view). */
  scenario?: ScenarioStack;
  /** Build the operator shell's image with the stack's (the drill runs its steps there). */
  operatorShellImage?: boolean;
}

export interface ServiceImplementation {
  service: string;
  implementation: Implementation["kind"];
  image: string;
  digest: string;
  standIn: boolean;
  note: string;
}

export interface BringUpReport {
  project: string;
  profile: ProfileChoice;
  engine: EngineInfo;
  sweptLeftovers: ProjectResources[];
  imageNotes: string[];
  imagesBuilt: { ref: string; seconds: number }[];
  /** The operator shell's image, when bring-up was asked to build it. */
  operatorShellImage?: string;
  services: ServiceImplementation[];
  leftOut: { service: string; reason: string }[];
  prometheus: DerivedPrometheusConfig | undefined;
  timings: { preflightMs: number; imagesMs: number; composeUpMs: number; healthMs: number; totalMs: number };
  /** The service that took longest from its container's start to healthy: a bring-up's floor. */
  slowestService?: ServiceStart;
}

export const defaultDrillTiming: PrometheusTiming = { scrapeInterval: "5s", evaluationInterval: "5s" };

function newProjectName(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "").toLowerCase();
  return `drill-${stamp}-${randomBytes(2).toString("hex")}`;
}

export interface ImagePlan {
  /** What to build (or find), the operator shell's first when asked for, being the slowest. */
  requests: ImageRequest[];
  /** Upstream images by service, pulled as pinned. */
  pinnedImages: Record<string, string>;
  implementations: Map<string, Implementation>;
  leftOut: BringUpReport["leftOut"];
  /** The compose variable naming each served service's image. */
  variables: Map<string, string>;
}

/** Every image a drill's stack needs in a profile (the cold-build benchmark builds the same). */
export function imagePlan(profile: ProfileName, prod: ComposeFile, scenario?: ScenarioStack, operatorShell = false): ImagePlan {
  const pinnedImages: Record<string, string> = {};
  const leftOut: BringUpReport["leftOut"] = [];
  const implementations = new Map<string, Implementation>();
  // Every image this drill needs, planned first and built together (a few at a time):
  // the operator shell's first, being the slowest.
  const requests: ImageRequest[] = operatorShell ? [operatorShellImage] : [];
  const variables = new Map<string, string>();
  for (const [service, svc] of Object.entries(prod.services)) {
    const impl = implementationOf(profile, service);
    implementations.set(service, impl);
    const { variable, pinned } = imageVariable(service, svc.image);
    if (impl.kind === "absent") {
      leftOut.push({ service, reason: impl.reason });
      continue;
    }
    variables.set(service, variable);
    if (impl.kind === "upstream") pinnedImages[service] = pinned;
    else requests.push(impl.kind === "stand-in" ? { name: service, bundles: impl.bundles } : { name: service, context: impl.context });
  }
  // The drill's own webhook receiver, standing for the runbook's Slack channel.
  requests.push({ name: "alert-sink", bundles: { main: "stand-ins/alert-sink/main.ts" } });
  implementations.set("alert-sink", { kind: "stand-in", bundles: {}, note: "drill webhook receiver standing for Slack #alerts" });
  // The drill's Toxiproxy, between the app and its dependencies (latency faults).
  if (profile === "upstream") {
    pinnedImages.toxiproxy = upstreamToxiproxy;
    implementations.set("toxiproxy", { kind: "upstream" });
  } else {
    requests.push({ name: "toxiproxy", bundles: { main: "stand-ins/toxiproxy/main.ts" } });
    implementations.set("toxiproxy", { kind: "stand-in", bundles: {}, note: "Toxiproxy API stand-in in TypeScript (drill-only service)" });
  }
  // The stand-in for the EC2 instance, for the drills that ssh to it (section 11).
  const ec2HostImage = Ec2HostStandIn.imageRequest(scenario);
  if (ec2HostImage) {
    requests.push(ec2HostImage);
    implementations.set(ec2HostService, implementationOf(profile, ec2HostService));
  }
  return { requests, pinnedImages, implementations, leftOut, variables };
}

export class DrillStack {
  private readonly log: Logger;

  constructor(private readonly opts: DrillStackOptions = {}) {
    this.log = opts.log ?? stderrLogger;
  }

  async up(): Promise<StartedDrillStack> {
    const t0 = Date.now();
    const log = this.log;
    const engine = await ensureEngine(log);
    for (const action of engine.actions) log(`preflight: ${action}`);
    const docker = dockerClient();
    const swept = await sweepLeftovers(docker);
    for (const s of swept) {
      log(`preflight: removed leftovers of crashed drill ${s.project}: ${[...s.containers, ...s.networks, ...s.volumes].length - (s.failures?.length ?? 0)} resources`);
      for (const f of s.failures ?? []) log(`preflight: ${describeFailure(f)}`);
    }
    const profile = typeof this.opts.profile === "object" ? this.opts.profile : await chooseProfile(this.opts.profile);
    log(`profile: ${profile.profile} (${profile.reason})`);
    const t1 = Date.now();

    // Images: the pinned upstream ones, or built locally for the air-gapped profile.
    const prod = readComposeFile(productionComposeFile);
    const builder = new ImageBuilder(docker, log);
    const { requests, pinnedImages, implementations, leftOut, variables } = imagePlan(profile.profile, prod, this.opts.scenario, this.opts.operatorShellImage);
    const envImages: Record<string, string> = {};
    const ensured = await builder.ensureAll(requests);
    const built: BringUpReport["imagesBuilt"] = [...ensured.values()].filter((b) => b.built).map((b) => ({ ref: b.ref, seconds: b.seconds }));
    // In the order the services were named (the journal lists them so).
    const images: Record<string, string> = {};
    for (const name of implementations.keys()) {
      const ref = pinnedImages[name] ?? ensured.get(name)?.ref;
      if (ref) images[name] = ref;
    }
    for (const [service, variable] of variables) envImages[variable] = images[service] ?? "";
    const ec2HostBuilt = implementations.has(ec2HostService) ? ensured.get(ec2HostService) : undefined;
    const ec2Host = ec2HostBuilt ? new Ec2HostStandIn(ec2HostBuilt) : undefined;
    for (const l of leftOut) log(`stack: leaving out ${l.service}: ${l.reason}`);
    const t2 = Date.now();

    const project = this.opts.project ?? newProjectName();
    const dir = join(stateDir, project);
    mkdirSync(dir, { recursive: true });
    const served = new Set(Object.keys(images).filter((s) => !drillOnlyServices.includes(s)));
    const prometheus = served.has("prometheus")
      ? derivePrometheusConfig(join(dir, "prometheus"), served, this.opts.prometheusTiming ?? defaultDrillTiming)
      : undefined;
    for (const d of prometheus?.droppedJobs ?? []) log(`stack: not scraping job ${d.job}: ${d.reason}`);
    const proxied = toxiproxyRoutes.filter((r) => served.has(r.service));
    const environmentOverrides = drillEnvironment(proxied.map((r) => r.service));
    const scenario = this.opts.scenario ?? {};
    for (const [service, env] of Object.entries(scenario.environment ?? {})) environmentOverrides[service] = { ...(environmentOverrides[service] ?? {}), ...env };
    const memoryView = hostMemoryView(scenario, dir);
    const extraServices = {
      "alert-sink": alertSinkService(images["alert-sink"] ?? ""),
      toxiproxy: toxiproxyService(images.toxiproxy ?? "", writeToxiproxyConfig(join(dir, "toxiproxy"), proxied)),
      ...(ec2Host ? { [ec2HostService]: ec2Host.service(join(dir, ec2HostService)) } : {}),
    };
    const hostPorts = new Map<string, number>();
    for (const [service, svc] of Object.entries({ ...prod.services, ...extraServices })) {
      for (const p of svc.ports ?? []) {
        let port = await freePort();
        while ([...hostPorts.values()].includes(port)) port = await freePort();
        hostPorts.set(`${service}:${containerPort(p)}`, port);
      }
    }
    const derived = deriveDrillCompose(prod, {
      hostPort: (service, port) => {
        const found = hostPorts.get(`${service}:${port}`);
        if (found === undefined) throw new Error(`no host port allocated for ${service}:${port}`);
        return found;
      },
      extraServices,
      environmentOverrides,
      project,
      images,
      ownerPid: process.pid,
      ownerHost: hostname(),
      hostDiskSize: this.opts.hostDiskSize ?? "256m",
      hostDiskVolumes: ["app-logs"],
      memoryLimitsMb: scenario.memoryLimitsMb,
      volumeSizesMb: scenario.volumeSizesMb,
      extraMounts: {
        ...(memoryView ? { "node-exporter": [`${memoryView.file}:/proc/meminfo:ro`] } : {}),
        // A tmpfs volume is unmounted, and emptied, when its last container stops: the
        // drill-only alert-sink keeps each sized volume mounted, so it survives a restart
        // of its service (runbook 9.6) as a disk does.
        ...(scenario.volumeSizesMb ? { "alert-sink": Object.keys(scenario.volumeSizesMb).map((v) => `${v}:/held/${v}:ro`) } : {}),
      },
      mountOverrides: {
        ...(prometheus ? { "./config/prometheus": prometheus.dir } : {}),
        "./config/caddy/Caddyfile": copyConfigFile("caddy/Caddyfile", join(dir, "caddy")),
        "./config/promtail/config.yml": copyConfigFile("promtail/config.yml", join(dir, "promtail")),
        "./config/alertmanager": deriveAlertmanagerConfig(join(dir, "alertmanager")).dir,
      },
    });
    const composePath = join(dir, "docker-compose.yml");
    // Every string quoted: compose v1 reads YAML 1.1, where a bare `no` is false.
    writeFileSync(composePath, `# Derived for drill ${project} from stack/docker-compose.yml; do not edit.\n${stringify(derived, { defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN" })}`);

    const secrets = generateSecrets();
    ec2Host?.register(secrets);
    let env = new DockerComposeEnvironment(dir, "docker-compose.yml")
      .withProjectName(project)
      .withEnvironment({ ...secrets.env, ...envImages })
      .withStartupTimeout(this.opts.healthTimeoutMs ?? defaultHealthTimeoutMs());
    if (engine.compose.flavour === "v1-standalone") {
      env = env.withClientOptions({ executable: { standalone: true, executablePath: engine.compose.command[0] ?? "docker-compose" } });
    }
    for (const [service, svc] of Object.entries(derived.services)) {
      if (svc.healthcheck) env = env.withWaitStrategy(service, Wait.forHealthCheck());
    }

    // From here on resources exist: make sure they go, whatever happens.
    const forceDown = () => forceRemove(docker, project, dir);
    guardTeardown(project, forceDown, log);
    let started: StartedDockerComposeEnvironment;
    try {
      log(`stack: starting ${served.size} services as project ${project}`);
      started = await env.up();
    } catch (err) {
      // Say which service failed and what its health check last said, before removing it.
      const why = await unhealthyServices(docker, project).catch(() => "");
      await forceDown();
      releaseTeardown(project);
      if (why && err instanceof Error) err.message = `${err.message}: ${why}`;
      throw err;
    }
    const t3 = Date.now();

    const stack = new StartedDrillStack(project, dir, started, docker, secrets);
    stack.ec2Host = ec2Host;
    if (memoryView && scenario.hostMemoryFrom) {
      memoryView.follow(docker, stack.containerName(scenario.hostMemoryFrom));
      stack.memoryView = memoryView;
    }
    stack.composeEnv = { ...secrets.env, ...envImages };
    guardTeardown(project, () => stack.down(), log);
    try {
      // One-shot jobs (restart: "no", e.g. minio-init making the bucket) must have done
      // their work before the drill writes seed data: testcontainers only waits on
      // running containers, so a job still retrying or already failed escapes it.
      const jobs = Object.entries(derived.services).filter(([, svc]) => String(svc.restart) === "no");
      for (const [service, svc] of jobs) {
        log(`stack: waiting for job ${service} to finish`);
        await waitForJob(docker, String(svc.container_name), this.opts.healthTimeoutMs ?? defaultHealthTimeoutMs());
      }
      if (prometheus) {
        log(`stack: waiting for every Prometheus target up (${prometheus.keptJobs.length} jobs)`);
        await waitForAllTargetsUp(stack.prometheus(), prometheus.keptJobs, this.opts.healthTimeoutMs ?? defaultHealthTimeoutMs());
      }
    } catch (err) {
      await stack.down();
      throw err;
    }
    const t4 = Date.now();

    stack.report = {
      project,
      profile,
      engine,
      sweptLeftovers: swept,
      imageNotes: builder.notes,
      imagesBuilt: built,
      services: declareVolumeSizes(declareMemoryView(await describeImplementations(docker, images, implementations), scenario), scenario, prod),
      leftOut,
      prometheus,
      operatorShellImage: ensured.get(operatorShellImage.name)?.ref,
      timings: { preflightMs: t1 - t0, imagesMs: t2 - t1, composeUpMs: t3 - t2, healthMs: t4 - t3, totalMs: t4 - t0 },
      slowestService: (await serviceStarts(docker, project).catch(() => []))[0],
    };
    log(`stack: up in ${((t4 - t0) / 1000).toFixed(1)} s (compose ${((t3 - t2) / 1000).toFixed(1)} s, health ${((t4 - t3) / 1000).toFixed(1)} s)`);
    return stack;
  }
}

/** Every report names what stands in for the host's memory. */
function declareMemoryView(services: ServiceImplementation[], scenario: ScenarioStack): ServiceImplementation[] {
  const from = scenario.hostMemoryFrom;
  if (!from) return services;
  return services.map((s) =>
    s.service === "node-exporter"
      ? {
          ...s,
          standIn: true,
          note:
            `${s.note}; its /proc/meminfo is the drill's host-memory view, not the machine's: the memory cgroup of ${from} ` +
            `(limit ${scenario.memoryLimitsMb?.[from]} MiB) stands in for the host's RAM (MemTotal = the limit, ` +
            `MemAvailable = limit - (usage - inactive file cache)), refreshed every second from Docker's stats`,
        }
      : s,
  );
}

/** Every report names a volume the drill gave a small disk of its own (production's shares the host's disk). */
function declareVolumeSizes(services: ServiceImplementation[], scenario: ScenarioStack, prod: ComposeFile): ServiceImplementation[] {
  const sized = Object.entries(scenario.volumeSizesMb ?? {});
  if (sized.length === 0) return services;
  return services.map((s) => {
    const mine = sized.filter(([vol]) => prod.services[s.service]?.volumes?.some((v) => v.startsWith(`${vol}:`)));
    if (mine.length === 0) return s;
    return { ...s, note: `${s.note}; drill-only: ${mine.map(([vol, mb]) => `volume ${vol} is a ${mb} MiB tmpfs of its own, kept mounted by alert-sink (production's is on the host's disk)`).join(", ")}` };
  });
}

/** The file node-exporter reads as /proc/meminfo when a scenario bounds the host's memory. */
function hostMemoryView(scenario: ScenarioStack, dir: string): MemoryView | undefined {
  const from = scenario.hostMemoryFrom;
  if (!from) return undefined;
  const limitMb = scenario.memoryLimitsMb?.[from];
  if (!limitMb) throw new Error(`stack.hostMemoryFrom: ${from} needs a memory limit (stack.memoryLimitsMb.${from}) to stand for the host's RAM`);
  mkdirSync(join(dir, "host-view"), { recursive: true });
  return new MemoryView(join(dir, "host-view", "meminfo"), limitMb * 1024 * 1024);
}

const upstreamToxiproxy = "ghcr.io/shopify/toxiproxy:2.9.0";
/** Services only drills have; they are not in the production compose file. */
/**
 * How long bring-up waits for health, jobs and targets: 300 s, or DRILL_HEALTH_TIMEOUT_S.
 * A stack is up in about 30 s on an idle machine; the margin is for a loaded one (the
 * engine here serialises container starts), and only a broken service waits it out.
 */
export function defaultHealthTimeoutMs(): number {
  const s = Number(process.env.DRILL_HEALTH_TIMEOUT_S);
  return (Number.isFinite(s) && s > 0 ? s : 300) * 1000;
}

/** The drill's containers that are not healthy, with their health check's last output. */
async function unhealthyServices(docker: Docker, project: string): Promise<string> {
  const list = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${labelProject}=${project}`] }) });
  const out: string[] = [];
  for (const c of list) {
    const info = await docker.getContainer(c.Id).inspect();
    const health = info.State.Health;
    if (info.State.Running && (!health || health.Status === "healthy")) continue;
    // A one-shot job that finished is done, not failed.
    if (!info.State.Running && info.State.ExitCode === 0 && info.HostConfig.RestartPolicy?.Name === "no") continue;
    const last = health?.Log?.[health.Log.length - 1];
    const said = last ? ` (last check exit ${last.ExitCode}: ${last.Output.trim().slice(0, 200)})` : "";
    out.push(`${c.Names[0]?.replace(/^\//, "") ?? c.Id} is ${health?.Status ?? info.State.Status}${info.State.Running ? "" : `, exit ${info.State.ExitCode}`}${said}`);
  }
  return out.length ? out.join("; ") : "every service is healthy now: the machine was too slow for the wait (raise DRILL_HEALTH_TIMEOUT_S)";
}

export const drillOnlyServices = ["alert-sink", "toxiproxy"];

/** The app's paths to its dependencies that go through Toxiproxy in a drill. */
export const toxiproxyRoutes = [
  { service: "postgresql", port: 5432 },
  { service: "meilisearch", port: 7700 },
  { service: "minio", port: 9000 },
  // SES: a timeout on the app's path to it (section 12's "connection timeout").
  { service: "ses", port: 4566 },
] as const;

/** Where the app (and the runbook's "test SES from the instance") reaches SES in a drill. */
export const drillSesEndpoint = "http://toxiproxy:4566";

function writeToxiproxyConfig(dir: string, routes: readonly { service: string; port: number }[]): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "toxiproxy.json");
  const proxies = routes.map((r) => ({ name: r.service, listen: `0.0.0.0:${r.port}`, upstream: `${r.service}:${r.port}`, enabled: true }));
  writeFileSync(file, `${JSON.stringify(proxies, null, 2)}\n`);
  return file;
}

function toxiproxyService(image: string, configFile: string): ComposeService {
  return {
    image,
    restart: "unless-stopped",
    command: ["-host=0.0.0.0", "-config=/config/toxiproxy.json"],
    ports: ["8474"],
    volumes: [`${configFile}:/config/toxiproxy.json:ro`],
    networks: ["app-network"],
  } as ComposeService;
}

function alertSinkService(image: string): ComposeService {
  return {
    image,
    restart: "unless-stopped",
    init: true,
    stop_grace_period: "2s",
    ports: ["9095"],
    healthcheck: { test: ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:9095/health"], interval: "2s", timeout: "2s", retries: 30 },
    networks: ["app-network"],
  } as ComposeService;
}

/**
 * Where a drill's environment must differ from production's: the app talks to the
 * drill's SES instead of AWS, and never asks the EC2 metadata service for credentials.
 */
function drillEnvironment(proxied: readonly string[]): Record<string, Record<string, string>> {
  return {
    // A backup every 10 s instead of hourly, so a drill's seed data is in a backup
    // before the fault (the recovery point is measured, not assumed).
    "postgres-backup": { BACKUP_INTERVAL_SECONDS: "10" },
    "fastapi-app": {
      // The app reaches its dependencies through the drill's Toxiproxy.
      ...(proxied.includes("postgresql") ? { POSTGRES_HOST: "toxiproxy" } : {}),
      ...(proxied.includes("meilisearch") ? { MEILISEARCH_URL: "http://toxiproxy:7700" } : {}),
      ...(proxied.includes("minio") ? { S3_ENDPOINT_URL: "http://toxiproxy:9000" } : {}),
      AWS_EC2_METADATA_DISABLED: "true",
      // Even without an SES in the stack: a name that does not answer beats AWS.
      SES_ENDPOINT_URL: proxied.includes("ses") ? drillSesEndpoint : "http://ses:4566",
    },
  };
}

async function describeImplementations(
  docker: Docker,
  images: Record<string, string>,
  impls: Map<string, Implementation>,
): Promise<ServiceImplementation[]> {
  return Promise.all(
    Object.entries(images).map(async ([service, image]) => {
      const impl = impls.get(service) ?? { kind: "upstream" as const };
      const inspect = await docker.getImage(image).inspect();
      return {
        service,
        implementation: impl.kind,
        image,
        // RepoDigests exist for pulled images; a local build is identified by its image id.
        digest: inspect.RepoDigests?.[0] ?? inspect.Id,
        standIn: impl.kind === "stand-in",
        note: impl.kind === "upstream" ? "pinned upstream image" : impl.kind === "absent" ? impl.reason : impl.note,
      };
    }),
  );
}

/** Wait until a one-shot container has exited 0; otherwise fail with its exit code and last log lines. */
async function waitForJob(docker: Docker, containerName: string, timeoutMs: number): Promise<void> {
  const c = docker.getContainer(containerName);
  const exitCode = await pollUntil(`job ${containerName} to finish`, timeoutMs, 250, async () => {
    const { State } = await c.inspect();
    const finished = !State.Running && State.FinishedAt && !State.FinishedAt.startsWith("0001-");
    return finished ? { value: State.ExitCode, reason: "" } : { reason: `still ${State.Status}` };
  });
  if (exitCode === 0) return;
  const logs = (await c.logs({ stdout: true, stderr: true, tail: 20 })).toString("utf8");
  throw new Error(`job ${containerName} exited with code ${exitCode}; its last output:\n${logs}`);
}

async function forceRemove(docker: Docker, project: string, dir: string): Promise<void> {
  // A signal can arrive while compose is still creating containers: one it creates after
  // our listing would outlive this removal and keep the network busy. List again until a
  // listing comes back empty (a few rounds at most).
  for (let round = 0; round < 4; round++) {
    const found = await listDrillResources(docker, project);
    if (found.length === 0) break;
    for (const res of found) await removeProjectResources(docker, res);
    await new Promise((r) => setTimeout(r, 300));
  }
  rmSync(dir, { recursive: true, force: true });
}

export interface TeardownReport {
  seconds: number;
  /** Resources still labelled with the project after down (should be none). */
  leftBehind: ProjectResources[];
}

/**
 * A started stack as the rest of the harness sees it: the public surface of
 * StartedDrillStack as a structural type, so the drill pipeline, its faults and
 * probes can be given a fake stack in unit tests (no Docker), as they are a fake shell.
 */
export type RunningStack = Pick<StartedDrillStack, keyof StartedDrillStack>;

export class StartedDrillStack {
  report!: BringUpReport;
  /** The variables compose interpolated at bring-up (secrets, image refs): what an operator's .env holds. */
  composeEnv: Record<string, string> = {};
  /** Set when a scenario gives node-exporter a bounded host-memory view. */
  memoryView?: MemoryView;
  /** Set when the scenario runs the stand-in for the EC2 instance. */
  ec2Host?: Ec2HostStandIn;
  private downed?: Promise<TeardownReport>;

  constructor(
    readonly project: string,
    readonly dir: string,
    private readonly env: StartedDockerComposeEnvironment,
    readonly docker: Docker,
    readonly secrets: DrillSecrets,
  ) {}

  get profile(): ProfileName {
    return this.report.profile.profile;
  }

  container(service: string): StartedTestContainer {
    return this.env.getContainer(service);
  }

  /** Docker's name for a service's container in this drill. */
  containerName(service: string): string {
    return `${this.project}-${service}`;
  }

  hostPort(service: string, containerPort: number): number {
    return this.container(service).getMappedPort(containerPort);
  }

  url(service: string, containerPort: number, path = "/"): string {
    return `http://127.0.0.1:${this.hostPort(service, containerPort)}${path}`;
  }

  prometheus(): PrometheusClient {
    return new PrometheusClient(this.url("prometheus", 9090));
  }

  /**
   * Idempotent. Removes every container, network and volume labelled with this
   * drill's project, containers in parallel. The stack is disposable, so there is no
   * graceful stop: `docker-compose down` (v1) took 5-8 s for the same work, most of
   * it the CLI's own serial bookkeeping.
   */
  down(): Promise<TeardownReport> {
    this.downed ??= (async () => {
      this.memoryView?.stop();
      const started = Date.now();
      await forceRemove(this.docker, this.project, this.dir);
      const leftBehind = await listDrillResources(this.docker, this.project);
      releaseTeardown(this.project);
      return { seconds: (Date.now() - started) / 1000, leftBehind };
    })();
    return this.downed;
  }
}
