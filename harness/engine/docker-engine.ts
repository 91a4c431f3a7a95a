// Engine preflight: find a Docker engine and a Compose, or make one on a machine
// where we may (root on Debian/Ubuntu with apt), or stop with the exact fix.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { spawn } from "node:child_process";
import Docker from "dockerode";
import { run, runChecked, which } from "../util/run.js";
import type { Logger } from "../util/log.js";

export type ComposeFlavour = "v2-plugin" | "v1-standalone";

export interface ComposeInfo {
  flavour: ComposeFlavour;
  version: string;
  /** argv prefix: ["docker", "compose"] or ["/usr/bin/docker-compose"]. */
  command: readonly string[];
}

export interface EngineInfo {
  endpoint: string;
  serverVersion: string;
  apiVersion: string;
  storageDriver: string;
  cgroupVersion: string;
  compose: ComposeInfo;
  /** What the preflight did to get here, in words for the user. */
  actions: string[];
}

export class EngineUnavailableError extends Error {}

export const dockerdLogFile = "/var/log/runbook-drills-dockerd.log";

export function engineEndpoint(): string {
  return process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
}

export function dockerClient(): Docker {
  // dockerode reads DOCKER_HOST itself; without it, the default socket.
  return new Docker();
}

async function ping(docker: Docker, timeoutMs: number): Promise<boolean> {
  const timeout = new Promise<boolean>((res) => setTimeout(() => res(false), timeoutMs).unref());
  const attempt = docker.ping().then(
    () => true,
    () => false,
  );
  return Promise.race([attempt, timeout]);
}

export function isDebianLike(): boolean {
  try {
    const osRelease = readFileSync("/etc/os-release", "utf8");
    return /^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b/m.test(osRelease);
  } catch {
    return false;
  }
}

/** May this process install packages and start dockerd itself? */
export function canProvisionEngine(): boolean {
  return (
    process.getuid?.() === 0 &&
    existsSync("/usr/bin/apt-get") &&
    isDebianLike() &&
    process.env.DOCKER_HOST === undefined
  );
}

export async function aptInstall(packages: string[], log: Logger, actions: string[]): Promise<void> {
  log(`preflight: installing ${packages.join(", ")} with apt-get (a few minutes on a fresh machine)`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  // Another process's apt (a parallel preflight) holds the lock for a while: wait for it.
  const lock = ["-o", "DPkg::Lock::Timeout=600"];
  await runChecked("apt-get", [...lock, "update", "-qq"], { env, timeoutMs: 10 * 60_000 });
  await runChecked("apt-get", [...lock, "install", "-y", "-qq", ...packages], { env, timeoutMs: 20 * 60_000 });
  actions.push(`installed ${packages.join(", ")} with apt-get`);
}

async function startDockerd(log: Logger, actions: string[]): Promise<void> {
  mkdirSync("/var/log", { recursive: true });
  const out = openSync(dockerdLogFile, "a");
  // Detached so the engine outlives this command, as a system service would.
  const child = spawn("dockerd", [], { detached: true, stdio: ["ignore", out, out] });
  child.unref();
  closeSync(out);
  log(`preflight: started dockerd (pid ${child.pid}), log in ${dockerdLogFile}`);
  actions.push(`started dockerd (pid ${child.pid}); its log is ${dockerdLogFile}`);
}

async function detectCompose(): Promise<ComposeInfo | undefined> {
  const plugin = await run("docker", ["compose", "version", "--short"]).catch(() => undefined);
  if (plugin?.exitCode === 0 && plugin.stdout.trim()) {
    return { flavour: "v2-plugin", version: plugin.stdout.trim(), command: ["docker", "compose"] };
  }
  const standalone = await which("docker-compose");
  if (standalone) {
    const v = await run(standalone, ["version", "--short"]).catch(() => undefined);
    if (v?.exitCode === 0) {
      return { flavour: "v1-standalone", version: v.stdout.trim(), command: [standalone] };
    }
  }
  return undefined;
}

const manualFix = [
  "No Docker engine answered at " + engineEndpoint() + ".",
  "Fix it one of these ways, then run `npm run doctor` again:",
  "  - start your Docker engine (Docker Desktop, `sudo systemctl start docker`, or `sudo dockerd &`);",
  "  - or point DOCKER_HOST at a running engine (e.g. DOCKER_HOST=unix:///run/user/1000/docker.sock);",
  "  - or, on Debian/Ubuntu as root, let the harness install one: `sudo npm run doctor`.",
].join("\n");

/**
 * Make sure an engine answers and a Compose exists. Installs and starts them where
 * the machine allows (root, apt, Debian/Ubuntu, no DOCKER_HOST); otherwise throws
 * EngineUnavailableError with the fix.
 */
export async function ensureEngine(log: Logger): Promise<EngineInfo> {
  const actions: string[] = [];
  const docker = dockerClient();

  if (!(await ping(docker, 3000))) {
    if (!canProvisionEngine()) throw new EngineUnavailableError(manualFix);
    const missing = ["dockerd", "docker-compose", "debootstrap"].filter((b) => !existsSync(`/usr/sbin/${b}`) && !existsSync(`/usr/bin/${b}`));
    if (missing.length > 0) {
      const pkg: Record<string, string> = { dockerd: "docker.io", "docker-compose": "docker-compose", debootstrap: "debootstrap" };
      await aptInstall(missing.map((b) => pkg[b] ?? b), log, actions);
    }
    await startDockerd(log, actions);
    const deadline = Date.now() + 60_000;
    while (!(await ping(docker, 2000))) {
      if (Date.now() > deadline) {
        throw new EngineUnavailableError(
          `dockerd was started but did not answer within 60 s. Read ${dockerdLogFile} for the reason.`,
        );
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  let compose = await detectCompose();
  if (!compose && canProvisionEngine()) {
    await aptInstall(["docker-compose"], log, actions);
    compose = await detectCompose();
  }
  if (!compose) {
    throw new EngineUnavailableError(
      "The Docker engine answers, but neither `docker compose` (v2 plugin) nor `docker-compose` (v1) was found.\n" +
        "Install one (Debian/Ubuntu: `sudo apt-get install docker-compose`, or the docker-compose-plugin package) and run `npm run doctor` again.",
    );
  }

  const [info, version] = await Promise.all([docker.info() as Promise<Record<string, unknown>>, docker.version()]);
  return {
    endpoint: engineEndpoint(),
    serverVersion: String(info.ServerVersion ?? version.Version),
    apiVersion: version.ApiVersion,
    storageDriver: String(info.Driver ?? "unknown"),
    cgroupVersion: String(info.CgroupVersion ?? "unknown"),
    compose,
    actions,
  };
}
