// A web fleet driven by the seed's HighTraffic persona: instances tagged role=web resolve to it
// through mapping.yaml, scale up to 16 cores on sustained CPU, cache on latency and block the
// threat feed's addresses in a WAF web ACL.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ssm from "@pulumi/aws/ssm";
import * as wafv2 from "@pulumi/aws/wafv2";
import * as pulumi from "@pulumi/pulumi";
import { createResolutionContext, PersonaRepository, parseMapping } from "pulumi-personas";
import { PersonaFleet, resolveWith } from "pulumi-personas/aws";

const config = new pulumi.Config();
const instanceCount = config.getNumber("instanceCount") ?? 3;
// Amazon Linux 2023 in whatever region the stack deploys to: the AWS public SSM parameters name the
// latest AMI per architecture ("Query for the latest Amazon Linux AMI IDs using Systems Manager
// Parameter Store", Amazon Linux 2023 User Guide). A new AMI replaces the instances at the next
// `pulumi up`; set `ami` in the stack's config to pin one. The persona's cheapest fit is Graviton.
const pinned = config.get("ami");
const latest = (architecture: "arm64" | "x86_64") =>
  ssm.getParameterOutput({
    name: `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${architecture}`,
  }).value;
const ami = pinned ?? { arm64: latest("arm64"), x86_64: latest("x86_64") };

const repository = PersonaRepository.fromDirectory(join(__dirname, "personas"));
const mappingFile = join(__dirname, "mapping.yaml");
const mapping = parseMapping(readFileSync(mappingFile, "utf8"), { file: mappingFile });

// The fleet adds its feed rules to this web ACL as separate WebAclRule resources; without
// ignoreChanges on `rules`, the next `pulumi up` would see them as drift and remove them.
const acl = new wafv2.WebAcl(
  "edge",
  {
    scope: "REGIONAL",
    defaultAction: { allow: {} },
    visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: "edge", sampledRequestsEnabled: true },
  },
  { ignoreChanges: ["rules"] },
);

export const fleet = new PersonaFleet("web", {
  ami,
  os: "amazon-linux",
  architecture: "arm64",
  resolve: resolveWith(createResolutionContext(repository, mapping)),
  instances: Array.from({ length: instanceCount }, (_, i) => ({
    name: `web-${i + 1}`,
    tags: { role: "web" },
  })),
  firewall: { webAclArn: acl.arn },
});

export const baseline = fleet.baseline;
export const responders = Object.fromEntries(
  Object.entries(fleet.responders).map(([kind, fn]) => [kind, fn?.name]),
);
