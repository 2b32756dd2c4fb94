/**
 * The fleet manifest as the responders see it: read from its SSM parameter at the first invocation,
 * validated with the plan's zod schema, cached for the container's life, and read again when an
 * alarm names a persona digest the cached copy does not know (a deployment changed the fleet).
 * A persona the stack does not deploy (a shift target) is found in its run-time entry, the
 * one-persona manifest the orchestrator writes at {@link runtimeManifestParameter}.
 */
import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { FleetManifest } from "../../plan/manifest.js";
import { ManifestError } from "./errors.js";

type ManifestPersona = FleetManifest["personas"][string];

/**
 * The SSM parameter holding the run-time manifest entry of `digest`: beside the fleet manifest
 * `/personas/<fleet>/manifest`, at `/personas/<fleet>/runtime-manifest/<hex digest>` (SSM names allow
 * no ':'). Undefined when the manifest parameter is not named `.../manifest`.
 * @example runtimeManifestParameter("/personas/web/manifest", "sha256:ab12…") // "/personas/web/runtime-manifest/ab12…"
 */
export function runtimeManifestParameter(manifestParameter: string, digest: string): string | undefined {
  if (!manifestParameter.endsWith("/manifest")) return undefined;
  return `${manifestParameter.slice(0, -"manifest".length)}runtime-manifest/${digest.replace(/^sha256:/, "")}`;
}

/** Reads and caches the manifest. */
export class ManifestSource {
  private cached: FleetManifest | undefined;
  /** Run-time entries by digest: a persona's entry never changes (the digest is its content). */
  private readonly runtime = new Map<string, FleetManifest>();
  private reads = 0;

  constructor(
    private readonly ssm: SSMClient,
    private readonly parameter: string,
  ) {}

  /** How many times the parameter was read (for logs and tests). */
  get readCount(): number {
    return this.reads;
  }

  /** The manifest, read at most once unless {@link ManifestSource.persona} misses. */
  async get(): Promise<FleetManifest> {
    this.cached ??= await this.load();
    return this.cached;
  }

  /** The persona with `digest`; re-reads the parameter once when the cached manifest lacks it. */
  async persona(digest: string): Promise<{ manifest: FleetManifest; persona: ManifestPersona }> {
    let manifest = await this.get();
    let persona = manifest.personas[digest];
    const known = persona === undefined ? this.runtime.get(digest) : undefined;
    if (known !== undefined) return { manifest: known, persona: known.personas[digest]! };
    if (persona === undefined) {
      this.cached = manifest = await this.load();
      persona = manifest.personas[digest];
    }
    if (persona === undefined) {
      const runtime = await this.runtimeEntry(digest);
      if (runtime !== undefined) return { manifest: runtime, persona: runtime.personas[digest]! };
    }
    if (persona === undefined) {
      throw new ManifestError(
        `The fleet manifest in ${this.parameter} has no persona with digest ${digest}; the alarm or instance belongs to a persona this fleet no longer deploys. Run \`pulumi up\` to bring alarms and the manifest back in step.`,
      );
    }
    return { manifest, persona };
  }

  /** The feed with `feedId`; re-reads once when the cached manifest lacks it. */
  async feed(feedId: string): Promise<FleetManifest["feeds"][string]> {
    let feed = (await this.get()).feeds[feedId];
    if (feed === undefined) {
      this.cached = await this.load();
      feed = this.cached.feeds[feedId];
    }
    if (feed === undefined) {
      throw new ManifestError(
        `The fleet manifest in ${this.parameter} has no feed '${feedId}'; the schedule belongs to a feed this fleet no longer deploys. Run \`pulumi up\`.`,
      );
    }
    return feed;
  }

  /** The orchestrator's entry for `digest`, cached; undefined when there is none. */
  private async runtimeEntry(digest: string): Promise<FleetManifest | undefined> {
    const name = runtimeManifestParameter(this.parameter, digest);
    if (name === undefined) return undefined;
    let entry: FleetManifest;
    try {
      entry = await this.load(name);
    } catch (error) {
      if ((error as { cause?: { name?: string } }).cause?.name === "ParameterNotFound") return undefined;
      throw error;
    }
    if (entry.personas[digest] === undefined) return undefined;
    this.runtime.set(digest, entry);
    return entry;
  }

  private async load(parameter: string = this.parameter): Promise<FleetManifest> {
    this.reads++;
    let text: string | undefined;
    try {
      const result = await this.ssm.send(new GetParameterCommand({ Name: parameter }));
      text = result.Parameter?.Value;
    } catch (error) {
      throw new ManifestError(
        `Could not read the fleet manifest from SSM parameter ${parameter}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    if (text === undefined)
      throw new ManifestError(`SSM parameter ${parameter} has no value; expected the fleet manifest (JSON).`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new ManifestError(`SSM parameter ${parameter} does not hold JSON; expected the fleet manifest.`, {
        cause: error,
      });
    }
    const parsed = FleetManifest.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`);
      throw new ManifestError(
        `The fleet manifest in ${parameter} is not one this responder understands (${problems.join("; ")}); deploy responders and manifest from the same pulumi-personas version.`,
        { cause: parsed.error },
      );
    }
    return parsed.data;
  }
}
