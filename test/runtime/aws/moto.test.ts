/**
 * The responders with the real AWS SDK against moto: persona shifts and feature state, WAF IP set
 * updates up to the 10,000-address limit (which moto does not enforce, so our code must), SSM
 * parameters and tags. The scale responder's resize runs on moto in resize-workflow.test.ts.
 */

import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { S3Client } from "@aws-sdk/client-s3";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { CreateIPSetCommand, GetIPSetCommand, UpdateIPSetCommand, WAFV2Client } from "@aws-sdk/client-wafv2";
import { beforeEach, describe, expect, it } from "vitest";
import { featureExecutor } from "../../../src/runtime/aws/actions/feature.js";
import { shiftPersonaExecutor } from "../../../src/runtime/aws/actions/shift-persona.js";
import { createContext } from "../../../src/runtime/aws/context.js";
import { FirewallLimitError } from "../../../src/runtime/aws/errors.js";
import { writeIpSet } from "../../../src/runtime/aws/firewall.js";
import { createResponder } from "../../../src/runtime/aws/responder.js";
import { motoClientConfig, noMoto, resetMoto } from "../../support/moto.js";
import {
  createStateTable,
  DIGEST,
  FLEET_BUCKET,
  launchMotoInstance,
  MOTO_ACCOUNT,
  putFleetStore,
  putStackAlarms,
  STACK,
  alarmEvent as stackAlarmEvent,
  storeObjects,
  testManifest,
  testMembers,
} from "./support.js";

/** The event of one of the member's stack alarms as CloudWatch sends it from moto's account. */
const alarmEvent = (id: string, options: Parameters<typeof stackAlarmEvent>[1] = {}) =>
  stackAlarmEvent(id, { account: MOTO_ACCOUNT, ...options });

const TABLE = "web-state";
const ENV = {
  FLEET_BUCKET,
  STATE_TABLE: TABLE,
  FLEET_NAME: "web",
  STACK_NAME: STACK,
  SCALE_WAIT_SECONDS: "30",
  POLL_SECONDS: "0",
};

describe.skipIf(noMoto)("responders against moto", () => {
  const config = motoClientConfig();
  const ec2 = new EC2Client(config);
  const ddb = new DynamoDBClient(config);
  const ssm = new SSMClient(config);
  const waf = new WAFV2Client(config);
  const s3 = new S3Client(config);
  const cloudwatch = new CloudWatchClient(config);
  let instanceId: string;

  const options = () => ({ env: ENV, clientConfig: config, sleep: async () => {}, logSink: () => {} });

  beforeEach(async () => {
    await resetMoto();
    await createStateTable(ddb, TABLE);
    instanceId = await launchMotoInstance(ec2, {
      "persona:fleet": "web",
      "persona:name": "WebBase",
      "persona:digest": DIGEST,
      "persona:active": "WebBase",
    });
    // The stack's records: the fleet store with this instance as the member, and its alarms.
    await putFleetStore(s3, storeObjects(testManifest(), testMembers(instanceId)));
    await putStackAlarms(cloudwatch, instanceId);
  });

  async function instance() {
    const found = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const i = found.Reservations![0]!.Instances![0]!;
    return {
      state: i.State?.Name,
      type: i.InstanceType,
      tags: Object.fromEntries((i.Tags ?? []).map((t) => [t.Key, t.Value])),
    };
  }

  it("shifts the persona by retagging the instance and remembers the previous one", async () => {
    const result = await createResponder(
      "shift-persona",
      shiftPersonaExecutor,
      options(),
    )(alarmEvent("attack", { instanceId }));
    expect(result).toMatchObject({
      outcome: "acted",
      detail: `${instanceId}: persona WebBase -> LockedDown`,
    });
    expect((await instance()).tags).toMatchObject({
      "persona:active": "LockedDown",
      "persona:name": "WebBase",
    });
    const record = await ddb.send(
      new GetItemCommand({
        TableName: TABLE,
        Key: { pk: { S: `persona#${instanceId}` }, sk: { S: "previous" } },
      }),
    );
    expect(JSON.parse(record.Item!.document!.S!)).toMatchObject({
      previous: "WebBase",
      current: "LockedDown",
    });
  });

  it("records a feature's state in Parameter Store", async () => {
    // The fleet deploys no feature document here: the feature's state changes, no script runs.
    const manifest = testManifest();
    for (const feature of manifest.personas[DIGEST]!.features) {
      delete feature.activate;
      delete feature.deactivate;
    }
    await putFleetStore(s3, storeObjects(manifest, testMembers(instanceId)));
    const result = await createResponder(
      "feature",
      featureExecutor,
      options(),
    )(alarmEvent("attack", { instanceId }));
    expect(result).toMatchObject({ outcome: "acted", detail: `${instanceId}: cdn-caching on (state only)` });
    const parameter = await ssm.send(
      new GetParameterCommand({ Name: `/personas/web/${STACK}/features/${instanceId}/cdn-caching` }),
    );
    expect(parameter.Parameter?.Value).toBe("on");
  });

  describe("WAF IP sets", () => {
    async function createSet() {
      const created = await waf.send(
        new CreateIPSetCommand({
          Name: "web-feed-v4",
          Scope: "REGIONAL",
          IPAddressVersion: "IPV4",
          Addresses: ["192.0.2.1/32"],
        }),
      );
      return { name: "web-feed-v4", id: created.Summary!.Id! };
    }
    const addresses = (n: number) =>
      Array.from({ length: n }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`);
    const read = async (ref: { name: string; id: string }) =>
      (await waf.send(new GetIPSetCommand({ Name: ref.name, Id: ref.id, Scope: "REGIONAL" }))).IPSet
        ?.Addresses ?? [];

    it("writes 10,000 addresses, the most a set holds", async () => {
      const ref = await createSet();
      await writeIpSet(createContext("firewall", options()), "REGIONAL", ref, addresses(10_000));
      expect(await read(ref)).toHaveLength(10_000);
    });

    it("refuses 10,001 addresses, which moto would accept, and leaves the set as it was", async () => {
      const ref = await createSet();
      const error = await writeIpSet(
        createContext("firewall", options()),
        "REGIONAL",
        ref,
        addresses(10_001),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FirewallLimitError);
      expect((error as Error).message).toBe(
        "Refusing to write 10001 addresses to WAF IP set web-feed-v4: a set holds at most 10,000.",
      );
      expect(await read(ref)).toEqual(["192.0.2.1/32"]);
    });

    it("reads the set again and retries when its lock token is stale", async () => {
      const ref = await createSet();
      const first = await waf.send(new GetIPSetCommand({ Name: ref.name, Id: ref.id, Scope: "REGIONAL" }));
      // Someone else writes in between: the token we hold is now stale.
      await waf.send(
        new UpdateIPSetCommand({
          Name: ref.name,
          Id: ref.id,
          Scope: "REGIONAL",
          Addresses: ["198.51.100.0/24"],
          LockToken: first.LockToken!,
        }),
      );
      const known = new Map([
        [ref.id, { lockToken: first.LockToken!, description: first.IPSet?.Description }],
      ]);
      await writeIpSet(createContext("firewall", options()), "REGIONAL", ref, ["203.0.113.0/24"], known);
      expect(await read(ref)).toEqual(["203.0.113.0/24"]);
    });
  });
});
