// The few git questions `affected` asks, run without a shell (paths and refs come from a
// pull request and are passed as arguments, never interpolated into a command line).
import { execFileSync } from "node:child_process";

export type ChangeStatus = "added" | "modified" | "deleted";

export interface ChangedFile {
  path: string;
  status: ChangeStatus;
}

export class GitError extends Error {}

function git(root: string, args: string[]): string {
  try {
    return execFileSync("git", args, { cwd: root, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new GitError(`git ${args.join(" ")} failed${stderr ? `: ${stderr}` : ""}`);
  }
}

/** The commit `base...head` diffs from: what the branch started from, so commits that
 *  landed on the base branch since are not counted as this branch's changes. */
export function mergeBase(root: string, base: string, head: string): string {
  try {
    return git(root, ["merge-base", base, head]).trim();
  } catch (err) {
    // Typical in CI: a shallow clone holds no common ancestor.
    throw new GitError(`${(err as Error).message} (no common ancestor of ${base} and ${head}: is the clone shallow? fetch the history, e.g. fetch-depth: 0)`);
  }
}

export function revParse(root: string, ref: string): string {
  return git(root, ["rev-parse", "--verify", `${ref}^{commit}`]).trim();
}

/** `git diff --name-status base...head`, renames split into a deletion and an addition
 *  (both sides matter: the old path's drills and the new path's). */
export function changedFiles(root: string, base: string, head: string): ChangedFile[] {
  const out = git(root, ["diff", "--name-status", "--no-renames", "-z", `${base}...${head}`]);
  const parts = out.split("\0").filter((p) => p !== "");
  const files: ChangedFile[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const code = parts[i]!.charAt(0);
    const status: ChangeStatus = code === "A" ? "added" : code === "D" ? "deleted" : "modified";
    files.push({ path: parts[i + 1]!, status });
  }
  return files;
}

/** A file's text at a revision, or undefined when it does not exist there. */
export function fileAt(root: string, rev: string, path: string): string | undefined {
  const exists = (() => {
    try {
      execFileSync("git", ["cat-file", "-e", `${rev}:${path}`], { cwd: root, stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();
  return exists ? git(root, ["show", `${rev}:${path}`]) : undefined;
}
