// Several faults at once (a full disk while PostgreSQL is stopped): each applied in
// order, reverted in reverse. A fault that fails to apply reverts those before it.
import type { AppliedFault, Fault, FaultContext } from "./fault.js";

export function combined(library: Readonly<Record<string, Fault>>): Fault {
  return async (ctx: FaultContext, params) => {
    const of = params.of;
    if (!Array.isArray(of) || of.length === 0) throw new Error('fault "combined" needs `of`: a list of faults');
    const applied: AppliedFault[] = [];
    try {
      for (const spec of of as { kind?: unknown }[]) {
        const kind = typeof spec?.kind === "string" ? spec.kind : "";
        const f = library[kind];
        if (!f || kind === "combined") throw new Error(`fault "combined": "${kind}" is not a fault of the library`);
        const { kind: _k, ...rest } = spec as Record<string, unknown>;
        applied.push(await f(ctx, rest));
      }
    } catch (err) {
      for (const a of applied.reverse()) await a.revert().catch(() => {});
      throw err;
    }
    return {
      detail: applied.map((a) => a.detail).join("; then "),
      revert: async () => {
        for (const a of [...applied].reverse()) await a.revert().catch(() => {});
      },
      observations: () => applied.flatMap((a) => a.observations?.() ?? []),
    };
  };
}
