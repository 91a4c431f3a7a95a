// Every label the harness puts on Docker resources, named once. The labels are how a
// drill finds its own containers, volumes, networks and images (teardown, the sweep of
// leftovers, the scope guard's narrowing), so every reader and writer takes them from here.

/** The drill project a container, network or volume belongs to. */
export const labelProject = "io.runbook-drills.project";
/** The process that owns the drill; a preflight sweeps a project whose owner is gone. */
export const labelOwnerPid = "io.runbook-drills.owner-pid";
export const labelOwnerHost = "io.runbook-drills.owner-host";
/** The compose service a container of a derived drill stack runs. */
export const labelService = "io.runbook-drills.service";
/** What a container is for when it is not a service of the stack (the operator shell). */
export const labelRole = "io.runbook-drills.role";
/** On the marker volume of a stack kept with --keep: the kept project. */
export const labelKept = "io.runbook-drills.kept";
/** On an image the harness built: which image it is. */
export const labelImage = "io.runbook-drills.image";
