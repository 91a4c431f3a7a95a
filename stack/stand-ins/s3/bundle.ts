/**
 * How the stand-ins are bundled for their containers: one ESM file per entry
 * point, for Node 18 (Debian bookworm's nodejs), no node_modules needed at
 * run time. The S3, SES and mc stand-ins bundle CommonJS dependencies
 * (s3rver/koa, aws-ses-v2-local/express, minio) that `require()` Node
 * built-ins at run time; esbuild's ESM output has no `require`, so the banner
 * provides one. The same invocation on the command line:
 *
 *   npx esbuild ENTRY.ts --bundle --platform=node --target=node18 --format=esm \
 *     --outfile=OUT.mjs \
 *     "--banner:js=import { createRequire as __standInCreateRequire } from 'node:module'; const require = __standInCreateRequire(import.meta.url);"
 *
 * Used by the stand-ins' tests; image builds must use the same options.
 */
import { build } from "esbuild";

export const ESBUILD_BANNER =
  "import { createRequire as __standInCreateRequire } from 'node:module'; const require = __standInCreateRequire(import.meta.url);";

export async function bundleStandIn(entryPoint: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entryPoint],
    bundle: true,
    platform: "node",
    target: "node18",
    format: "esm",
    outfile,
    banner: { js: ESBUILD_BANNER },
    logLevel: "silent",
  });
}

/**
 * The node binary that runs bundles in tests: `STAND_IN_NODE` when set (for
 * example a wrapper around Debian bookworm's nodejs 18, as the containers run),
 * else the node running the tests.
 */
export function standInNode(): string {
  const fromEnv = process.env.STAND_IN_NODE;
  return fromEnv !== undefined && fromEnv !== "" ? fromEnv : process.execPath;
}
