// Where a drill's evidence goes: reports/<UTC timestamp>-<name>/ with journal.json,
// report.md and junit.xml, and reports/latest pointing at the newest run.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Journal } from "../drill/journal.js";
import { reportsDir } from "../util/paths.js";
import { renderMarkdown } from "./markdown.js";
import { renderJunit } from "./junit.js";

export function writeRunReports(journal: Journal, root = reportsDir): string {
  const stamp = journal.startedAt.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const name = `${journal.scenario}${journal.variant ? `_${journal.variant}` : ""}`;
  const dir = join(root, `${stamp}-${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "journal.json"), `${JSON.stringify(journal, null, 2)}\n`);
  writeFileSync(join(dir, "report.md"), renderMarkdown(journal));
  writeFileSync(join(dir, "junit.xml"), renderJunit([journal]));
  const latest = join(root, "latest");
  rmSync(latest, { force: true });
  symlinkSync(`${stamp}-${name}`, latest);
  return dir;
}
