// Build the images a profile needs, cached by a hash of their build context: a second
// run with unchanged Dockerfiles and files builds nothing.
import { createHash } from "node:crypto";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type Docker from "dockerode";
import { runChecked } from "../util/run.js";
import type { Logger } from "../util/log.js";
import { stackDir, stateDir } from "../util/paths.js";
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

export interface BuiltImage {
  ref: string;
  built: boolean;
  seconds: number;
}

export class ImageBuilder {
  private baseImageId?: string;
  readonly notes: string[] = [];

  constructor(
    private readonly docker: Docker,
    private readonly log: Logger,
  ) {}

  private async base(): Promise<string> {
    if (!this.baseImageId) {
      this.notes.push(await ensureBaseImage(this.docker, this.log));
      this.baseImageId = (await this.docker.getImage(baseImage).inspect()).Id;
    }
    return this.baseImageId;
  }

  /** Build stack/<context> as runbook-drills/<name>:<hash> unless that tag exists. */
  async ensure(name: string, context: string): Promise<BuiltImage> {
    return this.buildContext(name, resolve(stackDir, context), `stack/${context}`);
  }

  /**
   * Bundle a TypeScript stand-in (entries relative to stack/) with esbuild and build
   * it on stack/images/node-stand-in. The bundles are part of the hashed context, so
   * a changed stand-in gets a new image and an unchanged one is reused.
   */
  async ensureStandIn(name: string, bundles: Record<string, string>): Promise<BuiltImage> {
    // A context of its own per call: two drills (two processes) preparing the same
    // stand-in at once must not rewrite each other's files while they are hashed.
    mkdirSync(join(stateDir, "images"), { recursive: true });
    const contextDir = mkdtempSync(join(stateDir, "images", `${name}-`));
    try {
      return await this.standInContext(name, bundles, contextDir);
    } finally {
      rmSync(contextDir, { recursive: true, force: true });
    }
  }

  private async standInContext(name: string, bundles: Record<string, string>, contextDir: string): Promise<BuiltImage> {
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
    return this.buildContext(name, contextDir, `stand-in ${Object.values(bundles).join(", ")}`);
  }

  private async buildContext(name: string, contextDir: string, what: string): Promise<BuiltImage> {
    const ref = `runbook-drills/${name}:${contextHash(contextDir, await this.base())}`;
    if (await imageExists(this.docker, ref)) return { ref, built: false, seconds: 0 };
    this.log(`images: building ${ref} from ${what}`);
    const started = Date.now();
    await runChecked("docker", ["build", "--force-rm", "--label", `${labelImage}=${name}`, "-t", ref, contextDir], {
      timeoutMs: 20 * 60_000,
      env: { ...process.env, DOCKER_BUILDKIT: "0" },
    });
    const seconds = (Date.now() - started) / 1000;
    this.log(`images: built ${ref} in ${seconds.toFixed(1)} s`);
    return { ref, built: true, seconds };
  }
}
