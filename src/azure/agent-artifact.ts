/**
 * Ships the personas agent with the stack, as on AWS: the bundled agent file becomes a blob in the
 * fleet's storage account (a Pulumi `FileAsset`, container `personas-agent`), the VMs' user-assigned
 * identity may read that container and nothing else in the account (Storage Blob Data Reader), and
 * the custom data fetches the blob with the identity's token and checks its SHA-256 before it runs.
 * Nothing at boot depends on a package registry.
 */
import * as storage from "@pulumi/azure-native/storage/index.js";
import * as pulumi from "@pulumi/pulumi";
import { type AgentBundle, findAgentBundle } from "../agent/bundle.js";
import { DEFAULT_PROBE_TARGETS } from "../plan/defaults.js";
import type { FleetPlan } from "../plan/plan.js";
import { AGENT_SHA256_METADATA, STORAGE_NAMES } from "../runtime/azure/contract.js";
import type { AzureAgentInstall, AzureAgentSource } from "./custom-data.js";
import { AzureInvalidArgumentsError, type ComponentErrorContext } from "./errors.js";
import { storageAccountName } from "./names.js";
import { type AzureAgentArgs, type AzureFleetResources, assignRole } from "./render.js";

/** Storage Blob Data Reader ("Azure built-in roles", Storage). */
export const STORAGE_BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";

/**
 * Reads the bundled agent and its digest.
 * @throws AzureInvalidArgumentsError when no bundle exists at the given path or the default places.
 * @internal
 */
export function readAzureAgentBundle(context: ComponentErrorContext, path?: string): AgentBundle {
  const found = findAgentBundle(path);
  if ("looked" in found)
    throw new AzureInvalidArgumentsError(
      context,
      `the personas agent bundle was not found (looked at ${found.looked.join(", ")})`,
      "run `npm run build` in pulumi-personas (it writes dist/agent/personas-agent.cjs), or pass agent.bundle",
    );
  return found;
}

/** The blob name of a bundle: content-addressed, so a new agent is a new blob and VMs never read a half-written one. */
export function agentBlobName(bundle: AgentBundle): string {
  return `personas-agent-${bundle.sha256.slice(0, 16)}.cjs`;
}

/**
 * Uploads the bundle into the fleet's `personas-agent` container and lets the VMs' identity read that
 * container. The source resolves once the blob and the role assignment exist.
 * @internal
 */
export function renderAzureAgentArtifact(
  parent: pulumi.Resource,
  name: string,
  fleet: AzureFleetResources,
  bundle: AgentBundle,
): { blob: storage.Blob; source: pulumi.Output<AzureAgentSource> } {
  const account = { resourceGroupName: fleet.resourceGroup.name, accountName: fleet.storageAccount.name };
  const container = new storage.BlobContainer(
    `${name}-agent`,
    { ...account, containerName: STORAGE_NAMES.agentContainer, publicAccess: "None" },
    { parent },
  );
  const blob = new storage.Blob(
    `${name}-agent`,
    {
      ...account,
      containerName: STORAGE_NAMES.agentContainer,
      blobName: agentBlobName(bundle),
      type: "Block",
      contentType: "application/javascript",
      // `personas plan` prints it; the VM checks the file against the digest in its custom data.
      metadata: { [AGENT_SHA256_METADATA]: bundle.sha256 },
      source: new pulumi.asset.FileAsset(bundle.path),
    },
    { parent, dependsOn: [container] },
  );
  const reader = assignRole(
    parent,
    `${name}-vm-agent-reader`,
    container.id,
    pulumi.interpolate`/subscriptions/${fleet.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${STORAGE_BLOB_DATA_READER}`,
    fleet.vmIdentity.principalId,
    "personas agent: read the agent blob",
  );
  // The account's name as the account is named (storageAccountName), not as a mock engine reports it.
  const accountName = fleet.subscriptionId.apply((subscriptionId) =>
    storageAccountName({ ...fleet.scope, subscriptionId }),
  );
  const source = pulumi
    .all([accountName, fleet.vmIdentity.clientId, blob.id, reader.id])
    .apply(([name, clientId]) => ({
      accountName: name,
      container: STORAGE_NAMES.agentContainer,
      blobName: agentBlobName(bundle),
      clientId,
      sha256: bundle.sha256,
    }));
  return { blob, source };
}

/** The agent install of a fleet's VMs: what the custom data fetches and runs, and the upper bound of its source. */
export interface AgentInstallPlan {
  /** Resolves once the blob and the identity's read grant exist. */
  install: pulumi.Output<AzureAgentInstall>;
  /** The same install with the longest values its source can have: custom data sizes are checked with it. */
  worstCase: AzureAgentInstall;
}

/**
 * When a persona of the plan needs the personas agent: uploads the bundle and returns its install;
 * otherwise undefined (nothing is uploaded).
 * @internal
 */
export function planAgentInstall(
  parent: pulumi.Resource,
  name: string,
  context: ComponentErrorContext,
  plan: FleetPlan,
  fleet: AzureFleetResources,
  agent: AzureAgentArgs = {},
): AgentInstallPlan | undefined {
  if (!plan.personas.some((p) => p.telemetry.personasAgent.length > 0)) return undefined;
  const bundle = readAzureAgentBundle(context, agent.bundle);
  const options = {
    probeTargets: agent.probeTargets ?? DEFAULT_PROBE_TARGETS.map((t) => ({ ...t })),
    ...(agent.logFiles ? { logFiles: agent.logFiles } : {}),
    ...(agent.nodePath ? { nodePath: agent.nodePath } : {}),
  };
  const { source } = renderAzureAgentArtifact(parent, name, fleet, bundle);
  return {
    install: source.apply((resolved) => ({ ...options, source: resolved })),
    worstCase: {
      ...options,
      source: {
        accountName: "a".repeat(24),
        container: STORAGE_NAMES.agentContainer,
        blobName: agentBlobName(bundle),
        clientId: "00000000-0000-0000-0000-000000000000",
        sha256: bundle.sha256,
      },
    },
  };
}
