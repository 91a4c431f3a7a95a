// Preflight: before anything starts, the runbook section and steps the scenario names exist,
// the evidence names the exact text, and this profile can serve every service the drill needs.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { allSteps } from "../../runbook/parse/parse.js";
import { implementationOf } from "../../stack/catalog.js";
import { repoRoot } from "../../util/paths.js";
import { run } from "../../util/run.js";
import type { DrillContext } from "../context.js";

/** The runbook file's last commit, marked when the working copy differs. */
async function runbookRevision(file: string): Promise<string> {
  const rev = await run("git", ["log", "-1", "--format=%H", "--", file], { cwd: repoRoot }).catch(() => undefined);
  const dirty = await run("git", ["diff", "--quiet", "HEAD", "--", file], { cwd: repoRoot }).catch(() => undefined);
  const hash = rev?.exitCode === 0 && rev.stdout.trim() ? rev.stdout.trim() : "uncommitted";
  return dirty && dirty.exitCode !== 0 ? `${hash}+local-changes` : hash;
}

/** False when the drill stops here: preflight failed, or the profile cannot serve it (not run). */
export async function preflight(ctx: DrillContext): Promise<boolean> {
  const { drill, section, profile } = ctx;
  const journal = ctx.record.journal;
  const ok = await ctx.record.phase("preflight", async (rec) => {
    journal.runbook.revision = await runbookRevision(drill.runbook.file);
    if (!section) throw new Error(`${drill.source}: runbook ${drill.runbook.file} has no section ${drill.runbook.section}`);
    journal.runbook.title = section.title;
    const lines = readFileSync(join(repoRoot, drill.runbook.file), "utf8").split("\n").slice(section.line - 1, section.endLine);
    journal.runbook.sectionSha256 = createHash("sha256").update(lines.join("\n")).digest("hex");
    // Steps come from the drill's section; a scenario may escalate to another
    // section's step (e.g. 1.5 "Start services") when the section's own fail.
    const known = allSteps(ctx.runbook.runbook).map((st) => st.id);
    const missingSteps = drill.steps.filter((id) => !known.includes(id));
    if (missingSteps.length > 0) {
      throw new Error(`${drill.source}: ${drill.runbook.file} has no step ${missingSteps.join(", ")} (section ${section.number} has ${section.steps.map((st) => st.id).join(", ")})`);
    }
    const absent = (drill.needs ?? []).filter((s) => implementationOf(profile.profile, s).kind === "absent");
    if (absent.length > 0) {
      journal.status = "not-run";
      journal.reason = `the ${profile.profile} profile cannot serve ${absent.join(", ")}`;
      rec.detail = journal.reason;
      return "skipped";
    }
    return "passed";
  });
  if (!ok) journal.status = "failed";
  return ok && !journal.reason;
}
