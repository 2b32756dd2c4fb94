/**
 * The fleet manifest as the responders see it: read from its SSM parameter at the first invocation,
 * validated with the plan's zod schema, cached for the container's life, and read again when an
 * alarm names a persona digest the cached copy does not know (a deployment changed the fleet).
 */
import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { FleetManifest } from "../../plan/manifest.js";
import { ManifestError } from "./errors.js";

type ManifestPersona = FleetManifest["personas"][string];

/** Reads and caches the manifest. */
export class ManifestSource {
  private cached: FleetManifest | undefined;
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
    if (persona === undefined) {
      this.cached = manifest = await this.load();
      persona = manifest.personas[digest];
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

  private async load(): Promise<FleetManifest> {
    this.reads++;
    let text: string | undefined;
    try {
      const result = await this.ssm.send(new GetParameterCommand({ Name: this.parameter }));
      text = result.Parameter?.Value;
    } catch (error) {
      throw new ManifestError(
        `Could not read the fleet manifest from SSM parameter ${this.parameter}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    if (text === undefined)
      throw new ManifestError(
        `SSM parameter ${this.parameter} has no value; expected the fleet manifest (JSON).`,
      );
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new ManifestError(
        `SSM parameter ${this.parameter} does not hold JSON; expected the fleet manifest.`,
        { cause: error },
      );
    }
    const parsed = FleetManifest.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`);
      throw new ManifestError(
        `The fleet manifest in ${this.parameter} is not one this responder understands (${problems.join("; ")}); deploy responders and manifest from the same pulumi-personas version.`,
        { cause: parsed.error },
      );
    }
    return parsed.data;
  }
}
