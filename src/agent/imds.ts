/**
 * The Azure instance metadata service (IMDS, `169.254.169.254`, header `Metadata: true`: "Azure
 * Instance Metadata Service", Microsoft Learn) as the agent's Azure publishers use it: the VM's
 * location and resource id, and access tokens of the VM's managed identity for a resource ("How to
 * use managed identities for Azure resources on an Azure VM to acquire an access token"). One
 * instance serves every Azure publisher of the agent, so the metadata is read once and each
 * resource's token is cached until five minutes before it expires.
 */

/** Where and how the metadata service is asked. */
export interface AzureInstanceMetadataOptions {
  /** The IMDS origin. @default "http://169.254.169.254" (tests: a loopback server) */
  readonly imdsOrigin?: string;
  /** The client id of the VM's user-assigned identity (the components assign one). */
  readonly clientId?: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default Date.now */
  readonly now?: () => number;
}

/** What the agent needs to know about its VM. */
export interface AzureCompute {
  /** The VM's region, e.g. `westeurope`. */
  readonly location: string;
  /** The VM's Azure resource id. */
  readonly resourceId: string;
}

/** Tokens are renewed this long before they expire, so a request never carries one about to lapse. */
const TOKEN_RENEWAL_MARGIN_MS = 300_000;

/**
 * Reads the VM's metadata and its identity's tokens from IMDS. Failures throw plain errors; the
 * publishers wrap them in a retryable `PublishError` (IMDS or the identity may come back).
 *
 * @example
 * ```ts
 * const metadata = new AzureInstanceMetadata({ clientId: process.env.PERSONAS_AGENT_CLIENT_ID });
 * const token = await metadata.accessToken("https://monitor.azure.com");
 * ```
 */
export class AzureInstanceMetadata {
  private readonly fetchImpl: typeof fetch;
  readonly now: () => number;
  private instance: AzureCompute | undefined;
  private readonly tokens = new Map<string, { value: string; expiresAt: number }>();

  constructor(private readonly options: AzureInstanceMetadataOptions = {}) {
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
  }

  /** The VM's metadata if it has been read already (publishers size requests with it). */
  get knownCompute(): AzureCompute | undefined {
    return this.instance;
  }

  /** The client id of the identity tokens are asked for, if one was named. */
  get clientId(): string | undefined {
    return this.options.clientId;
  }

  /** The VM's location and resource id, read once. */
  async compute(): Promise<AzureCompute> {
    if (this.instance) return this.instance;
    const compute = (await this.get("/metadata/instance/compute", { "api-version": "2021-02-01" })) as {
      location?: unknown;
      resourceId?: unknown;
    };
    if (typeof compute.location !== "string" || typeof compute.resourceId !== "string")
      throw new Error("the instance metadata has no location or resourceId");
    this.instance = { location: compute.location, resourceId: compute.resourceId };
    return this.instance;
  }

  /** A token of the VM's identity for `resource`, reused until five minutes before it expires. */
  async accessToken(resource: string): Promise<string> {
    const cached = this.tokens.get(resource);
    if (cached && this.now() < cached.expiresAt - TOKEN_RENEWAL_MARGIN_MS) return cached.value;
    const body = (await this.get("/metadata/identity/oauth2/token", {
      "api-version": "2018-02-01",
      resource,
      ...(this.options.clientId ? { client_id: this.options.clientId } : {}),
    })) as { access_token?: unknown; expires_on?: unknown };
    if (typeof body.access_token !== "string" || body.access_token === "")
      throw new Error("the instance metadata service returned no access_token");
    const expiresOn = Number(body.expires_on);
    const token = {
      value: body.access_token,
      expiresAt: Number.isFinite(expiresOn) ? expiresOn * 1000 : this.now() + 3_600_000,
    };
    this.tokens.set(resource, token);
    return token.value;
  }

  /** Forgets the token for `resource` (the service refused it), so the next call asks IMDS again. */
  forgetToken(resource: string): void {
    this.tokens.delete(resource);
  }

  private async get(path: string, query: Record<string, string>): Promise<unknown> {
    const url = new URL(`${this.options.imdsOrigin ?? "http://169.254.169.254"}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const response = await this.fetchImpl(url, {
      headers: { Metadata: "true" },
      signal: AbortSignal.timeout(5_000),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(
        `the instance metadata service answered ${response.status} for ${path}: ${text.slice(0, 200)}`,
      );
    return JSON.parse(text);
  }
}
