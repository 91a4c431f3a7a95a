// `npm run clean`: remove what drills left on the engine. By default only stacks whose
// owner process is gone (the same sweep every preflight does); --all removes kept
// stacks too; --images also removes the locally built drill images (the build cache).
import { parseArgs } from "node:util";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { dockerClient, ensureEngine } from "../engine/docker-engine.js";
import { describeFailure, listDrillResources, removeProjectResources, sweepLeftovers, type RemovalFailure } from "../stack/leftovers.js";
import { keptProjects, unmarkKept } from "../stack/keep.js";
import { stateDir } from "../util/paths.js";
import { stderrLogger } from "../util/log.js";
import { labelImage } from "../stack/labels.js";

const { values } = parseArgs({
  options: { all: { type: "boolean", default: false }, images: { type: "boolean", default: false } },
});

await ensureEngine(stderrLogger);
const docker = dockerClient();
const removed = values.all ? await listDrillResources(docker) : await sweepLeftovers(docker);
for (const r of removed) {
  const failures = values.all ? await removeProjectResources(docker, r) : (r.failures ?? []);
  const count = (kind: RemovalFailure["kind"], names: string[]) => names.length - failures.filter((f) => f.kind === kind).length;
  const gone = [count("container", r.containers), count("network", r.networks), count("volume", r.volumes)];
  if (gone.some((n) => n > 0)) console.log(`removed ${r.project}: ${gone[0]} containers, ${gone[1]} networks, ${gone[2]} volumes`);
  for (const f of failures) console.error(`  ${describeFailure(f)}`);
  if (failures.length > 0) process.exitCode = 1;
  else {
    rmSync(join(stateDir, r.project), { recursive: true, force: true });
    await unmarkKept(docker, r.project);
  }
}
// A marker whose stack is gone (removed by hand) is itself a leftover.
if (values.all) for (const project of await keptProjects(docker)) await unmarkKept(docker, project);
if (values.images) {
  const images = await docker.listImages({ filters: JSON.stringify({ label: [labelImage] }) });
  for (const img of images) {
    await docker.getImage(img.Id).remove({ force: true });
    console.log(`removed image ${(img.RepoTags ?? [img.Id]).join(", ")}`);
  }
}
if (removed.length === 0 && !values.images) console.log("nothing to clean");
