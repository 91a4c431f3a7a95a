// The files a drill leaves beside its journal, each written by one reporter rendered from
// the journal alone. The registry maps the names a caller may ask for to the reporter.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Journal } from "../drill/journal.js";
import { renderMarkdown } from "./markdown.js";
import { renderJunit } from "./junit.js";
import { renderDrillHtml } from "./html/drill.js";

export interface FileReporter {
  /** The name callers select it by (`md`, `junit`, `json`, `html`). */
  readonly name: string;
  /** The file it writes in the run's directory. */
  readonly file: string;
  /** Writes the file into `dir` and returns its path (synchronously: callers read the files next). */
  write(journal: Journal, dir: string): string;
}

function fileReporter(name: string, file: string, render: (j: Journal) => string): FileReporter {
  return {
    name,
    file,
    write(journal, dir) {
      const path = join(dir, file);
      writeFileSync(path, render(journal));
      return path;
    },
  };
}

export const reporters = {
  json: fileReporter("json", "journal.json", (j) => `${JSON.stringify(j, null, 2)}\n`),
  md: fileReporter("md", "report.md", renderMarkdown),
  junit: fileReporter("junit", "junit.xml", (j) => renderJunit([j])),
  html: fileReporter("html", "report.html", renderDrillHtml),
} satisfies Record<string, FileReporter>;

export type ReporterName = keyof typeof reporters;
export const reporterNames = Object.keys(reporters) as ReporterName[];

export function reporterByName(name: string): FileReporter {
  const r = (reporters as Record<string, FileReporter>)[name];
  if (!r) throw new Error(`no reporter named "${name}" (known: ${reporterNames.join(", ")})`);
  return r;
}
