// Canaries: resources named and labelled like the production stack's, outside any drill,
// made the way prune is most likely to take them: a stopped container, a volume nothing
// uses, a network with nobody on it, an image no container runs. The drills' runbooks
// prune (disk-full runs `docker system prune -a --volumes -f`) and remove volumes; not
// one canary may be touched.
// Names carry a random suffix: other checkouts' drills and tests share this engine, and
// scope-attacks.test.ts holds the exact production names while it runs. The compose
// labels are production's own, so a filter by compose project would catch them.
import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import { tarArchive } from "../../harness/ops/tar.js";

const ownerLabel = "org.runbook-drills-test.canary";

export interface Canaries {
  id: string;
  names: { container: string; volumes: string[]; network: string; images: string[] };
}

interface Fingerprint {
  kind: string;
  name: string;
  /** The engine's id or creation time: a resource removed and made again is not the canary. */
  identity: string | undefined;
}

const composeLabels = (service?: string) => ({
  "com.docker.compose.project": "docker-compose",
  ...(service ? { "com.docker.compose.service": service } : {}),
});

export async function createCanaries(docker: Docker): Promise<Canaries> {
  const id = randomBytes(3).toString("hex");
  const labels = { [ownerLabel]: id };
  const names = {
    container: `postgresql-${id}`,
    volumes: [`docker-compose_postgres-data-${id}`, `docker-compose_minio-data-${id}`],
    network: `docker-compose_app-network-${id}`,
    images: [`canary-postgres-${id}:1`, `canary-unrelated-${id}:1`],
  };
  // Images from scratch with one file: no base image or registry needed.
  for (const ref of names.images) {
    const context = tarArchive([
      { path: "Dockerfile", content: `FROM scratch\nCOPY canary /canary\nLABEL ${ownerLabel}=${id}\n` },
      { path: "canary", content: `${ref}\n` },
    ]);
    const stream = await docker.buildImage(context as unknown as NodeJS.ReadableStream, { t: ref, labels });
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
  }
  for (const v of names.volumes) await docker.createVolume({ Name: v, Labels: { ...labels, ...composeLabels(), "com.docker.compose.volume": v.replace(/^docker-compose_|-[0-9a-f]+$/g, "") } });
  await docker.createNetwork({ Name: names.network, Labels: { ...labels, ...composeLabels(), "com.docker.compose.network": "app-network" } });
  // Created, never started: what `docker container prune` removes first.
  await docker.createContainer({
    name: names.container,
    Image: names.images[0],
    Cmd: ["/canary"],
    Labels: { ...labels, ...composeLabels("postgresql") },
    HostConfig: { Binds: [`${names.volumes[0]}:/var/lib/postgresql/data`] },
  });
  return { id, names };
}

export async function fingerprint(docker: Docker, c: Canaries): Promise<Fingerprint[]> {
  const out: Fingerprint[] = [];
  out.push({ kind: "container", name: c.names.container, identity: (await docker.getContainer(c.names.container).inspect().catch(() => undefined))?.Id });
  for (const v of c.names.volumes) out.push({ kind: "volume", name: v, identity: ((await docker.getVolume(v).inspect().catch(() => undefined)) as { CreatedAt?: string } | undefined)?.CreatedAt });
  out.push({ kind: "network", name: c.names.network, identity: (await docker.getNetwork(c.names.network).inspect().catch(() => undefined))?.Id });
  for (const i of c.names.images) out.push({ kind: "image", name: i, identity: (await docker.getImage(i).inspect().catch(() => undefined))?.Id });
  return out;
}

/** Remove every canary of this run (by its label), whatever happened before. */
export async function removeCanaries(docker: Docker, c: Canaries): Promise<void> {
  const filters = JSON.stringify({ label: [`${ownerLabel}=${c.id}`] });
  for (const x of await docker.listContainers({ all: true, filters }).catch(() => [])) await docker.getContainer(x.Id).remove({ force: true }).catch(() => {});
  for (const n of await docker.listNetworks({ filters }).catch(() => [])) await docker.getNetwork(n.Id).remove().catch(() => {});
  for (const v of (await docker.listVolumes({ filters }).catch(() => ({ Volumes: [] }))).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => {});
  for (const i of c.names.images) await docker.getImage(i).remove({ force: true }).catch(() => {});
}
