// `npm run bench:images [-- --json] [--builds N] [--all]`
// A cold build of every image the first drill on a fresh machine builds (the air-gapped
// stack, its stand-ins and the operator shell; `--all` adds the EC2 host's stand-in and
// the port-block fault's netfilter image), timed per image and in all. Cold without
// touching the shared cache: the images are built FROM a throwaway copy of
// debian:bookworm with an image id of its own, so no layer of runbook-drills/* is
// reused, and tagged bench-cold-<nonce>/*; all of them are removed afterwards.
// `--builds N` builds N at a time (default: the harness's DRILL_IMAGE_BUILDS or 2).
import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";
import { dockerClient, ensureEngine } from "../harness/engine/docker-engine.js";
import { ensureBaseImage, baseImage } from "../harness/stack/base-image.js";
import { readComposeFile } from "../harness/stack/compose-file.js";
import { imagePlan } from "../harness/stack/drill-stack.js";
import { buildConcurrency, ImageBuilder, type ImageRequest } from "../harness/stack/images.js";
import { productionComposeFile } from "../harness/util/paths.js";
import { run, runChecked } from "../harness/util/run.js";
import { stderrLogger } from "../harness/util/log.js";

const { values } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    builds: { type: "string" },
    all: { type: "boolean", default: false },
  },
});
const concurrency = values.builds ? Number(values.builds) : buildConcurrency();
if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`--builds must be a whole number >= 1, not ${values.builds}`);

await ensureEngine(stderrLogger);
const docker = dockerClient();
await ensureBaseImage(docker, stderrLogger);
const started = Date.now();
const log = (m: string) => stderrLogger(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${m}`);

const nonce = randomBytes(4).toString("hex");
const prefix = `bench-cold-${nonce}`;
const base = `${prefix}/base:latest`;
const { requests } = imagePlan("airgapped", readComposeFile(productionComposeFile), values.all ? { ec2Host: true } : undefined, true);
const all: ImageRequest[] = values.all ? [...requests, { name: "netfilter", context: "../harness/faults/netfilter" }] : requests;

const refs: string[] = [];
try {
  // A base with an id of its own: the engine's build cache holds nothing built on it.
  await runChecked("docker", ["build", "-q", "-t", base, "-"], { input: `FROM ${baseImage}\nLABEL io.runbook-drills.bench-cold=${nonce}\n`, env: { ...process.env, DOCKER_BUILDKIT: "0" } });
  refs.push(base);
  const builder = new ImageBuilder(docker, log, { prefix, fromImage: base, concurrency });
  const t0 = Date.now();
  const built = await builder.ensureAll(all);
  const wallSeconds = (Date.now() - t0) / 1000;
  const rows = [];
  for (const [name, b] of built) {
    refs.push(b.ref);
    const info = await docker.getImage(b.ref).inspect();
    rows.push({ name, seconds: Number(b.seconds.toFixed(1)), sizeMb: Math.round(info.Size / 1e6) });
  }
  const result = { concurrency, images: rows.length, builds: new Set([...built.values()].map((b) => b.ref.split(":")[1])).size, wallSeconds: Number(wallSeconds.toFixed(1)), rows };
  if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    process.stdout.write(`cold build of ${result.images} images (${result.builds} builds), ${concurrency} at a time: ${result.wallSeconds.toFixed(1)} s\n`);
    for (const r of rows) process.stdout.write(`  ${r.name.padEnd(20)} ${r.seconds.toFixed(1).padStart(7)} s  ${String(r.sizeMb).padStart(5)} MB\n`);
  }
} finally {
  // Only this run's images: the shared runbook-drills/* cache is never touched.
  const left = await run("docker", ["images", "--format", "{{.Repository}}:{{.Tag}}", "--filter", `reference=${prefix}/*`]);
  const mine = new Set([...refs, ...left.stdout.split("\n").filter((r) => r.startsWith(`${prefix}/`))]);
  for (const ref of [...mine].filter((r) => r !== base)) await run("docker", ["rmi", ref]);
  await run("docker", ["rmi", base]);
}
