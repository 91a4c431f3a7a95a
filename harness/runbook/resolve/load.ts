// One call for the scenario engine: a runbook with its annotations (inline comments,
// then the `<name>.drill.yaml` sidecar). Scenario overrides go on top with
// mergeAnnotations(loaded.annotations, overrideAnnotations(...)).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { annotationsPathFor, inlineAnnotations, loadAnnotations, mergeAnnotations, type Annotations } from "./annotations.js";
import { parseRunbook } from "../parse/parse.js";
import type { Runbook } from "../types.js";

export interface LoadedRunbook {
  runbook: Runbook;
  annotations: Annotations;
  /** The sidecar file's path relative to repoRoot (it may not exist). */
  annotationsFile: string;
}

/** Paths are relative to repoRoot, and findings and reports name them that way. */
export function loadRunbook(repoRoot: string, runbookFile: string, annotationsFile = annotationsPathFor(runbookFile)): LoadedRunbook {
  const runbook = parseRunbook(readFileSync(join(repoRoot, runbookFile), "utf8"), runbookFile);
  const annotations = mergeAnnotations(inlineAnnotations(runbook), loadAnnotations(join(repoRoot, annotationsFile), annotationsFile));
  return { runbook, annotations, annotationsFile };
}
