// Teardown: the fault reverted where the stack stays or the drill failed, the shell
// closed, every resource of the drill removed; a drill that leaves anything behind fails.
import type { DrillContext } from "../context.js";

export async function teardown(ctx: DrillContext): Promise<void> {
  const { journal } = ctx.record;
  const { stack, state } = ctx;
  const keep = ctx.deps.keep === true;
  await ctx.record.phase("teardown", async (rec) => {
    if (state.fault && (journal.status !== "passed" || keep)) {
      await state.fault.revert();
      if (journal.fault) journal.fault.revertedAt = ctx.record.at();
    }
    await state.load?.abort().catch(() => {});
    await ctx.shell?.close().catch(() => {});
    if (stack && !keep) {
      const down = await stack.down();
      // Name every leftover: a resource per kind, with the engine's reason where it gave one.
      const left = down.leftBehind.flatMap((r) => {
        const why = (kind: string, name: string) => r.failures?.find((f) => f.kind === kind && f.name === name)?.reason ?? "still present after teardown";
        return [
          ...r.containers.map((name) => ({ kind: "container", name, reason: why("container", name) })),
          ...r.networks.map((name) => ({ kind: "network", name, reason: why("network", name) })),
          ...r.volumes.map((name) => ({ kind: "volume", name, reason: why("volume", name) })),
        ];
      });
      journal.teardown = { seconds: down.seconds, leftBehind: left.length, left: left.length ? left : undefined };
      rec.detail = `removed in ${down.seconds.toFixed(1)} s; ${left.length} resources left behind`;
      if (left.length === 0) return "passed";
      // A drill that leaves resources behind fails, whatever came before.
      ctx.record.finding("teardown", `left behind: ${left.map((l) => `${l.kind} ${l.name} (${l.reason})`).join("; ")}`, undefined, false);
      journal.status = journal.status === "not-run" ? journal.status : "failed";
      return "failed";
    }
    rec.detail = stack ? `kept: ${stack.project}` : "nothing was started";
    return stack ? "passed" : "skipped";
  });
}
