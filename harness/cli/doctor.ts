// `npm run doctor`: explain the environment a drill would run in, and fix what the
// machine allows (see engine/docker-engine.ts). Exit 0 when a drill can run.
import { parseArgs } from "node:util";
import { dockerClient, ensureEngine, EngineUnavailableError } from "../engine/docker-engine.js";
import { ensureTool, SHELLCHECK } from "../engine/debian-tools.js";
import { chooseProfile } from "../stack/profile.js";
import { implementationOf } from "../stack/catalog.js";
import { imageVariable, readComposeFile } from "../stack/compose-file.js";
import { baseImage, imageExists } from "../stack/base-image.js";
import { keptProjects } from "../stack/keep.js";
import { describeFailure, listDrillResources, sweepLeftovers } from "../stack/leftovers.js";
import { productionComposeFile } from "../util/paths.js";
import { stderrLogger } from "../util/log.js";

const { values } = parseArgs({
  options: { profile: { type: "string" }, json: { type: "boolean", default: false } },
});

async function main(): Promise<number> {
  const out: string[] = [];
  const say = (s = "") => out.push(s);
  let engine;
  try {
    engine = await ensureEngine(stderrLogger);
  } catch (err) {
    if (err instanceof EngineUnavailableError) {
      process.stderr.write(`doctor: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const docker = dockerClient();
  const swept = await sweepLeftovers(docker);
  const remaining = await listDrillResources(docker);
  const kept = await keptProjects(docker);
  const profile = await chooseProfile(values.profile);
  const prod = readComposeFile(productionComposeFile);
  const services = Object.entries(prod.services).map(([service, svc]) => {
    const impl = implementationOf(profile.profile, service);
    const { pinned } = imageVariable(service, svc.image);
    const what =
      impl.kind === "upstream" ? `upstream ${pinned}` : impl.kind === "absent"
          ? `left out: ${impl.reason}`
          : impl.kind === "stand-in"
            ? `STAND-IN ${impl.note} (stack/${impl.bundles.main ?? Object.values(impl.bundles)[0]})`
            : `${impl.kind} stack/${impl.context} (${impl.note})`;
    return { service, implementation: impl.kind, detail: what };
  });
  const base = await imageExists(docker, baseImage);
  // lint:runbooks needs it; a drill does not, so its absence is reported, not fatal.
  const shellcheck = await ensureTool(SHELLCHECK, stderrLogger);

  if (values.json) {
    process.stdout.write(`${JSON.stringify({ engine, profile, baseImage: { ref: baseImage, present: base }, shellcheck, services, sweptLeftovers: swept, keptStacks: remaining }, null, 2)}\n`);
    return 0;
  }
  say(`Docker engine   ${engine.endpoint}: ${engine.serverVersion} (API ${engine.apiVersion}), ${engine.storageDriver}, cgroup v${engine.cgroupVersion}`);
  say(`Compose         ${engine.compose.flavour} ${engine.compose.version} (${engine.compose.command.join(" ")})`);
  for (const a of engine.actions) say(`  did: ${a}`);
  say(`shellcheck      ${shellcheck.available ? `${shellcheck.path}${shellcheck.action ? ` (${shellcheck.action})` : ""}` : `not available: ${shellcheck.why}; lint:runbooks reports that it did not run it`}`);
  say(`Profile         ${profile.profile}: ${profile.reason}`);
  say(`Base image      ${baseImage}: ${base ? "present" : "missing; the first drill makes it with debootstrap (needs root) or pulls it"}`);
  say(`Services (${profile.profile}):`);
  const width = Math.max(...services.map((s) => s.service.length));
  for (const s of services) say(`  ${s.service.padEnd(width)}  ${s.detail}`);
  for (const s of swept) {
    say(`Swept           leftovers of crashed drill ${s.project} (${s.containers.length} containers, ${s.networks.length} networks, ${s.volumes.length} volumes)`);
    for (const f of s.failures ?? []) say(`                ${describeFailure(f)}`);
  }
  // A stack still here after the sweep is either kept on purpose or owned by a drill that is running now.
  for (const r of remaining) {
    if (kept.has(r.project)) say(`Kept stack      ${r.project}: ${r.containers.length} containers (remove with \`npm run stack -- down ${r.project}\`)`);
    else say(`Running drill   ${r.project}: ${r.containers.length} containers (its process is alive; it tears down when it ends)`);
  }
  process.stdout.write(`${out.join("\n")}\n`);
  return 0;
}

process.exitCode = await main();
