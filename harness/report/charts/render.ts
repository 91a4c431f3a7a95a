// Charts for the HTML reports: Vega-Lite specs compiled and rendered to SVG strings in
// Node (renderer "none": no canvas, no DOM, no network), inlined into the page when it
// is written so the report needs no script to be read.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { repoRoot } from "../../util/paths.js";

export type ChartSpec = TopLevelSpec;

// Vega's loader would fetch URLs; every chart's data is inline, so a loader that refuses
// keeps a stray URL in a spec from ever reaching the network.
const offlineLoader = vega.loader();
offlineLoader.load = async (uri: string) => {
  throw new Error(`charts are rendered offline; refusing to load ${uri}`);
};

export async function renderSvg(spec: ChartSpec): Promise<string> {
  const compiled = compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none", loader: offlineLoader });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const worker = fileURLToPath(new URL("./worker.ts", import.meta.url));

/**
 * The same, for synchronous callers (writeRunReports has always been synchronous, and its
 * callers rely on the files existing when it returns): Vega renders asynchronously, so the
 * charts are rendered in a child Node process that this call waits for.
 */
export function renderSvgSync(specs: ChartSpec[]): string[] {
  if (specs.length === 0) return [];
  const out = execFileSync(process.execPath, ["--import", "tsx", worker], {
    cwd: repoRoot,
    input: JSON.stringify(specs),
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const svgs = JSON.parse(out.toString("utf8")) as unknown;
  if (!Array.isArray(svgs) || svgs.length !== specs.length || !svgs.every((s) => typeof s === "string")) {
    throw new Error("chart worker returned something other than one SVG per chart");
  }
  return svgs as string[];
}
