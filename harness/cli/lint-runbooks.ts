// npm run lint:runbooks [-- --json] [--runbook FILE]... [--live PROM_URL]
//                        [--scenarios DIR] [--stack COMPOSE_FILE]
// Lints every runbook in runbooks/ (or the ones named) and exits non-zero when any
// finding is an error, so CI can gate on it.
import { readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { hasErrors } from "../runbook/lint/findings.js";
import { DEFAULT_COMPOSE_FILE, DEFAULT_SCENARIOS_DIR, lintRunbook } from "../runbook/lint/lint.js";
import { formatJson, formatText, type RunbookLint } from "../runbook/lint/report.js";
import { stderrLogger } from "../util/log.js";
import { repoRoot } from "../util/paths.js";

const USAGE = `usage: lint-runbooks [--json] [--runbook FILE]... [--live PROM_URL] [--scenarios DIR] [--stack FILE]`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        json: { type: "boolean", default: false },
        runbook: { type: "string", multiple: true },
        live: { type: "string" },
        scenarios: { type: "string" },
        stack: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      allowPositionals: false,
    }).values;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // Paths on the command line are relative to where the user is; findings name them
  // relative to the repository root.
  const toRepo = (p: string): string => relative(repoRoot, resolve(process.cwd(), p));
  const runbooks = args.runbook ? args.runbook.map(toRepo) : defaultRunbooks();
  if (runbooks.length === 0) {
    process.stderr.write("no runbooks found in runbooks/\n");
    return 2;
  }

  const results: RunbookLint[] = [];
  for (const runbookFile of runbooks) {
    const { runbook, findings } = await lintRunbook({
      repoRoot,
      runbookFile,
      scenariosDir: args.scenarios ? toRepo(args.scenarios) : DEFAULT_SCENARIOS_DIR,
      composeFile: args.stack ? toRepo(args.stack) : DEFAULT_COMPOSE_FILE,
      ...(args.live ? { live: { url: args.live } } : {}),
      log: stderrLogger,
    });
    results.push({ runbook, findings });
  }
  process.stdout.write(`${args.json ? formatJson(results) : formatText(results)}\n`);
  return results.some((r) => hasErrors(r.findings)) ? 1 : 0;
}

function defaultRunbooks(): string[] {
  const dir = join(repoRoot, "runbooks");
  return readdirSync(dir)
    .filter((n) => n.endsWith(".md") && n.toLowerCase() !== "readme.md")
    .sort()
    .map((n) => join("runbooks", n));
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`lint-runbooks: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 2;
  },
);
