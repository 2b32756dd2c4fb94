import { describe, expect, it } from "vitest";
import { APP_SETTINGS, KIND_APP_SETTINGS } from "../../../src/runtime/azure/contract.js";
import { readAzureEnv } from "../../../src/runtime/azure/env.js";
import { AzureConfigError } from "../../../src/runtime/azure/errors.js";
import { thrown } from "../../support/thrown.js";

/** The settings every function app of the fleet has (as the components write them). */
const BASE: NodeJS.ProcessEnv = {
  [APP_SETTINGS.fleetName]: "web",
  [APP_SETTINGS.stackName]: "prod",
  [APP_SETTINGS.subscriptionId]: "00000000-0000-0000-0000-0000000000aa",
  [APP_SETTINGS.resourceGroup]: "rg-web-prod",
  [APP_SETTINGS.stateTable]: "PersonasState",
  [APP_SETTINGS.fleetContainer]: "fleet-store",
  [APP_SETTINGS.storageAccount]: "personasweb",
};

describe("readAzureEnv: the orchestrator's region", () => {
  it("reads the fleet's location as ARM writes regions in resource bodies, and leaves it unset when absent", () => {
    expect(readAzureEnv({ ...BASE, [KIND_APP_SETTINGS.location]: "West Europe" }).location).toBe(
      "westeurope",
    );
    expect(readAzureEnv({ ...BASE, [KIND_APP_SETTINGS.location]: "eastus2" }).location).toBe("eastus2");
    expect(readAzureEnv(BASE).location).toBeUndefined();
  });

  it("refuses a location that is no region name, naming the setting", () => {
    const error = thrown(() => readAzureEnv({ ...BASE, [KIND_APP_SETTINGS.location]: "west-europe/../x" }));

    expect(error).toBeInstanceOf(AzureConfigError);
    expect((error as Error).message).toBe(
      "App setting PERSONAS_LOCATION is 'west-europe/../x', which is not an Azure region name (e.g. westeurope) (the Azure persona fleet component sets it on every runtime Function App; redeploy the stack).",
    );
  });
});
