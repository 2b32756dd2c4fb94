import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PersonasError } from "../../../src/errors.js";
import {
  findSize,
  type InstanceSize,
  InvalidSizingRequestError,
  NoMatchingSizeError,
  type SelectSizeOptions,
  SIZE_CATALOG,
  type SizeCategory,
  type SizeRequest,
  selectSize,
  UnknownSizeError,
} from "../../../src/resolve/sizing/index.js";
import { thrown } from "../../support/thrown.js";

type Case = readonly [
  request: Omit<SizeRequest, "cloud">,
  options: SelectSizeOptions,
  name: string,
  price: number,
];

describe("selectSize on AWS", () => {
  // Each expectation was read off the catalog sorted by price (burstable left out unless allowed).
  const cases: readonly Case[] = [
    [{}, {}, "c7g.large", 0.0725],
    [{ vcpu: 2 }, {}, "c7g.large", 0.0725],
    [{ vcpu: 2, memoryGiB: 8 }, {}, "m7g.large", 0.0816],
    [{ vcpu: 2, memoryGiB: 8 }, { architecture: "x86_64" }, "m6i.large", 0.096],
    [{ vcpu: 2, memoryGiB: 16 }, {}, "r7g.large", 0.1071],
    [{ vcpu: 4 }, {}, "c7g.xlarge", 0.145],
    [{ vcpu: 4, memoryGiB: 16 }, {}, "m7g.xlarge", 0.1632],
    [{ vcpu: 4, memoryGiB: 16 }, { architecture: "x86_64" }, "m6i.xlarge", 0.192],
    [{ vcpu: 8, memoryGiB: 32 }, {}, "m7g.2xlarge", 0.3264],
    [{ vcpu: 8, memoryGiB: 32 }, { architecture: "x86_64" }, "m6i.2xlarge", 0.384],
    [{ vcpu: 8, memoryGiB: 32, networkGbps: 10 }, {}, "c7g.8xlarge", 1.16],
    [{ vcpu: 8, memoryGiB: 32, networkGbps: 10 }, { architecture: "x86_64" }, "c6i.8xlarge", 1.36],
    [{ vcpu: 8, memoryGiB: 32, networkGbps: 10 }, { networkBasis: "peak" }, "m7g.2xlarge", 0.3264],
    [
      { vcpu: 8, memoryGiB: 32, networkGbps: 14 },
      { networkBasis: "peak", architecture: "x86_64" },
      "c6i.12xlarge",
      2.04,
    ],
    [{ memoryGiB: 64 }, {}, "r7g.2xlarge", 0.4284],
    [{ memoryGiB: 64 }, { architecture: "x86_64" }, "r6i.2xlarge", 0.504],
    [{ vcpu: 16 }, {}, "c7g.4xlarge", 0.58],
    [{ vcpu: 16, memoryGiB: 128 }, {}, "r7g.4xlarge", 0.8568],
    [{ vcpu: 64 }, {}, "c7g.16xlarge", 2.32],
    [{ vcpu: 96 }, {}, "c6i.24xlarge", 4.08],
    [{ vcpu: 128 }, {}, "c6i.32xlarge", 5.44],
    [{ vcpu: 192 }, {}, "c7i.48xlarge", 8.568],
    [{ memoryGiB: 1024 }, {}, "r6i.32xlarge", 8.064],
    [{ vcpu: 2, networkGbps: 1 }, {}, "c7g.xlarge", 0.145],
    [{ vcpu: 2, networkGbps: 1 }, { excludeCategories: [] }, "t4g.xlarge", 0.1344],
    [{ vcpu: 8, memoryGiB: 32 }, { excludeCategories: [] }, "t4g.2xlarge", 0.2688],
    [{ vcpu: 48, memoryGiB: 384 }, { architecture: "arm64" }, "r7g.12xlarge", 2.5704],
    [{ vcpu: 32, memoryGiB: 256, networkGbps: 15 }, {}, "r7g.8xlarge", 1.7136],
    [{ vcpu: 32, memoryGiB: 256, networkGbps: 15 }, { architecture: "x86_64" }, "r6i.12xlarge", 3.024],
    [{ vcpu: 8, memoryGiB: 16 }, { families: "c7i" }, "c7i.2xlarge", 0.357],
    [{ vcpu: 8, memoryGiB: 32 }, { families: ["c7i", "m7i"] }, "m7i.2xlarge", 0.4032],
    [{ vcpu: 4 }, { families: "t3" }, "t3.xlarge", 0.1664],
  ];

  it.each(cases)("meets %j with options %j by choosing %s at $%s/h", (request, options, name, price) => {
    // Act
    const { choice } = selectSize({ cloud: "aws", ...request }, options);

    // Assess
    expect(choice.name).toBe(name);
    expect(choice.pricePerHour).toBe(price);
    expect(choice).toBe(findSize(name));
  });

  it("explains the choice with the number of candidates and the runner-up", () => {
    // Act
    const selection = selectSize({ cloud: "aws", vcpu: 8, memoryGiB: 32, networkGbps: 10 });

    // Assess
    expect(selection.candidates).toBe(39);
    expect(selection.runnerUp?.name).toBe("m7g.8xlarge");
    expect(selection.reason).toBe(
      "c7g.8xlarge at $1.16/h: cheapest of 39 aws sizes with >= 8 vCPU, >= 32 GiB, >= 10 Gbps (burstable excluded); runner-up m7g.8xlarge at $1.3056/h",
    );
  });

  it("says when the network was compared at its burst peak", () => {
    expect(
      selectSize({ cloud: "aws", vcpu: 8, memoryGiB: 32, networkGbps: 10 }, { networkBasis: "peak" }).reason,
    ).toBe(
      "m7g.2xlarge at $0.3264/h: cheapest of 54 aws sizes with >= 8 vCPU, >= 32 GiB, >= 10 Gbps peak (burstable excluded); runner-up m6i.2xlarge at $0.384/h",
    );
  });

  it("says when only one size matched", () => {
    expect(selectSize({ cloud: "aws", vcpu: 150, memoryGiB: 1000 }).reason).toBe(
      "r7i.48xlarge at $12.7008/h: cheapest of 1 aws size with >= 150 vCPU, >= 1000 GiB (burstable excluded); no runner-up",
    );
  });
});

describe("selectSize on Azure", () => {
  const cases: readonly Case[] = [
    [{ vcpu: 2 }, {}, "Standard_F2s_v2", 0.0846],
    [{ memoryGiB: 1 }, {}, "Standard_F2s_v2", 0.0846],
    [{ vcpu: 2, memoryGiB: 8 }, {}, "Standard_D2as_v5", 0.086],
    [{ vcpu: 2, memoryGiB: 16 }, {}, "Standard_E2s_v5", 0.126],
    [{ vcpu: 4 }, {}, "Standard_F4s_v2", 0.169],
    [{ vcpu: 4, memoryGiB: 16 }, {}, "Standard_D4as_v5", 0.172],
    [{ vcpu: 4, memoryGiB: 32 }, {}, "Standard_E4s_v5", 0.252],
    [{ vcpu: 8 }, {}, "Standard_F8s_v2", 0.338],
    [{ vcpu: 8, memoryGiB: 32 }, {}, "Standard_D8as_v5", 0.344],
    [{ vcpu: 8, memoryGiB: 64 }, {}, "Standard_E8s_v5", 0.504],
    [{ vcpu: 16 }, {}, "Standard_F16s_v2", 0.677],
    [{ vcpu: 16, memoryGiB: 64 }, {}, "Standard_D16as_v5", 0.688],
    [{ vcpu: 16, memoryGiB: 128 }, {}, "Standard_E16s_v5", 1.008],
    [{ vcpu: 20 }, {}, "Standard_E20s_v5", 1.26],
    [{ memoryGiB: 160 }, {}, "Standard_E20s_v5", 1.26],
    [{ vcpu: 32 }, {}, "Standard_F32s_v2", 1.353],
    [{ vcpu: 32, memoryGiB: 128 }, {}, "Standard_D32as_v5", 1.376],
    [{ vcpu: 48 }, {}, "Standard_F48s_v2", 2.03],
    [{ vcpu: 64 }, {}, "Standard_F64s_v2", 2.706],
    [{ vcpu: 64, memoryGiB: 512 }, {}, "Standard_E64s_v5", 4.032],
    [{ vcpu: 2, networkGbps: 10 }, {}, "Standard_D2as_v5", 0.086],
    [{ vcpu: 2, networkGbps: 14 }, {}, "Standard_F32s_v2", 1.353],
    [{ networkGbps: 30 }, {}, "Standard_D64as_v5", 2.752],
    [{ vcpu: 2, networkGbps: 6 }, { excludeCategories: [] }, "Standard_B2ts_v2", 0.0104],
    [{ vcpu: 8 }, { families: "Dsv5" }, "Standard_D8s_v5", 0.384],
    [{ vcpu: 16 }, { families: "bsv2" }, "Standard_B16ls_v2", 0.3328],
    [{ vcpu: 8, memoryGiB: 32 }, { preferFamilies: ["Esv5"] }, "Standard_E8s_v5", 0.504],
  ];

  it.each(cases)("meets %j with options %j by choosing %s at $%s/h", (request, options, name, price) => {
    // Act
    const { choice } = selectSize({ cloud: "azure", ...request }, options);

    // Assess
    expect(choice.name).toBe(name);
    expect(choice.pricePerHour).toBe(price);
  });

  it("explains an Azure choice", () => {
    expect(selectSize({ cloud: "azure", vcpu: 8, memoryGiB: 32, networkGbps: 10 }).reason).toBe(
      "Standard_D8as_v5 at $0.344/h: cheapest of 20 azure sizes with >= 8 vCPU, >= 32 GiB, >= 10 Gbps (burstable excluded); runner-up Standard_D8s_v5 at $0.384/h",
    );
  });
});

describe("selectSize ties", () => {
  it("breaks an equal price by fewer vCPUs (Bsv2: B2s_v2 and B4ls_v2 both cost $0.0832/h)", () => {
    // Act
    const selection = selectSize({ cloud: "azure", vcpu: 2, memoryGiB: 8 }, { excludeCategories: [] });

    // Assess
    expect(selection.choice.name).toBe("Standard_B2s_v2");
    expect(selection.runnerUp?.name).toBe("Standard_B4ls_v2");
    expect(selection.runnerUp?.pricePerHour).toBe(selection.choice.pricePerHour);
    expect(selection.reason).toBe(
      "Standard_B2s_v2 at $0.0832/h: cheapest of 37 azure sizes with >= 2 vCPU, >= 8 GiB; runner-up Standard_B4ls_v2 at $0.0832/h",
    );
  });

  it("breaks an equal price by fewer vCPUs at 4 vCPU too (B4s_v2 before B8ls_v2)", () => {
    const selection = selectSize({ cloud: "azure", vcpu: 4, memoryGiB: 16 }, { excludeCategories: [] });
    expect([selection.choice.name, selection.runnerUp?.name]).toEqual([
      "Standard_B4s_v2",
      "Standard_B8ls_v2",
    ]);
  });

  const size = (name: string, vcpu: number, memoryGiB: number): InstanceSize => ({
    cloud: "aws",
    name,
    family: name.split(".")[0]!,
    category: "general",
    vcpu,
    memoryGiB,
    networkGbps: 10,
    networkBurst: false,
    networkPeakGbps: 10,
    architecture: "x86_64",
    pricePerHour: 0.5,
  });

  it("breaks an equal price and vCPU count by less memory, then by name", () => {
    // Prepare: every size costs the same; listed in the order least likely to win.
    const catalog = [
      size("zz.large", 4, 8),
      size("yy.large", 4, 16),
      size("bb.large", 4, 8),
      size("aa.xl", 8, 8),
    ];

    // Act
    const selection = selectSize({ cloud: "aws", vcpu: 4 }, { catalog });

    // Assess
    expect(selection.choice.name).toBe("bb.large");
    expect(selection.runnerUp?.name).toBe("zz.large");
  });

  it("gives the same answer whatever order the catalog lists its sizes in", () => {
    // Prepare
    const reversed = [...SIZE_CATALOG].reverse();

    // Act / Assess
    for (const vcpu of [2, 4, 8, 16, 32]) {
      expect(
        selectSize({ cloud: "azure", vcpu }, { catalog: reversed, excludeCategories: [] }).choice.name,
      ).toBe(selectSize({ cloud: "azure", vcpu }, { excludeCategories: [] }).choice.name);
    }
  });
});

describe("selectSize family preference", () => {
  it("restricts the choice to one family", () => {
    const selection = selectSize({ cloud: "aws", vcpu: 8, memoryGiB: 16 }, { families: "c7i" });
    expect(selection.reason).toBe(
      "c7i.2xlarge at $0.357/h: cheapest of 7 aws sizes with >= 8 vCPU, >= 16 GiB (family c7i); runner-up c7i.4xlarge at $0.714/h",
    );
  });

  it("prefers the first listed family that has a match over a cheaper size elsewhere", () => {
    // Act: c7g.2xlarge ($0.29/h) is cheaper, but m7g is preferred.
    const selection = selectSize({ cloud: "aws", vcpu: 8 }, { preferFamilies: ["m7g", "c7g"] });

    // Assess
    expect(selection.choice.name).toBe("m7g.2xlarge");
    expect(selection.runnerUp?.name).toBe("m7g.4xlarge");
    expect(selection.candidates).toBe(5);
    expect(selection.reason).toBe(
      "m7g.2xlarge at $0.3264/h: cheapest of 5 aws sizes with >= 8 vCPU (preferred family m7g; burstable excluded); runner-up m7g.4xlarge at $0.6528/h",
    );
  });

  it("falls through to the next preferred family when the first has no match", () => {
    // m7g stops at 64 vCPU, so the 96 vCPU request falls to c6i.
    const selection = selectSize({ cloud: "aws", vcpu: 96 }, { preferFamilies: ["m7g", "c6i"] });
    expect(selection.choice.name).toBe("c6i.24xlarge");
    expect(selection.candidates).toBe(2);
  });

  it("falls back to the cheapest match overall when no preferred family has one", () => {
    const selection = selectSize(
      { cloud: "aws", vcpu: 8, memoryGiB: 32 },
      {
        preferFamilies: ["c7g", "m7g"],
        architecture: "x86_64",
      },
    );
    expect(selection.reason).toBe(
      "m6i.2xlarge at $0.384/h: cheapest of 40 aws sizes with >= 8 vCPU, >= 32 GiB (no preferred family (c7g, m7g) has a match; x86_64 only; burstable excluded); runner-up m7i.2xlarge at $0.4032/h",
    );
  });

  it("keeps a preferred burstable family despite the default exclusion of burstable sizes", () => {
    const selection = selectSize({ cloud: "aws", vcpu: 4 }, { preferFamilies: ["t4g"] });
    expect(selection.reason).toBe(
      "t4g.xlarge at $0.1344/h: cheapest of 2 aws sizes with >= 4 vCPU (preferred family t4g; burstable excluded except t4g); runner-up t4g.2xlarge at $0.2688/h",
    );
  });

  it("honours an explicit exclusion even for a named family", () => {
    const error = thrown(() =>
      selectSize({ cloud: "aws", vcpu: 4 }, { families: "t3", excludeCategories: ["burstable"] }),
    );
    expect(error).toBeInstanceOf(NoMatchingSizeError);
    expect(error.message).toBe(
      "No aws size passes the filters (family t3; burstable excluded); loosen the families, architecture or excluded categories.",
    );
  });

  it("can leave out other categories as well", () => {
    const selection = selectSize({ cloud: "aws", vcpu: 8 }, { excludeCategories: ["burstable", "compute"] });
    expect(selection.choice.name).toBe("m7g.2xlarge");
    expect(selection.reason).toContain("(burstable, compute excluded)");
  });

  it("rejects an unknown family and suggests the nearest", () => {
    const error = thrown(() => selectSize({ cloud: "aws", vcpu: 2 }, { families: "c8i" }));
    expect(error).toBeInstanceOf(UnknownSizeError);
    expect(error).toMatchObject({ kind: "family", lookedUp: "c8i", suggestion: "c6i" });
    expect(error.message).toBe(
      'Unknown aws family "c8i". Did you mean c6i? aws families are c6i, c7g, c7i, m6i, m7g, m7i, r6i, r7g, r7i, t3, t4g.',
    );
  });

  it("rejects a preferred family of the other cloud", () => {
    expect(() => selectSize({ cloud: "azure", vcpu: 2 }, { preferFamilies: ["m7g"] })).toThrow(
      'Family "m7g" is an aws family, not azure; azure families are Bsv2, Dasv5, Dsv5, Esv5, Fsv2.',
    );
  });
});

describe("selectSize architecture", () => {
  it("chooses only arm64 sizes when asked", () => {
    const selection = selectSize({ cloud: "aws", vcpu: 16, memoryGiB: 64 }, { architecture: "arm64" });
    expect([selection.choice.name, selection.runnerUp?.name]).toEqual(["m7g.4xlarge", "r7g.4xlarge"]);
  });

  it("chooses only x86_64 sizes when asked", () => {
    const selection = selectSize({ cloud: "aws", vcpu: 16, memoryGiB: 64 }, { architecture: "x86_64" });
    expect([selection.choice.name, selection.runnerUp?.name]).toEqual(["m6i.4xlarge", "m7i.4xlarge"]);
  });

  it("reports a family and architecture that exclude each other", () => {
    expect(() => selectSize({ cloud: "aws", vcpu: 2 }, { families: "c7i", architecture: "arm64" })).toThrow(
      "No aws size passes the filters (family c7i; arm64 only); loosen the families, architecture or excluded categories.",
    );
  });

  it("reports that Azure's catalogued sizes are all x86_64", () => {
    const error = thrown(() => selectSize({ cloud: "azure", vcpu: 2 }, { architecture: "arm64" }));
    expect(error).toMatchObject({ unmet: ["filters"], largest: undefined, cloud: "azure" });
    expect(error.message).toBe(
      "No azure size passes the filters (arm64 only); loosen the families, architecture or excluded categories.",
    );
  });
});

describe("selectSize errors", () => {
  it("names the unmet vCPU requirement and the largest size by vCPU", () => {
    // Act
    const error = thrown(() => selectSize({ cloud: "aws", vcpu: 256 }));

    // Assess
    expect(error).toBeInstanceOf(NoMatchingSizeError);
    expect(error).toBeInstanceOf(PersonasError);
    expect(error).toMatchObject({
      code: "SIZING_NO_MATCH",
      unmet: ["vcpu"],
      largest: findSize("r7i.48xlarge"),
    });
    expect(error.message).toBe(
      "No aws size meets >= 256 vCPU (burstable excluded): no size has >= 256 vCPU; the largest by vCPU is r7i.48xlarge (192 vCPU, 1536 GiB, 50 Gbps).",
    );
  });

  it("names the unmet memory requirement and the largest size by memory", () => {
    expect(() => selectSize({ cloud: "azure", vcpu: 8, memoryGiB: 1024 })).toThrow(
      "No azure size meets >= 8 vCPU, >= 1024 GiB (burstable excluded): no size has >= 1024 GiB; the largest by memory is Standard_E64s_v5 (64 vCPU, 512 GiB, 30 Gbps).",
    );
  });

  it("names the unmet network requirement and the fastest size", () => {
    expect(() => selectSize({ cloud: "aws", networkGbps: 100 })).toThrow(
      "No aws size meets >= 100 Gbps (burstable excluded): no size has >= 100 Gbps; the largest by network is r7i.48xlarge (192 vCPU, 1536 GiB, 50 Gbps).",
    );
  });

  it("names every requirement that no size meets", () => {
    const error = thrown(() => selectSize({ cloud: "aws", vcpu: 256, memoryGiB: 4096 }));
    expect(error).toMatchObject({ unmet: ["vcpu", "memoryGiB"] });
    expect(error.message).toBe(
      "No aws size meets >= 256 vCPU, >= 4096 GiB (burstable excluded): no size has >= 256 vCPU or >= 4096 GiB; the largest by vCPU is r7i.48xlarge (192 vCPU, 1536 GiB, 50 Gbps).",
    );
  });

  it("says when each requirement is met by some size but none meets all", () => {
    const error = thrown(() => selectSize({ cloud: "azure", vcpu: 64, memoryGiB: 512, networkGbps: 32 }));
    expect(error).toMatchObject({ unmet: ["combination"], largest: findSize("Standard_E64s_v5") });
    expect(error.message).toBe(
      "No azure size meets >= 64 vCPU, >= 512 GiB, >= 32 Gbps (burstable excluded): each requirement is met by some size, but no size meets all of them; the largest is Standard_E64s_v5 (64 vCPU, 512 GiB, 30 Gbps).",
    );
  });

  it("measures the largest within the filters", () => {
    expect(() => selectSize({ cloud: "aws", vcpu: 96 }, { architecture: "arm64" })).toThrow(
      "No aws size meets >= 96 vCPU (arm64 only; burstable excluded): no size has >= 96 vCPU; the largest by vCPU is r7g.16xlarge (64 vCPU, 512 GiB, 30 Gbps).",
    );
    expect(() => selectSize({ cloud: "aws", vcpu: 4, networkGbps: 4 }, { families: "t3" })).toThrow(
      "No aws size meets >= 4 vCPU, >= 4 Gbps (family t3): no size has >= 4 Gbps; the largest by network is t3.2xlarge (8 vCPU, 32 GiB, 2.048 Gbps up to 5).",
    );
  });

  it("rejects a negative minimum", () => {
    const error = thrown(() => selectSize({ cloud: "aws", vcpu: -1 }));
    expect(error).toBeInstanceOf(InvalidSizingRequestError);
    expect(error.message).toBe("vcpu must be a number >= 0; received -1.");
  });

  it("rejects a minimum that is not a number", () => {
    expect(() => selectSize({ cloud: "aws", memoryGiB: Number.NaN })).toThrow(
      "memoryGiB must be a number >= 0; received NaN.",
    );
  });

  it("rejects an unknown cloud", () => {
    expect(() => selectSize({ cloud: "gcp" as "aws", vcpu: 2 })).toThrow(
      'cloud must be "aws" or "azure"; received gcp.',
    );
  });

  it("rejects an unknown network basis", () => {
    expect(() => selectSize({ cloud: "aws", vcpu: 2 }, { networkBasis: "burst" as "peak" })).toThrow(
      'networkBasis must be "sustained" or "peak"; received burst.',
    );
  });
});

describe("selectSize memoisation", () => {
  it("returns the same frozen selection for a repeated request", () => {
    // Act
    const first = selectSize({ cloud: "aws", vcpu: 12, memoryGiB: 24 }, { families: ["m7i", "c7i"] });
    const second = selectSize({ cloud: "aws", vcpu: 12, memoryGiB: 24 }, { families: ["m7i", "c7i"] });

    // Assess
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first.choice.name).toBe("c7i.4xlarge");
  });

  it("throws a fresh error with the same message for a repeated failing request", () => {
    // Act
    const first = thrown(() => selectSize({ cloud: "aws", vcpu: 1000 }));
    const second = thrown(() => selectSize({ cloud: "aws", vcpu: 1000 }));
    const unknownFirst = thrown(() => selectSize({ cloud: "aws" }, { families: "zz9" }));
    const unknownSecond = thrown(() => selectSize({ cloud: "aws" }, { families: "zz9" }));

    // Assess
    expect(second).not.toBe(first);
    expect(second).toBeInstanceOf(NoMatchingSizeError);
    expect(second.message).toBe(first.message);
    expect(unknownSecond).not.toBe(unknownFirst);
    expect(unknownSecond).toBeInstanceOf(UnknownSizeError);
    expect(unknownSecond.message).toBe(unknownFirst.message);
  });

  it("never confuses an omitted option with an empty one", () => {
    // Act: the first call fills the memo with the default (burstable left out).
    const byDefault = selectSize({ cloud: "aws", vcpu: 3 });
    const allowingAll = selectSize({ cloud: "aws", vcpu: 3 }, { excludeCategories: [] });

    // Assess
    expect(byDefault.choice.name).toBe("c7g.xlarge");
    expect(allowingAll.choice.name).toBe("t4g.xlarge");
  });

  it("never confuses one family name containing a comma with two names", () => {
    expect(() => selectSize({ cloud: "aws" }, { families: ["c7i", "m7i"] })).not.toThrow();
    expect(() => selectSize({ cloud: "aws" }, { families: ["c7i,m7i"] })).toThrow(
      'Unknown aws family "c7i,m7i".',
    );
  });

  it("keeps separate memos for separate catalogs", () => {
    // Prepare: the same catalog with c7g twice as expensive.
    const pricier = SIZE_CATALOG.map((s) =>
      s.family === "c7g" ? { ...s, pricePerHour: s.pricePerHour * 2 } : s,
    );

    // Act / Assess
    expect(selectSize({ cloud: "aws", vcpu: 2 }).choice.name).toBe("c7g.large");
    expect(selectSize({ cloud: "aws", vcpu: 2 }, { catalog: pricier }).choice.name).toBe("m7g.large");
  });
});

describe("selectSize against a brute-force reference", () => {
  const categories: readonly SizeCategory[] = ["general", "compute", "memory", "burstable"];

  /** The obvious, slow definition: filter everything, then take the minimum by the tie-break order. */
  function reference(request: SizeRequest, options: SelectSizeOptions): InstanceSize | undefined {
    const excluded = options.excludeCategories ?? ["burstable"];
    const peak = options.networkBasis === "peak";
    const matches = SIZE_CATALOG.filter(
      (s) =>
        s.cloud === request.cloud &&
        (options.architecture === undefined || s.architecture === options.architecture) &&
        !excluded.includes(s.category) &&
        s.vcpu >= (request.vcpu ?? 0) &&
        s.memoryGiB >= (request.memoryGiB ?? 0) &&
        (peak ? s.networkPeakGbps : s.networkGbps) >= (request.networkGbps ?? 0),
    );
    const key = (s: InstanceSize) => [s.pricePerHour, s.vcpu, s.memoryGiB] as const;
    return matches.reduce<InstanceSize | undefined>((best, s) => {
      if (best === undefined) return s;
      const [a, b] = [key(s), key(best)];
      const diff = a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || (s.name < best.name ? -1 : 1);
      return diff < 0 ? s : best;
    }, undefined);
  }

  it("picks what exhaustive search picks, or fails exactly when exhaustive search finds nothing", () => {
    let found = 0;
    fc.assert(
      fc.property(
        fc.constantFrom("aws" as const, "azure" as const),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 1600 }),
        fc.constantFrom(0, 0.5, 1, 3, 5, 6.25, 10, 12.5, 15, 20, 30, 40, 50, 60),
        fc.constantFrom(undefined, "x86_64" as const, "arm64" as const),
        fc.option(fc.subarray([...categories]), { nil: undefined }),
        fc.constantFrom(undefined, "sustained" as const, "peak" as const),
        (cloud, vcpu, memoryGiB, networkGbps, architecture, excludeCategories, networkBasis) => {
          const request: SizeRequest = { cloud, vcpu, memoryGiB, networkGbps };
          const options: SelectSizeOptions = {
            ...(architecture === undefined ? {} : { architecture }),
            ...(excludeCategories === undefined ? {} : { excludeCategories }),
            ...(networkBasis === undefined ? {} : { networkBasis }),
          };
          const expected = reference(request, options);
          if (expected === undefined) {
            expect(() => selectSize(request, options)).toThrow(NoMatchingSizeError);
          } else {
            expect(selectSize(request, options).choice).toBe(expected);
            found++;
          }
        },
      ),
      { numRuns: 500, seed: 20261126 },
    );
    // Both answers are exercised: a size is found for about 22 % of the requests (fixed seed: exactly
    // 108 of 500), the rest must fail.
    expect(found / 500).toBeGreaterThanOrEqual(0.1);
    expect(found / 500).toBeLessThanOrEqual(0.9);
  });
});
