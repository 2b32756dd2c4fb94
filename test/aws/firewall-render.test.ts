/**
 * The WAF part of a fleet as rendered under the mock engine, against the constraints AWS documents
 * and the mock engine does not enforce: the IP set description pattern of the WAFv2 API model
 * (botocore `wafv2/2019-07-29/service-2.json`, shape EntityDescription), unique rule priorities in a
 * web ACL (AWS WAFV2 API Reference, Rule `Priority`: "they must all be different"), and CLOUDFRONT
 * scope living in us-east-1 only (AWS WAFV2 API Reference, CreateIPSet `Scope`).
 */
import type * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it } from "vitest";
import { InvalidArgumentsError } from "../../src/aws/errors.js";
import { PersonaFleet } from "../../src/aws/fleet.js";
import { defaultRulePriority, ipSetDescription } from "../../src/aws/render.js";
import { recorder, resourcesOfType, settled } from "../support/pulumi.js";
import { seedPersona } from "./support.js";

/** botocore wafv2 2019-07-29, EntityDescription.pattern, copied from the model. */
const ENTITY_DESCRIPTION = /^[\w+=:#@/\-,.][\w+=:#@/\-,.\s]+[\w+=:#@/\-,.]$/;

function fleet(name: string, firewall: Record<string, unknown>, opts: pulumi.ComponentResourceOptions = {}) {
  return new PersonaFleet(
    name,
    {
      ami: "ami-0123456789abcdef0",
      defaultPersona: seedPersona,
      instances: [{ name: `${name}-1` }],
      firewall,
    },
    opts,
  );
}

beforeEach(() => recorder.reset());

describe("PersonaFleet WAF resources", () => {
  it("describes IP sets with the feed's host and path only, in characters WAF accepts", async () => {
    // Prepare: a feed URL with a query string (an API key) and the characters the pattern forbids
    const description = ipSetDescription("web", {
      id: "WebBase-drop",
      url: "https://feeds.example/v1/drop%20list.txt?key=s3cret&format=plain",
    });

    // Assess
    expect(description).toBe("pulumi-personas web: WebBase-drop from feeds.example/v1/drop-20list.txt");
    expect(description).toMatch(ENTITY_DESCRIPTION);

    // Act: the seed fleet as rendered
    fleet("web", { webAclArn: "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/desc/1" });
    await settled();
    const descriptions = resourcesOfType("aws:wafv2/ipSet:IpSet").map((s) => s.inputs.description);
    expect(descriptions).toEqual([
      "pulumi-personas web: HighTraffic-threatintel-example-com from threatintel.example.com/latest_ips",
      "pulumi-personas web: HighTraffic-threatintel-example-com from threatintel.example.com/latest_ips",
    ]);
    for (const d of descriptions) expect(d).toMatch(ENTITY_DESCRIPTION);
  });

  it("gives each fleet its own derived priority block, so fleets sharing a web ACL do not collide", async () => {
    const acl = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/shared/2";
    fleet("web", { webAclArn: acl });
    fleet("batch", { webAclArn: acl });
    await settled();
    const priorities = resourcesOfType("aws:wafv2/webAclRule:WebAclRule").map((r) => r.inputs.priority);
    expect(priorities).toEqual([defaultRulePriority("web"), defaultRulePriority("batch")]);
    expect(defaultRulePriority("web")).not.toBe(defaultRulePriority("batch"));
    expect(defaultRulePriority("web") % 100).toBe(0);
  });

  it("refuses two fleets of one program whose explicit priorities overlap in the same web ACL", async () => {
    const acl = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/shared/3";
    fleet("web", { webAclArn: acl, rulePriority: 500 });
    let error: unknown;
    try {
      fleet("batch", { webAclArn: acl, rulePriority: 500 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidArgumentsError);
    expect((error as Error).message).toContain(
      "its web ACL rules would take priorities 500–500, and fleet 'web' already uses 500–500 in the same web ACL",
    );
    // A disjoint range, or another web ACL, is fine.
    expect(() => fleet("batch2", { webAclArn: acl, rulePriority: 501 })).not.toThrow();
    expect(() =>
      fleet("batch3", {
        webAclArn: "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/other/4",
        rulePriority: 500,
      }),
    ).not.toThrow();
    await settled();
  });

  it("creates CLOUDFRONT IP sets and rules through a us-east-1 provider", async () => {
    const providers: Record<string, string | undefined> = {};
    const transformations: pulumi.ResourceTransformation[] = [
      (args) => {
        if (args.type.startsWith("aws:wafv2/"))
          providers[args.name] = (args.opts.provider as { __name?: string } | undefined)?.__name;
        return undefined;
      },
    ];
    fleet(
      "edge",
      { webAclArn: "arn:aws:wafv2:us-east-1:123456789012:global/webacl/cdn/5", scope: "CLOUDFRONT" },
      { transformations },
    );
    await settled();
    const provider = resourcesOfType("pulumi:providers:aws");
    expect(provider.map((p) => [p.name, p.inputs.region])).toEqual([["edge-waf-us-east-1", "us-east-1"]]);
    expect(Object.values(providers)).toEqual([
      "edge-waf-us-east-1",
      "edge-waf-us-east-1",
      "edge-waf-us-east-1",
    ]);
    expect(resourcesOfType("aws:wafv2/ipSet:IpSet").map((s) => s.inputs.scope)).toEqual([
      "CLOUDFRONT",
      "CLOUDFRONT",
    ]);
  });
});
