// The aws-web-hightraffic fleet on Azure: the same persona file and mapping (instances tagged
// role=web take HighTraffic), VMs in their own subnet with static private IPs, the threat feed's
// addresses written as deny rules into the subnet's network security group.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as network from "@pulumi/azure-native/network/index.js";
import * as resources from "@pulumi/azure-native/resources/index.js";
import * as pulumi from "@pulumi/pulumi";
import { createResolutionContext, PersonaRepository, parseMapping } from "pulumi-personas";
import { AzurePersonaFleet, resolveWithAzure } from "pulumi-personas/azure";

const config = new pulumi.Config();
const instanceCount = config.getNumber("instanceCount") ?? 3;
const location = config.get("location") ?? "westeurope";
const sshPublicKey =
  config.get("sshPublicKey") ?? "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyReplaceMe ops@example";

const repository = PersonaRepository.fromDirectory(join(__dirname, "personas"));
const mappingFile = join(__dirname, "mapping.yaml");
const mapping = parseMapping(readFileSync(mappingFile, "utf8"), { file: mappingFile });

// The network lives in its own group: the fleet's group is the responders' permission scope.
const networkGroup = new resources.ResourceGroup("network", { location });
// The firewall function owns the feed's rules as standalone security rules: never declare
// `securityRules` inline here, or each `pulumi up` would delete them (docs/azure.md, "List feeds").
const nsg = new network.NetworkSecurityGroup(
  "web",
  { resourceGroupName: networkGroup.name, location },
  { ignoreChanges: ["securityRules"] },
);
const vnet = new network.VirtualNetwork("web", {
  resourceGroupName: networkGroup.name,
  location,
  addressSpace: { addressPrefixes: ["10.40.0.0/16"] },
});
const subnet = new network.Subnet("web", {
  resourceGroupName: networkGroup.name,
  virtualNetworkName: vnet.name,
  addressPrefix: "10.40.1.0/24",
  networkSecurityGroup: { id: nsg.id },
});

export const fleet = new AzurePersonaFleet("web", {
  location,
  image: { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server" },
  os: "ubuntu",
  subnetId: subnet.id,
  admin: { username: "ops", sshPublicKey },
  resolve: resolveWithAzure(createResolutionContext(repository, mapping)),
  instances: Array.from({ length: instanceCount }, (_, i) => ({
    name: `web-${i + 1}`,
    // Azure reserves the first four addresses of a subnet and the last one.
    privateIpAddress: `10.40.1.${i + 4}`,
    tags: { role: "web" },
  })),
  firewall: { networkSecurityGroupId: nsg.id },
});

export const baseline = fleet.baseline;
export const resourceGroupName = fleet.resources.resourceGroup.name;
