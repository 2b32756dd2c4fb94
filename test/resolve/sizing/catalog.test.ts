import { describe, expect, it } from "vitest";
import { PersonasError } from "../../../src/errors.js";
import {
  AWS_SIZES,
  AZURE_SIZES,
  CATALOG_SOURCE,
  familySizes,
  findSize,
  type InstanceSize,
  InvalidCatalogError,
  listFamilies,
  SIZE_CATALOG,
  selectSize,
  UnknownSizeError,
} from "../../../src/resolve/sizing/index.js";

const namesOf = (sizes: readonly InstanceSize[]) => sizes.map((s) => s.name);

describe("the sizing catalog", () => {
  it("lists the AWS families of the brief, from large to the largest non-metal size", () => {
    // Prepare / Act
    const families = listFamilies("aws");

    // Assess
    expect(families).toEqual(["c6i", "c7g", "c7i", "m6i", "m7g", "m7i", "r6i", "r7g", "r7i", "t3", "t4g"]);
    expect(namesOf(familySizes("aws", "c7i"))).toEqual([
      "c7i.large",
      "c7i.xlarge",
      "c7i.2xlarge",
      "c7i.4xlarge",
      "c7i.8xlarge",
      "c7i.12xlarge",
      "c7i.16xlarge",
      "c7i.24xlarge",
      "c7i.48xlarge",
    ]);
    expect(namesOf(familySizes("aws", "m6i")).at(-1)).toBe("m6i.32xlarge");
    expect(namesOf(familySizes("aws", "m7g")).at(-1)).toBe("m7g.16xlarge");
    expect(namesOf(familySizes("aws", "t4g"))).toEqual(["t4g.large", "t4g.xlarge", "t4g.2xlarge"]);
    expect(AWS_SIZES.filter((s) => s.name.includes("metal"))).toEqual([]);
    expect(AWS_SIZES).toHaveLength(81);
  });

  it("lists the Azure series of the brief with sizes from 2 to 64 vCPU", () => {
    // Prepare / Act
    const vcpus = AZURE_SIZES.map((s) => s.vcpu);

    // Assess
    expect(listFamilies("azure")).toEqual(["Bsv2", "Dasv5", "Dsv5", "Esv5", "Fsv2"]);
    expect(Math.min(...vcpus)).toBe(2);
    expect(Math.max(...vcpus)).toBe(64);
    expect(namesOf(familySizes("azure", "Esv5"))).toEqual([
      "Standard_E2s_v5",
      "Standard_E4s_v5",
      "Standard_E8s_v5",
      "Standard_E16s_v5",
      "Standard_E20s_v5",
      "Standard_E32s_v5",
      "Standard_E48s_v5",
      "Standard_E64s_v5",
    ]);
    expect(AZURE_SIZES).toHaveLength(40);
    expect(SIZE_CATALOG).toHaveLength(121);
  });

  it("gives each family one category and architecture", () => {
    // Prepare
    const expected: Record<string, [string, string]> = {
      m7i: ["general", "x86_64"],
      m7g: ["general", "arm64"],
      m6i: ["general", "x86_64"],
      c7i: ["compute", "x86_64"],
      c7g: ["compute", "arm64"],
      c6i: ["compute", "x86_64"],
      r7i: ["memory", "x86_64"],
      r7g: ["memory", "arm64"],
      r6i: ["memory", "x86_64"],
      t3: ["burstable", "x86_64"],
      t4g: ["burstable", "arm64"],
      Dsv5: ["general", "x86_64"],
      Dasv5: ["general", "x86_64"],
      Esv5: ["memory", "x86_64"],
      Fsv2: ["compute", "x86_64"],
      Bsv2: ["burstable", "x86_64"],
    };

    // Act
    const seen = Object.fromEntries(SIZE_CATALOG.map((s) => [s.family, [s.category, s.architecture]]));

    // Assess
    expect(seen).toEqual(expected);
  });

  it("flags exactly the sizes whose published bandwidth is 'up to' a higher peak", () => {
    // Prepare / Act
    const bursting = SIZE_CATALOG.filter((s) => s.networkBurst);

    // Assess
    expect(bursting.every((s) => s.networkPeakGbps > s.networkGbps)).toBe(true);
    expect(
      SIZE_CATALOG.filter((s) => !s.networkBurst).every((s) => s.networkPeakGbps === s.networkGbps),
    ).toBe(true);
    expect(namesOf(bursting.filter((s) => s.family === "c7i"))).toEqual([
      "c7i.large",
      "c7i.xlarge",
      "c7i.2xlarge",
      "c7i.4xlarge",
    ]);
    expect(AZURE_SIZES.some((s) => s.networkBurst)).toBe(false);
  });

  it("carries the published figures for a size, reference price included", () => {
    // Prepare / Act / Assess
    expect(findSize("c7i.2xlarge")).toEqual({
      cloud: "aws",
      name: "c7i.2xlarge",
      family: "c7i",
      category: "compute",
      vcpu: 8,
      memoryGiB: 16,
      networkGbps: 3.125,
      networkBurst: true,
      networkPeakGbps: 12.5,
      architecture: "x86_64",
      pricePerHour: 0.357,
    });
    expect(findSize("Standard_F8s_v2")).toEqual({
      cloud: "azure",
      name: "Standard_F8s_v2",
      family: "Fsv2",
      category: "compute",
      vcpu: 8,
      memoryGiB: 16,
      networkGbps: 12.5,
      networkBurst: false,
      networkPeakGbps: 12.5,
      architecture: "x86_64",
      pricePerHour: 0.338,
    });
    expect(Object.isFrozen(findSize("t4g.large"))).toBe(true);
  });

  it("prices every size in a family in proportion to its vCPUs, except the mixed-shape Bsv2 series", () => {
    // Prepare
    const families = new Set(SIZE_CATALOG.filter((s) => s.family !== "Bsv2").map((s) => s.family));

    // Act
    const offenders = [...families].flatMap((family) => {
      const sizes = SIZE_CATALOG.filter((s) => s.family === family);
      const perVcpu = sizes[0]!.pricePerHour / sizes[0]!.vcpu;
      return sizes.filter((s) => Math.abs(s.pricePerHour / s.vcpu / perVcpu - 1) > 0.005).map((s) => s.name);
    });

    // Assess
    expect(offenders).toEqual([]);
  });

  it("prices the Bsv2 series in proportion to memory, $0.0104 per GiB-hour", () => {
    const bsv2 = SIZE_CATALOG.filter((s) => s.family === "Bsv2");
    expect(
      bsv2.filter((s) => Math.abs(s.pricePerHour - 0.0104 * s.memoryGiB) > 1e-9).map((s) => s.name),
    ).toEqual([]);
  });

  it("records where the figures come from and when they were compiled", () => {
    expect(CATALOG_SOURCE.compiledOn).toBe("2026-11-26");
    expect(CATALOG_SOURCE.aws.region).toBe("us-east-1");
    expect(CATALOG_SOURCE.azure.region).toBe("eastus");
  });
});

describe("findSize", () => {
  it("finds names case-insensitively and returns the catalog's spelling", () => {
    expect(findSize("standard_d8s_v5").name).toBe("Standard_D8s_v5");
    expect(findSize("C7G.LARGE").name).toBe("c7g.large");
  });

  it("rejects an unknown name and suggests the nearest one", () => {
    // Act
    const act = () => findSize("c7i.3xlarge");

    // Assess
    expect(act).toThrow(UnknownSizeError);
    expect(act).toThrow(
      'Unknown instance size "c7i.3xlarge". Did you mean c7i.2xlarge? The catalog\'s sizes are listed in docs/sizing.md.',
    );
  });

  it("suggests nothing when no name is close", () => {
    // Act
    let caught: unknown;
    try {
      findSize("quantum-9000");
    } catch (error) {
      caught = error;
    }

    // Assess
    expect(caught).toBeInstanceOf(PersonasError);
    expect(caught).toMatchObject({ code: "SIZING_UNKNOWN_NAME", kind: "size", suggestion: undefined });
    expect((caught as Error).message).toBe(
      'Unknown instance size "quantum-9000". The catalog\'s sizes are listed in docs/sizing.md.',
    );
  });
});

describe("familySizes", () => {
  it("rejects a family of the other cloud and names the cloud's families", () => {
    expect(() => familySizes("aws", "Dsv5")).toThrow(
      'Family "Dsv5" is an azure family, not aws; aws families are c6i, c7g, c7i, m6i, m7g, m7i, r6i, r7g, r7i, t3, t4g.',
    );
  });
});

describe("a custom catalog", () => {
  const base: InstanceSize = {
    cloud: "aws",
    name: "x1.large",
    family: "x1",
    category: "general",
    vcpu: 2,
    memoryGiB: 8,
    networkGbps: 1,
    networkBurst: false,
    networkPeakGbps: 1,
    architecture: "x86_64",
    pricePerHour: 0.1,
  };

  it("is refused when it lists a name twice", () => {
    expect(() => selectSize({ cloud: "aws" }, { catalog: [base, { ...base }] })).toThrow(
      new InvalidCatalogError("catalog lists x1.large twice; size names must be unique."),
    );
  });

  it("is refused when a family mixes architectures", () => {
    const catalog = [base, { ...base, name: "x1.xlarge", architecture: "arm64" as const }];
    expect(() => selectSize({ cloud: "aws" }, { catalog })).toThrow(
      "catalog family x1 mixes architectures: x1.large is x86_64, x1.xlarge is arm64.",
    );
  });

  it("is refused when a size has no vCPUs", () => {
    expect(() => selectSize({ cloud: "aws" }, { catalog: [{ ...base, vcpu: 0 }] })).toThrow(
      "catalog entry 0 (x1.large): vcpu must be a number > 0; received 0.",
    );
  });

  it("is refused when the peak bandwidth is below the sustained one", () => {
    expect(() => selectSize({ cloud: "aws" }, { catalog: [{ ...base, networkPeakGbps: 0.5 }] })).toThrow(
      "catalog entry 0 (x1.large): networkPeakGbps must be >= networkGbps (1); received 0.5.",
    );
  });
});
