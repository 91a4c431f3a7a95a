// The recovery point a restore actually achieved: which backup existed at the fault,
// how many rows were written after it, and how many rows that existed before the
// fault are gone after recovery.
import type { RunningStack } from "../stack/drill-stack.js";
import { pollUntil } from "../util/poll.js";
import { runChecked } from "../util/run.js";
import { withDatabase } from "./seed.js";

export interface RecoverySnapshot {
  lastBackupAt: string;
  ids: string[];
  rowsWrittenSinceBackup: number;
}

async function lastBackupAt(stack: RunningStack): Promise<string | undefined> {
  const r = await runChecked("docker", ["exec", stack.containerName("postgres-backup"), "cat", "/backup/last-backup-at"]).catch(() => undefined);
  return r?.stdout.trim() || undefined;
}

/** Before the fault: wait for a backup taken after `after` (the seed), then count rows. */
export async function takeRecoverySnapshot(stack: RunningStack, after: string | undefined): Promise<RecoverySnapshot> {
  const since = Date.parse(after ?? new Date(0).toISOString());
  const backupAt = await pollUntil("a backup newer than the seed data", 60_000, 1000, async () => {
    const at = await lastBackupAt(stack);
    // last-backup-at has second precision: a backup in the same second may predate the seed.
    return at && Date.parse(at) >= since + 1000 ? { value: at, reason: "" } : { reason: `last backup ${at ?? "none yet"}` };
  });
  return withDatabase(stack, async (c) => {
    const rows = await c.query<{ id: string; created_at: Date }>("SELECT id::text AS id, created_at FROM documents");
    return {
      lastBackupAt: backupAt,
      ids: rows.rows.map((r) => r.id),
      rowsWrittenSinceBackup: rows.rows.filter((r) => r.created_at.getTime() > Date.parse(backupAt)).length,
    };
  });
}

/** After recovery: rows that existed before the fault and are gone now. */
export async function measureRecoveryPoint(stack: RunningStack, snap: RecoverySnapshot) {
  const present = await withDatabase(stack, async (c) => {
    const r = await c.query<{ id: string }>("SELECT id::text AS id FROM documents WHERE id::text = ANY($1)", [snap.ids]);
    return r.rows.length;
  });
  return { lastBackupAt: snap.lastBackupAt, rowsWrittenSinceBackup: snap.rowsWrittenSinceBackup, rowsLost: snap.ids.length - present };
}
