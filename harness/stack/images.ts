// Build the images a profile needs, cached by a hash of their build context: a second
// run with unchanged Dockerfiles and files builds nothing. What is missing is built
// a few at a time (DRILL_IMAGE_BUILDS, default 2), each build announced with its place
// in the batch and its Dockerfile steps, so a first run on a fresh machine shows
// where its minutes go.
import { createHash } from "node:crypto";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type Docker from "dockerode";
import { runChecked } from "../util/run.js";
import type { Logger } from "../util/log.js";
import { repoRoot, stackDir, stateDir } from "../util/paths.js";
import { baseImage, ensureBaseImage, imageExists } from "./base-image.js";
import { labelImage } from "./labels.js";

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "__pycache__" || entry.name === "node_modules") continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

/** Hash of every file (path, mode and bytes) in a build context, plus the base image id. */
export function contextHash(contextDir: string, baseImageId: string): string {
  const hash = createHash("sha256").update(baseImageId);
  for (const file of listFiles(contextDir)) {
    hash.update(relative(contextDir, file)).update("\0");
    hash.update(String(statSync(file).mode & 0o111)).update("\0");
    hash.update(readFileSync(file)).update("\0");
  }
  return hash.digest("hex").slice(0, 12);
}

/**
 * The Dockerfile up to the end of its first RUN instruction: images whose Dockerfiles
 * start alike share that layer in the engine's build cache (every TypeScript stand-in
 * shares node-stand-in's nodejs layer). Built at the same time, each would make it.
 */
export function firstLayerKey(dockerfile: string): string {
  const lines = dockerfile.split("\n").filter((l) => !/^\s*#/.test(l));
  const out: string[] = [];
  let inRun = false;
  for (const line of lines) {
    out.push(line);
    if (/^\s*RUN\s/i.test(line)) inRun = true;
    if (inRun && !/\\\s*$/.test(line)) break;
  }
  return createHash("sha256").update(out.join("\n")).digest("hex");
}

/** An image to have: a build context under stack/, or a TypeScript stand-in's bundles. */
export type ImageRequest =
  | { name: string; context: string }
  | { name: string; bundles: Record<string, string> };

/** The operator shell's image (harness/ops/image), where a drill runs the runbook's steps. */
export const operatorShellImage = { name: "operator-shell", context: "../harness/ops/image" } as const satisfies ImageRequest;

export interface BuiltImage {
  ref: string;
  built: boolean;
  seconds: number;
}

export interface ImageBuilderOptions {
  /** Repository prefix of every tag; default runbook-drills (the shared cache). */
  prefix?: string;
  /** Builds at once; default DRILL_IMAGE_BUILDS or 2. */
  concurrency?: number;
  /** Build FROM this image instead of debian:bookworm (the cold-build benchmark's own base). */
  fromImage?: string;
}

/** A build context ready to hash and build (a stand-in's bundles written out). */
interface Prepared {
  name: string;
  dir: string;
  what: string;
  ref: string;
  layerKey: string;
  cleanup?: () => void;
}

export function buildConcurrency(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.DRILL_IMAGE_BUILDS ?? 2);
  return Number.isInteger(n) && n >= 1 ? n : 2;
}

/**
 * Run `work` over `jobs`, `concurrency` at once, in order, except that a job whose key
 * (its first layer) another job is making waits until that one is done, and then
 * comes from the build cache. A failed job stops its worker; the others finish theirs,
 * then the first error is thrown.
 */
export async function scheduleBuilds<T>(jobs: readonly T[], keyOf: (job: T) => string, concurrency: number, work: (job: T, n: number) => Promise<void>): Promise<void> {
  const queue = [...jobs];
  const making = new Map<string, Promise<void>>();
  const made = new Set<string>();
  let n = 0;
  const worker = async (): Promise<void> => {
    while (queue.length > 0) {
      const i = queue.findIndex((j) => !making.has(keyOf(j)));
      if (i < 0) {
        await Promise.race(making.values());
        continue;
      }
      const [job] = queue.splice(i, 1) as [T];
      const key = keyOf(job);
      const done = work(job, ++n);
      if (!made.has(key)) {
        made.add(key);
        const settled = done.then(
          () => void making.delete(key),
          () => void making.delete(key),
        );
        making.set(key, settled);
      }
      await done;
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(concurrency, jobs.length)) }, worker));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

/** Builds under way in this process, by image ref (see ImageBuilder.build). */
const buildsInProcess = new Map<string, Promise<number>>();

export class ImageBuilder {
  private baseImageId?: string;
  readonly notes: string[] = [];
  private readonly prefix: string;
  private readonly concurrency: number;

  constructor(
    private readonly docker: Docker,
    private readonly log: Logger,
    private readonly opts: ImageBuilderOptions = {},
  ) {
    this.prefix = opts.prefix ?? "runbook-drills";
    this.concurrency = opts.concurrency ?? buildConcurrency();
  }

  private async base(): Promise<string> {
    if (!this.baseImageId) {
      this.notes.push(await ensureBaseImage(this.docker, this.log));
      this.baseImageId = (await this.docker.getImage(this.opts.fromImage ?? baseImage).inspect()).Id;
    }
    return this.baseImageId;
  }

  /** Build stack/<context> as runbook-drills/<name>:<hash> unless that tag exists. */
  async ensure(name: string, context: string): Promise<BuiltImage> {
    return this.must(await this.ensureAll([{ name, context }]), name);
  }

  /**
   * Bundle a TypeScript stand-in (entries relative to stack/) with esbuild and build
   * it on stack/images/node-stand-in. The bundles are part of the hashed context, so
   * a changed stand-in gets a new image and an unchanged one is reused.
   */
  async ensureStandIn(name: string, bundles: Record<string, string>): Promise<BuiltImage> {
    return this.must(await this.ensureAll([{ name, bundles }]), name);
  }

  private must(images: Map<string, BuiltImage>, name: string): BuiltImage {
    const image = images.get(name);
    if (!image) throw new Error(`images: ${name} was not built`);
    return image;
  }

  /**
   * Every requested image, by name: the ones present are reused; the missing are built,
   * `concurrency` at a time, in the order given (put the slowest first). Two names with
   * the same context are built once and tagged twice; images that share a first layer
   * wait for the first of them to make it.
   */
  async ensureAll(requests: readonly ImageRequest[]): Promise<Map<string, BuiltImage>> {
    const out = new Map<string, BuiltImage>();
    const prepared: Prepared[] = [];
    try {
      for (const r of requests) prepared.push(await this.prepare(r));
      const missing: Prepared[] = [];
      for (const p of prepared) {
        if (await imageExists(this.docker, p.ref)) out.set(p.name, { ref: p.ref, built: false, seconds: 0 });
        else missing.push(p);
      }
      if (missing.length === 0) return out;
      // The same context under two names (postgresql and postgres-backup) is one build.
      const byHash = new Map<string, Prepared[]>();
      for (const p of missing) {
        const hash = p.ref.slice(p.ref.lastIndexOf(":") + 1);
        byHash.set(hash, [...(byHash.get(hash) ?? []), p]);
      }
      const builds = [...byHash.values()];
      const names = (ps: Prepared[]) => ps.map((p) => p.name).join(" = ");
      this.log(`images: ${builds.length} to build, ${Math.min(this.concurrency, builds.length)} at a time: ${builds.map(names).join(", ")}`);
      const started = Date.now();
      await scheduleBuilds(builds, (g) => g[0]!.layerKey, this.concurrency, async (group, n) => {
        const [first, ...alias] = group as [Prepared, ...Prepared[]];
        const label = `${names(group)} (${n} of ${builds.length})`;
        this.log(`images: building ${label} from ${first.what}`);
        const seconds = await this.build(first, names(group));
        for (const a of alias) await runChecked("docker", ["tag", first.ref, a.ref]);
        for (const p of group) out.set(p.name, { ref: p.ref, built: true, seconds });
        this.log(`images: built ${label} in ${seconds.toFixed(1)} s`);
      });
      this.log(`images: ${builds.length} built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return out;
    } finally {
      for (const p of prepared) p.cleanup?.();
    }
  }

  private async prepare(r: ImageRequest): Promise<Prepared> {
    if ("bundles" in r) {
      // A context of its own per call: two drills (two processes) preparing the same
      // stand-in at once must not rewrite each other's files while they are hashed.
      mkdirSync(join(stateDir, "images"), { recursive: true });
      const dir = mkdtempSync(join(stateDir, "images", `${r.name}-`));
      const cleanup = () => rmSync(dir, { recursive: true, force: true });
      try {
        await this.writeStandIn(r.bundles, dir);
        return { ...(await this.identify(r.name, dir, `stand-in ${Object.values(r.bundles).join(", ")}`)), cleanup };
      } catch (err) {
        cleanup();
        throw err;
      }
    }
    const source = resolve(stackDir, r.context);
    const what = relative(repoRoot, source);
    if (!this.opts.fromImage) return this.identify(r.name, source, what);
    // The benchmark's own base: a copy of the context whose FROM names it.
    mkdirSync(join(stateDir, "images"), { recursive: true });
    const dir = mkdtempSync(join(stateDir, "images", `${r.name}-`));
    cpSync(source, dir, { recursive: true });
    return { ...(await this.identify(r.name, dir, what)), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  }

  private async identify(name: string, dir: string, what: string): Promise<Prepared> {
    const dockerfile = join(dir, "Dockerfile");
    let text = readFileSync(dockerfile, "utf8");
    if (this.opts.fromImage) {
      text = text.replace(new RegExp(`^FROM ${baseImage.replace(/[.:]/g, "\\$&")}\\b`, "gm"), `FROM ${this.opts.fromImage}`);
      writeFileSync(dockerfile, text);
    }
    const ref = `${this.prefix}/${name}:${contextHash(dir, await this.base())}`;
    return { name, dir, what, ref, layerKey: firstLayerKey(text) };
  }

  private async writeStandIn(bundles: Record<string, string>, contextDir: string): Promise<void> {
    mkdirSync(join(contextDir, "build"), { recursive: true });
    mkdirSync(join(contextDir, "bin"), { recursive: true });
    cpSync(resolve(stackDir, "images/node-stand-in/Dockerfile"), join(contextDir, "Dockerfile"));
    const { build } = await import("esbuild");
    for (const [command, entry] of Object.entries(bundles)) {
      await build({
        entryPoints: [resolve(stackDir, entry)],
        outfile: join(contextDir, "build", `${command}.mjs`),
        bundle: true,
        platform: "node",
        target: "node18",
        format: "esm",
        // CommonJS dependencies (s3rver, the minio client) call require() at run time.
        banner: { js: 'import { createRequire as __drillCreateRequire } from "node:module"; const require = __drillCreateRequire(import.meta.url);' },
        logLevel: "error",
        legalComments: "none",
      });
      if (command !== "main") {
        const wrapper = join(contextDir, "bin", command);
        writeFileSync(wrapper, `#!/bin/sh
exec node /opt/stand-in/${command}.mjs "$@"
`);
        chmodSync(wrapper, 0o755);
      }
    }
    // docker build needs bin/ to exist even when there is no extra command.
    writeFileSync(join(contextDir, "bin", ".keep"), "");
  }

  /**
   * Build `p` unless another drill in this process is building the same image already
   * (the suite runs two drills at once): then wait for that build instead of making a
   * second one on the same two cores. Returns the seconds this drill spent on it.
   */
  private async build(p: Prepared, names: string): Promise<number> {
    const running = buildsInProcess.get(p.ref);
    if (running) {
      const started = Date.now();
      this.log(`images: ${names} is being built for another drill in this process; waiting for that build`);
      await running;
      return (Date.now() - started) / 1000;
    }
    const work = this.buildNow(p, names);
    buildsInProcess.set(p.ref, work);
    try {
      return await work;
    } finally {
      buildsInProcess.delete(p.ref);
    }
  }

  /** docker build, its steps announced as they start and apt's downloads every 15 s or so;
   *  returns the seconds it took. */
  private async buildNow(p: Prepared, names: string): Promise<number> {
    const started = Date.now();
    const progress = new AptProgress();
    let partial = "";
    let said = Date.now();
    await runChecked("docker", ["build", "--force-rm", "--label", `${labelImage}=${p.name}`, "-t", p.ref, p.dir], {
      timeoutMs: 20 * 60_000,
      env: { ...process.env, DOCKER_BUILDKIT: "0" },
      onOutput: (chunk) => {
        const lines = (partial + chunk).split("\n");
        partial = lines.pop() ?? "";
        const at = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
        for (const line of lines) {
          const step = /^Step (\d+\/\d+) : (.*)$/.exec(line);
          if (step?.[2]?.startsWith("RUN ")) {
            this.log(`images:   ${names} step ${step[1]} (${at()}): ${step[2].replace(/\s+/g, " ").slice(0, 90)}`);
            said = Date.now();
          }
          progress.read(line);
        }
        if (Date.now() - said >= 15_000 && progress.changed()) {
          this.log(`images:   ${names} ${progress.describe()} (${at()})`);
          said = Date.now();
        }
      },
    });
    return (Date.now() - started) / 1000;
  }
}

/** Where `apt-get install` is, from its output: packages fetched of how many, then unpacked and set up. */
export class AptProgress {
  private total = 0;
  private size = "";
  private fetched = 0;
  private unpacked = 0;
  private setUp = 0;
  private last = "";

  read(line: string): void {
    // Packages upgraded are set up too (the base's, when Debian has a newer one).
    const counts = /^(\d+) upgraded, (\d+) newly installed/.exec(line);
    if (counts) this.total = Number(counts[1]) + Number(counts[2]);
    const size = /^Need to get (\S+ \S+)/.exec(line);
    if (size) this.size = size[1]!;
    if (/^Get:\d+ /.test(line) && !/ (InRelease|Packages|Release)\b/.test(line)) this.fetched++;
    if (/^Unpacking /.test(line)) this.unpacked++;
    if (/^Setting up /.test(line)) this.setUp++;
  }

  describe(): string {
    const of = this.total ? ` of ${this.total}` : "";
    if (this.setUp > 0) return `apt: ${this.setUp}${of} packages set up`;
    if (this.unpacked > 0) return `apt: ${this.unpacked}${of} packages unpacked`;
    if (this.fetched > 0) return `apt: ${this.fetched}${of} packages fetched${this.size ? ` (${this.size} in all)` : ""}`;
    return "apt: reading package lists";
  }

  /** True once per change of what describe() says. */
  changed(): boolean {
    const now = this.describe();
    if (now === this.last) return false;
    this.last = now;
    return true;
  }
}
