/**
 * Tokens from a managed identity, without @azure/identity (the bundles stay small): on Functions
 * the App Service identity endpoint (`IDENTITY_ENDPOINT` + `X-IDENTITY-HEADER`, api-version
 * 2019-08-01, "How to use managed identities for App Service and Azure Functions", Microsoft Learn),
 * on a VM the instance metadata service (`169.254.169.254`, header `Metadata: true`, api-version
 * 2018-02-01, "How to use managed identities for Azure resources on an Azure VM to acquire an access
 * token"). A token is reused until five minutes before it expires.
 */
import { AzureConfigError } from "./errors.js";

/** The IMDS token endpoint on every Azure VM. */
export const IMDS_TOKEN_URL = "http://169.254.169.254/metadata/identity/oauth2/token";

/** Where to ask for tokens. */
export interface ManagedIdentityOptions {
  /** `https://management.azure.com/`, `https://storage.azure.com/`, `https://monitor.azure.com/`. */
  resource: string;
  /** A user-assigned identity's client id; unset: the system-assigned identity. */
  clientId?: string;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Overrides the endpoint (tests: a loopback IMDS). @default IDENTITY_ENDPOINT, else IMDS */
  endpoint?: string;
  /** @default Date.now */
  now?: () => number;
}

/** A cached token source. */
export function managedIdentityToken(options: ManagedIdentityOptions): () => Promise<string> {
  let cached: { token: string; expiresAt: number } | undefined;
  const now = options.now ?? Date.now;
  return async () => {
    if (cached !== undefined && now() < cached.expiresAt - 300_000) return cached.token;
    const fresh = await requestToken(options);
    cached = fresh;
    return fresh.token;
  };
}

/** The same tokens as an `@azure/core-auth` TokenCredential (for the storage SDK clients). */
export function tokenCredential(options: Omit<ManagedIdentityOptions, "resource">) {
  const sources = new Map<string, () => Promise<string>>();
  return {
    async getToken(scopes: string | string[]) {
      const scope = Array.isArray(scopes) ? scopes[0]! : scopes;
      const resource = scope.replace(/\.default$/, "");
      let source = sources.get(resource);
      if (source === undefined) {
        source = managedIdentityToken({ ...options, resource });
        sources.set(resource, source);
      }
      // core-auth asks for the expiry; the source refreshes five minutes early, so an hour is safe here.
      return { token: await source(), expiresOnTimestamp: (options.now ?? Date.now)() + 300_000 };
    },
  };
}

async function requestToken(options: ManagedIdentityOptions): Promise<{ token: string; expiresAt: number }> {
  const env = options.env ?? process.env;
  const appService = env.IDENTITY_ENDPOINT !== undefined && env.IDENTITY_HEADER !== undefined;
  const base = options.endpoint ?? (appService ? env.IDENTITY_ENDPOINT! : IMDS_TOKEN_URL);
  const url = new URL(base);
  url.searchParams.set(
    "api-version",
    appService && options.endpoint === undefined ? "2019-08-01" : "2018-02-01",
  );
  url.searchParams.set("resource", options.resource);
  if (options.clientId !== undefined) url.searchParams.set("client_id", options.clientId);
  const headers: Record<string, string> = appService
    ? { "X-IDENTITY-HEADER": env.IDENTITY_HEADER! }
    : { Metadata: "true" };
  const response = await (options.fetch ?? globalThis.fetch)(url, {
    headers,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new AzureConfigError(
      "managed identity",
      `The managed identity endpoint answered ${response.status} for ${options.resource}: ${text.slice(0, 200)}. Check that the ${appService ? "Function App" : "VM"} has the identity the stack assigned${options.clientId ? ` (client id ${options.clientId})` : ""}.`,
    );
  }
  const body = JSON.parse(text) as { access_token?: string; expires_on?: string | number };
  if (typeof body.access_token !== "string" || body.access_token === "") {
    throw new AzureConfigError(
      "managed identity",
      `The managed identity endpoint returned no access_token for ${options.resource}.`,
    );
  }
  const expiresOn = Number(body.expires_on);
  return {
    token: body.access_token,
    expiresAt: Number.isFinite(expiresOn) ? expiresOn * 1000 : (options.now ?? Date.now)() + 3_600_000,
  };
}
