/**
 * The firewall responder's WAF writes against a double that enforces what moto does not, following
 * the AWS WAFV2 API Reference:
 * - IPSet `Addresses`: "AWS WAF supports all IPv4 and IPv6 CIDR ranges except for /0"
 *   (https://docs.aws.amazon.com/waf/latest/APIReference/API_IPSet.html), and at most 10,000 per set
 *   (AWS WAF quotas, "Maximum number of IP addresses in CIDR notation per IP set");
 * - UpdateIPSet replaces the whole set: a call without `Description` clears it
 *   (https://docs.aws.amazon.com/waf/latest/APIReference/API_UpdateIPSet.html).
 * An invalid request is `WAFInvalidParameterException`, as AWS answers it.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import {
  GetIPSetCommand,
  UpdateIPSetCommand,
  type UpdateIPSetCommandInput,
  WAFInvalidParameterException,
  WAFV2Client,
} from "@aws-sdk/client-wafv2";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createFirewallResponder, wafAddresses } from "../../../src/runtime/aws/firewall.js";
import { installMocks, TEST_ENV, testManifest } from "./support.js";

const manifest = testManifest();
const mocks = installMocks(manifest);
const waf = mockClient(WAFV2Client);
let body = "";
const server = createServer((_req, res) => res.writeHead(200, { "Content-Type": "text/plain" }).end(body));

const DESCRIPTION = "pulumi-personas web: WebBase-allow from ranges.example/all.txt";
/** The double's IP sets by id: addresses and description, as WAF keeps them. */
let sets: Map<string, { addresses: string[]; description: string | undefined }>;
let updates: UpdateIPSetCommandInput[];

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  manifest.feeds["WebBase-allow"] = {
    kind: "list",
    persona: "WebBase",
    sourceId: "allow",
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/all.txt`,
    limits: { timeoutSeconds: 5, maxBytes: 65536 },
    responseId: "allow",
    format: { type: "plain" },
    mode: "allow",
    maxShrinkPercent: 50,
    // An allow list of both halves of the IPv4 space: only possible with the minimum prefix lowered to /1.
    minPrefixIpv4: 1,
    minPrefixIpv6: 1,
    maxGrowPercent: 100_000_000_000,
    enforcement: "waf-ip-set",
  };
});
afterAll(() => {
  mocks.restore();
  waf.restore();
  server.close();
});
beforeEach(() => {
  mocks.reset();
  waf.reset();
  updates = [];
  sets = new Map([
    ["v4", { addresses: ["45.1.0.0/16"], description: DESCRIPTION }],
    ["v6", { addresses: [], description: DESCRIPTION }],
  ]);
  mocks.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
  waf.on(GetIPSetCommand).callsFake(async (input: { Id: string; Name: string }) => {
    const set = sets.get(input.Id)!;
    return {
      IPSet: {
        Name: input.Name,
        Id: input.Id,
        ARN: "arn",
        IPAddressVersion: "IPV4",
        Addresses: set.addresses,
        Description: set.description,
      },
      LockToken: `token-${input.Id}`,
    };
  });
  waf.on(UpdateIPSetCommand).callsFake(async (input: UpdateIPSetCommandInput) => {
    updates.push(input);
    const invalid = (message: string) =>
      new WAFInvalidParameterException({ message, $metadata: { httpStatusCode: 400 } });
    if (input.Addresses!.some((a) => a.endsWith("/0")))
      throw invalid("Error reason: The parameter contains formatting that is not valid., field: IP_ADDRESS");
    if (input.Addresses!.length > 10_000)
      throw invalid("Error reason: You exceeded the maximum number of IP addresses, field: IP_ADDRESS");
    sets.set(input.Id!, { addresses: [...input.Addresses!], description: input.Description });
    return { NextLockToken: `next-${input.Id}` };
  });
});

const handler = () => {
  // The feed's IP sets are in its fleet store entry, as the components write it.
  mocks.state.enforcement = {
    "WebBase-allow": {
      waf: { scope: "REGIONAL", ipv4: { name: "allow-v4", id: "v4" }, ipv6: { name: "allow-v6", id: "v6" } },
    },
  };
  return createFirewallResponder({
    env: { ...TEST_ENV, WAF_WRITE_INTERVAL_MS: "0" },
    logSink: () => {},
    sleep: async () => {},
    fetcher: { unsafeTestAllowances: { allowLoopback: true, allowHttp: true } },
  });
};
let minute = 0;
const tick = () => ({
  source: "personas.feed",
  fleet: "web",
  feedId: "WebBase-allow",
  scheduledTime: `2025-01-09T13:${String(minute++).padStart(2, "0")}:00Z`,
});

describe("firewall responder writing WAF IP sets", () => {
  it("writes a list that aggregates to /0 as its two /1 halves, which WAF accepts", async () => {
    // Prepare: the two halves of each address space aggregate to 0.0.0.0/0 and ::/0
    body = "0.0.0.0/1\n128.0.0.0/1\n::/1\n8000::/1\n";

    // Act
    const result = await handler()(tick());

    // Assess
    expect(result).toMatchObject({ outcome: "replaced", reason: "updated" });
    expect(sets.get("v4")!.addresses).toEqual(["0.0.0.0/1", "128.0.0.0/1"]);
    expect(sets.get("v6")!.addresses).toEqual(["::/1", "8000::/1"]);
    expect(wafAddresses(["0.0.0.0/0", "45.1.0.0/16", "::/0"])).toEqual([
      "0.0.0.0/1",
      "128.0.0.0/1",
      "45.1.0.0/16",
      "::/1",
      "8000::/1",
    ]);
  });

  it("keeps each IP set's description on every update (UpdateIPSet without it would clear it)", async () => {
    body = "45.0.0.0/16\n45.1.0.0/16\n";
    await handler()(tick());
    expect(updates.map((u) => [u.Id, u.LockToken, u.Description])).toEqual([
      ["v4", "token-v4", DESCRIPTION],
      ["v6", "token-v6", DESCRIPTION],
    ]);
    expect(sets.get("v4")).toEqual({ addresses: ["45.0.0.0/15"], description: DESCRIPTION });
  });
});
