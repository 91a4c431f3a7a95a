// What belongs to one drill, and how the production names a runbook uses map onto it.
//
// Production names        drill names
//   postgresql              <project>-postgresql      (container_name of each service)
//   docker-compose_X        <project>_X               (compose-created volumes, networks)
//
// Anything else is the drill's only when the engine says so: containers and networks
// carrying the project label, found by name or ID (prefix), and anonymous volumes
// mounted by the drill's containers. A ref resolved through the engine is handed on as
// the full ID, so the engine can never resolve it to something else (Docker matches a
// full ID, then a name, then an ID prefix: "abc" could name an outsider's container
// while prefixing one of ours).
import type Docker from "dockerode";
import { labelImage, labelProject } from "../stack/labels.js";

/** `postgres` -> `postgres:latest`, `docker.io/library/x:1` -> `x:1`: how the engine lists tags. */
export function normalImageRef(ref: string): string {
  let r = ref.replace(/^docker\.io\/(library\/)?/, "").replace(/^index\.docker\.io\/(library\/)?/, "");
  if (!r.includes("@") && !/:[^/]+$/.test(r)) r = `${r}:latest`;
  return r;
}

export interface DrillContainer {
  id: string;
  /** Names without the leading slash. */
  names: string[];
  /** Names of the volumes it mounts (named and anonymous). */
  volumes: string[];
}

export interface DrillNetwork {
  id: string;
  name: string;
}

export interface EngineImage {
  id: string;
  tags: string[];
  labels: Record<string, string>;
}

/** The engine's view of the drill's labelled resources. */
export interface EngineLookup {
  containers(): Promise<DrillContainer[]>;
  networks(): Promise<DrillNetwork[]>;
  /** Every image on the engine (the scope keeps the drill's). */
  images(): Promise<EngineImage[]>;
}

export function dockerLookup(docker: Docker, project: string): EngineLookup {
  const filters = JSON.stringify({ label: [`${labelProject}=${project}`] });
  return {
    async containers() {
      const list = await docker.listContainers({ all: true, filters });
      return list.map((c) => ({
        id: c.Id,
        names: c.Names.map((n) => n.replace(/^\//, "")),
        volumes: c.Mounts.filter((m) => m.Type === "volume" && m.Name).map((m) => m.Name as string),
      }));
    },
    async networks() {
      const list = await docker.listNetworks({ filters });
      return list.map((n) => ({ id: n.Id, name: n.Name }));
    },
    async images() {
      const list = await docker.listImages();
      return list.map((i) => ({ id: i.Id, tags: i.RepoTags ?? [], labels: i.Labels ?? {} }));
    },
  };
}

export interface DrillScopeOptions {
  project: string;
  /** Compose project name of production (`docker-compose`, from ~/app/docker-compose). */
  productionProject: string;
  /** Production container names, which are also the compose service names. */
  services: readonly string[];
  /** The harness's own containers (the operator shell): invisible and untouchable from inside. */
  hiddenContainers?: readonly string[];
  lookup: EngineLookup;
  /** Image references the drill's services run; with the drills' labelled image cache, the only images a step may use. */
  images?: readonly string[];
  /** How long an engine listing is trusted before it is fetched again. */
  cacheMs?: number;
}

const hex = /^[0-9a-f]+$/;
// What Docker allows in a container, volume or network name. Anything else (a "/", a
// "..") could make a path segment mean another endpoint once the engine decodes it.
const validName = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export class DrillScope {
  readonly project: string;
  readonly projectLabel: string;
  private readonly productionPrefix: string;
  private readonly services: ReadonlySet<string>;
  private readonly hidden: ReadonlySet<string>;
  private readonly lookup: EngineLookup;
  private readonly cacheMs: number;
  private containerCache?: { at: number; list: Promise<DrillContainer[]> };
  private networkCache?: { at: number; list: Promise<DrillNetwork[]> };
  private readonly imageRefs: ReadonlySet<string>;
  /** Exec instances created through the guard: the only ones it lets be started or inspected. */
  private readonly execs = new Set<string>();

  constructor(opts: DrillScopeOptions) {
    this.project = opts.project;
    this.projectLabel = `${labelProject}=${opts.project}`;
    this.productionPrefix = `${opts.productionProject}_`;
    this.services = new Set(opts.services);
    this.hidden = new Set(opts.hiddenContainers ?? []);
    this.lookup = opts.lookup;
    this.imageRefs = new Set((opts.images ?? []).map(normalImageRef));
    this.cacheMs = opts.cacheMs ?? 1000;
  }

  /** Is a name in the drill's namespace (`<project>-*` containers, `<project>_*` volumes and networks)? */
  ownsName(name: string): boolean {
    return validName.test(name) && (name.startsWith(`${this.project}-`) || name.startsWith(`${this.project}_`));
  }

  isHidden(names: readonly string[]): boolean {
    return names.some((n) => this.hidden.has(n.replace(/^\//, "")));
  }

  /** `postgresql` -> `<project>-postgresql`; other names unchanged. */
  containerName(name: string): string {
    return this.services.has(name) ? `${this.project}-${name}` : name;
  }

  /** `docker-compose_postgres-data` -> `<project>_postgres-data`; other names unchanged. */
  composeName(name: string): string {
    return name.startsWith(this.productionPrefix) ? `${this.project}_${name.slice(this.productionPrefix.length)}` : name;
  }

  /** The drill's container a ref means, or undefined when it is not the drill's. */
  async container(ref: string): Promise<string | undefined> {
    if (!validName.test(ref)) return undefined;
    const name = this.containerName(ref);
    if (this.hidden.has(name)) return undefined;
    // A name in the namespace is ours even when the container is gone: the engine
    // then answers "No such container", as production would.
    if (this.ownsName(name)) return name;
    for (const fresh of [false, true]) {
      const list = (await this.containers(fresh)).filter((c) => !this.isHidden(c.names));
      const byName = list.find((c) => c.names.includes(ref));
      if (byName) return byName.id;
      if (hex.test(ref)) {
        const byId = list.filter((c) => c.id.startsWith(ref));
        if (byId.length === 1 && byId[0]) return byId[0].id;
      }
    }
    return undefined;
  }

  /** The drill's volume a name means, or undefined. */
  async volume(name: string): Promise<string | undefined> {
    if (!validName.test(name)) return undefined;
    const mapped = this.composeName(name);
    if (this.ownsName(mapped)) return mapped;
    // Anonymous volumes carry no labels: they are the drill's when its containers mount them.
    for (const fresh of [false, true]) {
      if ((await this.containers(fresh)).some((c) => c.volumes.includes(name))) return name;
    }
    return undefined;
  }

  /** The drill's network a ref means, or undefined. */
  async network(ref: string): Promise<string | undefined> {
    if (!validName.test(ref)) return undefined;
    const mapped = this.composeName(ref);
    if (this.ownsName(mapped)) return mapped;
    for (const fresh of [false, true]) {
      const list = await this.networks(fresh);
      const byName = list.find((n) => n.name === ref);
      if (byName) return byName.id;
      if (hex.test(ref)) {
        const byId = list.filter((n) => n.id.startsWith(ref));
        if (byId.length === 1 && byId[0]) return byId[0].id;
      }
    }
    return undefined;
  }

  /**
   * Is an image reference (tag, full ID or ID prefix) one of the drill's: an image its
   * services run or one of the drills' own labelled build cache? Others are not
   * inspected, run or listed: their config holds someone else's environment.
   */
  async image(ref: string): Promise<boolean> {
    if (ref === "" || ref.includes("..")) return false;
    const ours = (await this.lookup.images()).filter((i) => i.labels[labelImage] !== undefined || i.tags.some((t) => this.imageRefs.has(t)));
    const wanted = normalImageRef(ref);
    if (ours.some((i) => i.tags.includes(wanted))) return true;
    const id = ref.replace(/^sha256:/, "");
    return /^[0-9a-f]{6,64}$/.test(id) && ours.some((i) => i.id.replace(/^sha256:/, "").startsWith(id));
  }

  addExec(id: string): void {
    this.execs.add(id);
  }

  ownsExec(id: string): boolean {
    return this.execs.has(id);
  }

  /** Forget cached listings (after the guard forwarded something that changes them). */
  invalidate(): void {
    this.containerCache = undefined;
    this.networkCache = undefined;
  }

  private containers(fresh: boolean): Promise<DrillContainer[]> {
    if (fresh || !this.containerCache || Date.now() - this.containerCache.at > this.cacheMs) {
      const list = this.lookup.containers();
      // A failed listing is not cached: the next request asks the engine again.
      list.catch(() => (this.containerCache = undefined));
      this.containerCache = { at: Date.now(), list };
    }
    return this.containerCache.list;
  }

  private networks(fresh: boolean): Promise<DrillNetwork[]> {
    if (fresh || !this.networkCache || Date.now() - this.networkCache.at > this.cacheMs) {
      const list = this.lookup.networks();
      list.catch(() => (this.networkCache = undefined));
      this.networkCache = { at: Date.now(), list };
    }
    return this.networkCache.list;
  }
}
