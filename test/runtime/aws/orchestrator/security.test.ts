/**
 * Issue 13, findings 2 and 9, against moto: `persona:active` cannot bypass the mapping, and the
 * orchestrator applies only the digests the stack deployed unless the mapping allows run-time
 * versions. Each test reproduces what an attacker with ec2:CreateTags or s3:PutObject could do on
 * the code before the fix. Fixtures come from the planner and the shift responder's own store.
 */
import { CreateTagsCommand } from "@aws-sdk/client-ec2";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { ListCommandsCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { buildManifest, FLEET_STORE_KEYS } from "../../../../src/plan/manifest.js";
import { planFleet, planPersona } from "../../../../src/plan/plan.js";
import { PersonaRepository } from "../../../../src/repository/repository.js";
import { S3PersonaRepository } from "../../../../src/repository/s3.js";
import { parseMapping } from "../../../../src/resolve/mapping.js";
import { createResolutionContext, resolveInstance } from "../../../../src/resolve/resolve.js";
import { createOrchestratorHandler } from "../../../../src/runtime/aws/orchestrator/handler.js";
import { noMoto, resetMoto } from "../../../support/moto.js";
import { FLEET_BUCKET } from "../support.js";
import {
  BUCKET,
  ENV,
  embedded,
  FLEET,
  launch,
  MAPPING,
  motoClients,
  prepareAccount,
  recordShift,
} from "./support.js";

const lambda = mockClient(LambdaClient);
afterAll(() => lambda.restore());

const SWEEP = { source: "personas.orchestrator", fleet: FLEET, kind: "sweep" };

/** A mapping as a fleet publishes it; without runtimeVersions, only the stack's digests are applied. */
async function publishMapping(clients: ReturnType<typeof motoClients>, text: string) {
  await clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `mappings/${FLEET}.yaml`, Body: text }));
}

/** The fleet manifest the stack writes for instances with these tags (planner output, not by hand). */
async function deployStack(
  clients: ReturnType<typeof motoClients>,
  mapping: string,
  tagSets: Record<string, string>[],
) {
  const context = createResolutionContext(embedded, parseMapping(mapping));
  const fleet = planFleet(
    FLEET,
    tagSets.map((tags, i) => ({
      key: `m${i}`,
      resolved: resolveInstance({ id: `m${i}`, tags }, context, { cloud: "aws" }),
    })),
  );
  await clients.s3.send(
    new PutObjectCommand({
      Bucket: FLEET_BUCKET,
      Key: FLEET_STORE_KEYS.fleet,
      Body: JSON.stringify(buildManifest(fleet)),
    }),
  );
  return tagSets.map((tags) => planPersona(resolveInstance({ id: "x", tags }, context, { cloud: "aws" })));
}

describe.skipIf(noMoto)("Orchestrator security (issue 13, findings 2 and 9)", () => {
  const clients = motoClients();
  const handler = () =>
    createOrchestratorHandler({ env: ENV, clientConfig: clients.config, logSink: () => {} });

  async function commands(): Promise<number> {
    return (await new SSMClient(clients.config).send(new ListCommandsCommand({}))).Commands?.length ?? 0;
  }

  beforeEach(async () => {
    await resetMoto();
    lambda.reset();
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    await prepareAccount(clients);
  });

  describe("persona:active (finding 2)", () => {
    it("a persona:active tag the shift responder did not record changes nothing", async () => {
      // Prepare: an attacker with ec2:CreateTags writes persona:active=HighTraffic on a web instance.
      const [id] = await launch(clients, { role: "api", "persona:active": "HighTraffic" });

      // Act
      const summary = await handler()(SWEEP);

      // Assess
      expect(summary.instances).toEqual([
        {
          instanceId: id,
          status: "fault",
          changes: [],
          reason: "shift-refused",
          message: `Tag persona:active=HighTraffic is not a shift the shift responder made (the state table records no shift for ${id}); a tag alone does not change a persona, so nothing was changed. Remove the tag, or let a persona's response shift it.`,
        },
      ]);
      expect(await commands()).toBe(0);
      expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    });

    it("refuses a version pin even when a shift is recorded", async () => {
      const [id] = await launch(clients, { role: "web", "persona:active": "LockedDown@1.0.0" });
      await recordShift(clients.ddb, id!, "HighTraffic", "LockedDown@1.0.0");

      const summary = await handler()(SWEEP);

      expect(summary.instances[0]).toMatchObject({
        status: "fault",
        reason: "shift-refused",
        message:
          "Tag persona:active=LockedDown@1.0.0 pins a version; a shift names a persona, and the repository gives its version. Nothing was changed; write the persona's name alone (persona:active=LockedDown).",
      });
      expect(await commands()).toBe(0);
    });

    it("an overriding (quarantine) rule stays in force over a recorded shift", async () => {
      // Prepare: a quarantine rule at priority 100, marked overriding; the instance was shifted to HighTraffic.
      await publishMapping(
        clients,
        `${MAPPING}  - id: quarantine\n    match: { quarantine: "true" }\n    persona: LockedDown@^1\n    priority: 100\n    overriding: true\n`,
      );
      const [id] = await launch(clients, {
        role: "web",
        quarantine: "true",
        "persona:active": "HighTraffic",
      });
      await recordShift(clients.ddb, id!, "LockedDown", "HighTraffic");

      // Act
      const summary = await handler()(SWEEP);

      // Assess
      expect(summary.instances[0]).toMatchObject({ status: "applied", persona: "LockedDown@1.0.0" });
    });

    it("accepts a recorded shift to a target the instance's persona declares, and refuses one it does not", async () => {
      // Prepare: HighTraffic (role=web) declares "Shift persona to LockedDown@^1".
      const [shifted, other] = await launch(clients, { role: "web" }, 2);
      await recordShift(clients.ddb, shifted!, "HighTraffic", "LockedDown");
      await recordShift(clients.ddb, other!, "HighTraffic", "ApiServer");
      await clients.ec2.send(
        new CreateTagsCommand({
          Resources: [shifted!],
          Tags: [{ Key: "persona:active", Value: "LockedDown" }],
        }),
      );
      await clients.ec2.send(
        new CreateTagsCommand({ Resources: [other!], Tags: [{ Key: "persona:active", Value: "ApiServer" }] }),
      );

      // Act
      const summary = await handler()(SWEEP);

      // Assess
      const byId = new Map(summary.instances.map((o) => [o.instanceId, o]));
      expect(byId.get(shifted!)).toMatchObject({ status: "applied", persona: "LockedDown@1.0.0" });
      expect(byId.get(other!)).toMatchObject({
        status: "fault",
        reason: "shift-refused",
        message:
          "Tag persona:active=ApiServer: neither HighTraffic@1.3.0, the persona the mapping gives " +
          `${other}, nor a persona the stack deployed declares a shift to ApiServer (they allow: LockedDown); nothing was changed.`,
      });
    });
  });

  describe("pinned digests (finding 9)", () => {
    const PINNED = MAPPING.replace("runtimeVersions: true\n", "");

    it("applies only digests the stack deployed unless the mapping sets runtimeVersions", async () => {
      // Prepare: the stack deployed WebBase (the default); an instance is retagged to role=api.
      await publishMapping(clients, PINNED);
      const [base] = await deployStack(clients, PINNED, [{}]);
      const [id] = await launch(clients, { role: "api" });

      // Act
      const summary = await handler()(SWEEP);

      // Assess
      expect(summary.instances[0]).toMatchObject({ status: "fault", reason: "unpinned-digest" });
      expect(summary.instances[0]!.message).toMatch(
        new RegExp(
          `^ApiServer@2\\.0\\.0 for ${id} has digest sha256:[0-9a-f]{64}, which the stack did not deploy \\(its fleet manifest s3://${FLEET_BUCKET}/manifest/fleet\\.json pins 1\\), and the mapping does not set runtimeVersions: true; nothing was changed\\.`,
        ),
      );
      expect(base!.persona.name).toBe("WebBase");
      expect(await commands()).toBe(0);
    });

    it("a version a bucket writer publishes with a matching digest is not applied to a stack instance", async () => {
      // Prepare: the stack deployed WebBase@1.1.0 on an instance; an attacker publishes WebBase 1.2.0,
      // a valid persona whose digest matches its content, which the mapping's WebBase@^1 now picks.
      await publishMapping(clients, PINNED);
      const [base] = await deployStack(clients, PINNED, [{}]);
      const [id] = await launch(clients, {
        "persona:name": base!.persona.name,
        "persona:version": base!.persona.version,
        "persona:digest": base!.persona.digest,
      });
      const source = embedded
        .get("WebBase@1.1.0")
        .source!.replace('Version: "1.1.0"', 'Version: "1.2.0"')
        .replace("Description: Small web server", "Description: Not the reviewed web server");
      await new S3PersonaRepository({ client: clients.s3, bucket: BUCKET }).publish(
        PersonaRepository.fromSources([{ file: "WebBase/1.2.0.yaml", text: source }]),
      );

      // Act
      const summary = await handler()(SWEEP);

      // Assess
      expect(summary.instances[0]).toMatchObject({
        instanceId: id,
        status: "fault",
        reason: "unpinned-digest",
      });
      expect(summary.instances[0]!.message).toMatch(/^WebBase@1\.2\.0 for i-[0-9a-f]+ has digest/);
      expect(await commands()).toBe(0);
    });
  });
});
