// The operator shell: where a drill runs the runbook's steps verbatim. A container
// with the tools of the production host (docker, docker-compose, curl, jq, psql, aws,
// sudo), whose Docker endpoint is the drill's scope guard, whose ~/app/docker-compose
// holds the drill's compose file and .env, and whose localhost ports reach the drill's
// services as the published ports do on the production host.
//
// How `cd ~/app/docker-compose && docker-compose restart minio` finds the drill's
// containers: compose v1 finds a project's containers by the labels
// com.docker.compose.project/service, not by name. The .env sets
// COMPOSE_PROJECT_NAME to the drill's project and holds the very variables bring-up
// interpolated, so the shell's compose computes the same config hash for each service
// and `up -d` leaves healthy containers alone, as it would on the host.
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { containerPort, readComposeFile, type ComposeFile } from "../stack/compose-file.js";
import { labelOwnerHost, labelOwnerPid, labelProject, labelRole } from "../stack/labels.js";
import { engineEndpoint } from "../engine/docker-engine.js";
import type { RunningStack } from "../stack/drill-stack.js";
import { ImageBuilder, operatorShellImage } from "../stack/images.js";
import { redact, type DrillSecrets } from "../stack/secrets.js";
import { stderrLogger, type Logger } from "../util/log.js";
import { productionComposeFile } from "../util/paths.js";
import { ExecOutput } from "./exec-output.js";
import { startScopeGuard, type NetworkHooks, type Refusal, type ScopeGuard } from "./scope-guard.js";
import { policyFromCompose } from "./drill-policy.js";
import { tarArchive } from "./tar.js";
import { auditStep, snapshotResources, type StepResources } from "./resource-audit.js";
import { curlRecorderScript, parseCurlLog, type ObservedCurl } from "./curl-log.js";

/** The operator shell's container: the operator's own machine, for faults on its files. */
export const operatorShellName = (project: string): string => `${project}-operator-shell`;
/** Where production keeps its compose file: `cd ~/app/docker-compose` in the runbook. */
export const composeDirInShell = "/root/app/docker-compose";

export interface OperatorShellOptions {
  log?: Logger;
  /** The production compose file (published ports, service names). */
  productionCompose?: string;
  /** More mounts for the shell, `source:target[:mode]` (e.g. the drill's host-disk volume at /var/log). */
  binds?: string[];
  /** Environment of every step (e.g. AWS CLI credentials for the drill's S3). */
  env?: Record<string, string>;
}

export interface StepRequest {
  id: string;
  title?: string;
  /** Bash, run as `bash -euo pipefail -c <script>` in /root. */
  script: string;
  timeoutSeconds: number;
  /** Output as it comes, whole lines, redacted (stdout and stderr interleaved). */
  onOutput?: (chunk: string) => void;
  /** Record what the step did to Docker resources (a runbook step; checks need not). */
  audit?: boolean;
}

export interface StepRun {
  id: string;
  title?: string;
  startedAt: string;
  /** The script's exit status; 124 (or 137 after the kill) when it timed out. */
  exitCode: number;
  /** Redacted: every drill secret reads [REDACTED:NAME]. */
  stdout: string;
  stderr: string;
  seconds: number;
  timedOut: boolean;
  /** What the scope guard refused while this step ran. */
  refusals: Refusal[];
  /** Every call the shell's curl made and the answers it got (curl-recorder.sh), redacted. */
  http: ObservedCurl[];
  /** With `audit`: what the step created, removed or stopped, as the scope guard saw it. */
  resources?: StepResources;
}

/** `"127.0.0.1:9090:9090"` -> 9090, the port on the production host. */
function publishedPort(spec: string): number | undefined {
  const parts = spec.replace(/\/tcp$/, "").split(":");
  if (spec.endsWith("/udp") || parts.length < 2) return undefined;
  const port = Number(parts[parts.length - 2]);
  return Number.isInteger(port) ? port : undefined;
}

/**
 * localhost forwarders, `<host port>:<service>:<container port>`, for the production
 * ports of the services this drill serves. A service left out gets no forwarder, so its
 * port refuses connections as on a host where it is not running.
 */
export function localForwards(prod: ComposeFile, served: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const [service, svc] of Object.entries(prod.services)) {
    if (!served.has(service)) continue;
    for (const spec of svc.ports ?? []) {
      const host = publishedPort(spec);
      if (host !== undefined) out.push(`${host}:${service}:${containerPort(spec).replace(/\/tcp$/, "")}`);
    }
  }
  return out;
}

/** The variables a compose file interpolates (`${X}`, `${X:-d}`, `$X`; `$$` is a literal $). */
export function referencedVariables(composeText: string): Set<string> {
  const names = new Set<string>();
  for (const m of composeText.matchAll(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)|\$([A-Za-z_][A-Za-z0-9_]*)/g)) {
    const name = m[1] ?? m[2];
    if (name) names.add(name);
  }
  return names;
}

/** A .env as compose v1 (python-dotenv) reads it: single quotes keep a value literal. */
export function dotEnv(vars: Record<string, string>): string {
  const lines = Object.entries(vars).map(([k, v]) => {
    if (/^[A-Za-z0-9_.\/:@+=,-]*$/.test(v)) return `${k}=${v}`;
    if (/['\n]/.test(v)) throw new Error(`.env: cannot write ${k} (value has a quote or a newline)`);
    return `${k}='${v}'`;
  });
  return `${lines.join("\n")}\n`;
}

/**
 * The operator shell sits on the drill's networks to reach services by name; on the
 * production host it would not, so it steps off a network before something may remove
 * it (`docker-compose down` would otherwise fail on "active endpoints") and back on
 * when the network exists again (`docker-compose up -d` recreates it).
 */
function shellNetworkHooks(docker: Docker, shell: string, networks: readonly string[]): NetworkHooks {
  const attached = async () => {
    const info = await docker.getContainer(shell).inspect().catch(() => undefined);
    return info ? new Set(Object.keys(info.NetworkSettings.Networks ?? {})) : undefined;
  };
  return {
    async beforeRemoval() {
      const on = await attached();
      for (const n of networks) {
        if (on?.has(n)) await docker.getNetwork(n).disconnect({ Container: shell, Force: true }).catch(() => {});
      }
    },
    async afterChange() {
      const on = await attached();
      if (!on) return;
      for (const n of networks) {
        if (!on.has(n)) await docker.getNetwork(n).connect({ Container: shell }).catch(() => {}); // absent: fine
      }
    },
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Wait for an exec's output to end. Also ends the wait when the process has exited but
 * the stream stays open (a background process still holds stdout), and, as a client-side
 * guard against a wedged engine, after `limitSeconds`. Returns whether that guard fired.
 */
async function untilExecEnds(exec: Docker.Exec, output: Promise<void>, limitSeconds: number): Promise<boolean> {
  let ended = false;
  const done = output.finally(() => (ended = true));
  done.catch(() => {}); // an error after we stopped waiting is of no interest
  const deadline = Date.now() + limitSeconds * 1000;
  while (!ended) {
    await Promise.race([done, sleep(1000)]);
    if (ended) return false;
    if (!(await exec.inspect()).Running) {
      await Promise.race([done, sleep(2000)]);
      return false;
    }
    if (Date.now() > deadline) return true;
  }
  return false;
}

/**
 * Live output, redacted line by line: a secret never spans a newline, so no chunk
 * boundary can split one past the redaction.
 */
class LiveLines {
  private readonly partial: Record<1 | 2, string> = { 1: "", 2: "" };

  constructor(
    private readonly emit: (chunk: string) => void,
    private readonly redactions: DrillSecrets["redactions"],
  ) {}

  push(stream: 1 | 2, payload: Buffer): void {
    const text = this.partial[stream] + payload.toString("utf8");
    const cut = text.lastIndexOf("\n");
    this.partial[stream] = text.slice(cut + 1);
    if (cut >= 0) this.emit(redact(text.slice(0, cut + 1), this.redactions));
  }

  flush(): void {
    for (const stream of [1, 2] as const) {
      if (this.partial[stream]) this.emit(redact(`${this.partial[stream]}\n`, this.redactions));
      this.partial[stream] = "";
    }
  }
}

export class OperatorShell {
  private queue: Promise<unknown> = Promise.resolve();
  private closed?: Promise<void>;
  private runs = 0;

  constructor(
    private readonly stack: RunningStack,
    readonly containerName: string,
    readonly guard: ScopeGuard,
    private readonly log: Logger,
  ) {}

  /** Run one runbook step; steps run one at a time so refusals belong to one step. */
  runStep(step: StepRequest): Promise<StepRun> {
    if (!(step.timeoutSeconds > 0)) return Promise.reject(new Error(`step ${step.id}: timeoutSeconds must be positive`));
    const run = this.queue.then(() => this.execute(step));
    this.queue = run.catch(() => {});
    return run;
  }

  private async execute(step: StepRequest): Promise<StepRun> {
    const docker = this.stack.docker;
    this.log(`ops: step ${step.id}${step.title ? ` (${step.title})` : ""}`);
    const refusalsBefore = this.guard.refusals.length;
    const callsBefore = this.guard.calls.length;
    const hidden = [this.containerName];
    const before = step.audit ? await snapshotResources(docker, this.stack.project, hidden) : undefined;
    const httpLog = `/tmp/.drill-http-${++this.runs}.log`;
    const startedAt = new Date();
    this.guard.setCurrentStep(step.id);
    try {
      // No stdin is attached (docker exec without -i): the script reads EOF at once, so
      // `read x` fails and a prompt (e.g. prune without -f) takes its default answer
      // instead of waiting. `timeout` kills the whole step (its process group) and
      // exits 124 (137 if TERM was not enough within 5 s).
      const exec = await docker.getContainer(this.containerName).exec({
        Cmd: ["timeout", "--kill-after=5", String(step.timeoutSeconds), "bash", "-euo", "pipefail", "-c", step.script],
        AttachStdin: false,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        Env: [`DRILL_HTTP_LOG=${httpLog}`],
        // Steps run where production keeps the compose file: the runbook calls
        // `docker-compose restart ...` without a `cd` (only section 1 cds there first).
        WorkingDir: composeDirInShell,
      });
      const stream = await exec.start({ hijack: true, stdin: false });
      const live = step.onOutput ? new LiveLines(step.onOutput, this.stack.secrets.redactions) : undefined;
      const output = new ExecOutput({ onPayload: live && ((id, payload) => live.push(id, payload)) });
      const clientTimeout = await untilExecEnds(exec, output.attach(stream), step.timeoutSeconds + 15);
      stream.destroy();
      live?.flush();
      const state = await exec.inspect();
      const seconds = (Date.now() - startedAt.getTime()) / 1000;
      const exitCode = state.ExitCode ?? 124;
      // 124/137 before the deadline is the script's own status (e.g. its own `timeout`).
      const timedOut = clientTimeout || ((exitCode === 124 || exitCode === 137) && seconds >= step.timeoutSeconds);
      const { stdout, stderr } = output.result();
      const redactions = this.stack.secrets.redactions;
      const http = parseCurlLog(redact(await this.readAndRemove(httpLog), redactions));
      const resources = before ? auditStep(before, await snapshotResources(docker, this.stack.project, hidden, before.volumes), this.guard.calls.slice(callsBefore).filter((c) => c.step === step.id)) : undefined;
      const run: StepRun = {
        id: step.id,
        title: step.title,
        startedAt: startedAt.toISOString(),
        exitCode,
        stdout: redact(stdout, redactions),
        stderr: redact(stderr, redactions),
        seconds,
        timedOut,
        refusals: this.guard.refusals.slice(refusalsBefore).filter((r) => r.step === step.id),
        http,
        ...(resources ? { resources } : {}),
      };
      this.log(`ops: step ${step.id} exited ${exitCode}${timedOut ? " (timed out)" : ""} in ${seconds.toFixed(1)} s`);
      return run;
    } finally {
      this.guard.setCurrentStep(undefined);
    }
  }

  /** A file of the shell's, read and removed (the curl record of one step); "" when absent. */
  private async readAndRemove(path: string): Promise<string> {
    const exec = await this.stack.docker.getContainer(this.containerName).exec({
      Cmd: ["sh", "-c", `cat "$1" 2>/dev/null; rm -f "$1"`, "sh", path],
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    const output = new ExecOutput({});
    await untilExecEnds(exec, output.attach(stream), 15);
    stream.destroy();
    return output.result().stdout;
  }

  /** Remove the shell container and close the guard. Idempotent. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      await this.stack.docker.getContainer(this.containerName).remove({ force: true }).catch(() => {});
      await this.guard.close();
    })();
    return this.closed;
  }
}

/**
 * The engine's unix socket. The guard's own socket is bind-mounted into the shell, so
 * the engine must run on this machine (a tcp:// or ssh:// DOCKER_HOST cannot see it).
 */
function localEngineSocket(): string {
  const endpoint = engineEndpoint();
  if (!endpoint.startsWith("unix://")) {
    throw new Error(`the operator shell needs a local Docker engine socket; DOCKER_HOST=${endpoint} is not one`);
  }
  return endpoint.slice("unix://".length);
}

export async function startOperatorShell(stack: RunningStack, opts: OperatorShellOptions = {}): Promise<OperatorShell> {
  const log = opts.log ?? stderrLogger;
  const docker = stack.docker;
  // Built with the stack's images when bring-up was asked to (a drill); else here.
  const image = stack.report.operatorShellImage ?? (await new ImageBuilder(docker, log).ensure(operatorShellImage.name, operatorShellImage.context)).ref;
  const prod = readComposeFile(opts.productionCompose ?? productionComposeFile);
  const derivedPath = join(stack.dir, "docker-compose.yml");
  const derivedText = readFileSync(derivedPath, "utf8");
  const derived = readComposeFile(derivedPath);
  const name = operatorShellName(stack.project);
  const networks = Object.keys(derived.networks ?? {}).map((n) => `${stack.project}_${n}`);
  const labels = { [labelProject]: stack.project, [labelOwnerPid]: String(process.pid), [labelOwnerHost]: hostname() };

  const guard = await startScopeGuard({
    project: stack.project,
    listenSocket: join(stack.dir, "operator-docker.sock"),
    engineSocket: localEngineSocket(),
    services: Object.keys(prod.services),
    labels,
    hiddenContainers: [name],
    // What the drill's own compose file does, a step may do: its bind sources, declared
    // privileges, volume and network options and images; nothing beyond.
    policy: policyFromCompose(derived, stack.project, stack.dir, stack.composeEnv),
    networkHooks: shellNetworkHooks(docker, name, networks),
    log,
    trace: process.env.DRILL_GUARD_TRACE === "1",
  });

  // The .env of ~/app/docker-compose: the drill's project and every variable bring-up
  // interpolated (the secrets, image refs, and whatever else the file references).
  const env: Record<string, string> = { COMPOSE_PROJECT_NAME: stack.project };
  for (const v of referencedVariables(derivedText)) {
    const value = stack.composeEnv[v] ?? process.env[v];
    if (value !== undefined) env[v] = value;
  }
  Object.assign(env, stack.composeEnv);

  const forwards = localForwards(prod, new Set(Object.keys(derived.services)));
  try {
    const [primary, ...others] = networks;
    const container = await docker.createContainer({
      name,
      Image: image,
      Hostname: "operator",
      Labels: { ...labels, [labelRole]: "operator-shell" },
      Env: [`OPERATOR_FORWARDS=${forwards.join(" ")}`, ...Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`)],
      WorkingDir: "/root",
      HostConfig: {
        Binds: [`${guard.socket}:/var/run/docker.sock`, ...(opts.binds ?? [])],
        Init: true,
        NetworkMode: primary ?? "none",
      },
    });
    for (const n of others) await docker.getNetwork(n).connect({ Container: name });
    await container.putArchive(
      tarArchive([
        { path: "app/" },
        { path: "app/docker-compose/" },
        { path: "app/docker-compose/docker-compose.yml", content: derivedText },
        { path: "app/docker-compose/.env", content: dotEnv(env), mode: 0o600 },
      ]),
      { path: "/root" },
    );
    // curl as the operator types it, with each answer's status kept aside (curl-recorder.sh).
    await container.putArchive(tarArchive([{ path: "usr/local/bin/curl", content: curlRecorderScript(), mode: 0o755 }]), { path: "/" });
    await container.start();
    const shell = new OperatorShell(stack, name, guard, log);
    const ready = await shell.runStep({
      id: "operator-shell-ready",
      script: "for i in $(seq 100); do [ -e /run/operator-shell.ready ] && exit 0; sleep 0.1; done; exit 1",
      timeoutSeconds: 15,
    });
    if (ready.exitCode !== 0) throw new Error(`operator shell ${name} did not start its forwarders: ${ready.stderr}`);
    log(`ops: operator shell ${name} ready (localhost ${forwards.map((f) => f.split(":")[0]).join(", ") || "none"})`);
    return shell;
  } catch (err) {
    await docker.getContainer(name).remove({ force: true }).catch(() => {});
    await guard.close();
    throw err;
  }
}
