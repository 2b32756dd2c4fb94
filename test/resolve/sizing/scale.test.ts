import { describe, expect, it } from "vitest";
import {
  findSize,
  InvalidSizingRequestError,
  type ScaleTarget,
  ScaleTargetError,
  scaleWithinFamily,
  UnknownSizeError,
} from "../../../src/resolve/sizing/index.js";
import { thrown } from "../../support/thrown.js";

describe("scaleWithinFamily up", () => {
  it("turns 'Scale up to 16 cores' on a c7i.2xlarge into c7i.4xlarge", () => {
    // Act
    const scaled = scaleWithinFamily("c7i.2xlarge", { vcpu: 16 });

    // Assess
    expect(scaled.from).toBe(findSize("c7i.2xlarge"));
    expect(scaled.to).toBe(findSize("c7i.4xlarge"));
    expect(scaled.direction).toBe("up");
    expect(scaled.reason).toBe(
      "c7i.2xlarge -> c7i.4xlarge (scale up): c7i.4xlarge is the smallest c7i size with >= 16 vCPU",
    );
  });

  it("rounds a vCPU target up to the next size the family has", () => {
    expect(scaleWithinFamily("c7i.2xlarge", { vcpu: 12 }).to.name).toBe("c7i.4xlarge");
    expect(scaleWithinFamily("m7i.large", { vcpu: 33 }).to.name).toBe("m7i.12xlarge");
    expect(scaleWithinFamily("Standard_E16s_v5", { vcpu: 18 }).to.name).toBe("Standard_E20s_v5");
  });

  it("scales by memory", () => {
    const scaled = scaleWithinFamily("m7i.large", { memoryGiB: 64 });
    expect(scaled.to.name).toBe("m7i.4xlarge");
    expect(scaled.reason).toBe(
      "m7i.large -> m7i.4xlarge (scale up): m7i.4xlarge is the smallest m7i size with >= 64 GiB",
    );
  });

  it("scales an Azure size", () => {
    expect(scaleWithinFamily("Standard_D8s_v5", { vcpu: 16 }).to.name).toBe("Standard_D16s_v5");
    expect(scaleWithinFamily("standard_f2s_v2", { memoryGiB: 100 }).to.name).toBe("Standard_F64s_v2");
  });

  it("scales to a named size of the same family", () => {
    const scaled = scaleWithinFamily("c7g.large", { size: "c7g.8xlarge" });
    expect([scaled.to.name, scaled.direction]).toEqual(["c7g.8xlarge", "up"]);
    expect(scaled.reason).toBe("c7g.large -> c7g.8xlarge (scale up): c7g.8xlarge was named");
  });

  it("keeps memory per vCPU in a mixed-shape series (Bsv2)", () => {
    // Act
    const scaled = scaleWithinFamily("Standard_B2s_v2", { vcpu: 16 });

    // Assess: B16ls_v2 also has 16 vCPU, but half the memory per vCPU.
    expect(scaled.to.name).toBe("Standard_B16s_v2");
    expect(scaled.reason).toBe(
      "Standard_B2s_v2 -> Standard_B16s_v2 (scale up): Standard_B16s_v2 is the smallest Bsv2 size of the same shape with >= 16 vCPU",
    );
  });

  it("takes the nearest shape when the current one does not exist at the target (Bsv2 B2ts_v2)", () => {
    const scaled = scaleWithinFamily("Standard_B2ts_v2", { vcpu: 4 });
    expect(scaled.to.name).toBe("Standard_B4ls_v2");
    expect(scaled.reason).toBe(
      "Standard_B2ts_v2 -> Standard_B4ls_v2 (scale up): Standard_B4ls_v2 is the smallest Bsv2 size of the nearest shape with >= 4 vCPU",
    );
  });
});

describe("scaleWithinFamily down", () => {
  it("scales down when the target is below the current size", () => {
    const scaled = scaleWithinFamily("c7i.4xlarge", { vcpu: 8 });
    expect([scaled.to.name, scaled.direction]).toEqual(["c7i.2xlarge", "down"]);
    expect(scaled.reason).toBe(
      "c7i.4xlarge -> c7i.2xlarge (scale down): c7i.2xlarge is the smallest c7i size with >= 8 vCPU",
    );
  });

  it("reverts to a named baseline", () => {
    const scaled = scaleWithinFamily("c7i.16xlarge", { size: "c7i.2xlarge" });
    expect([scaled.to.name, scaled.direction]).toEqual(["c7i.2xlarge", "down"]);
  });

  it("scales down by memory", () => {
    expect(scaleWithinFamily("r7g.4xlarge", { memoryGiB: 16 }).to.name).toBe("r7g.large");
  });

  it("keeps memory per vCPU when scaling a Bsv2 size down", () => {
    expect(scaleWithinFamily("Standard_B4s_v2", { vcpu: 2 }).to.name).toBe("Standard_B2s_v2");
  });

  it("stays when the current size is already the answer", () => {
    // Act
    const byVcpu = scaleWithinFamily("c7i.2xlarge", { vcpu: 8 });
    const byName = scaleWithinFamily("c7i.2xlarge", { size: "C7I.2XLARGE" });

    // Assess
    expect(byVcpu.to).toBe(byVcpu.from);
    expect(byVcpu.direction).toBe("none");
    expect(byVcpu.reason).toBe("c7i.2xlarge stays: c7i.2xlarge is the smallest c7i size with >= 8 vCPU");
    expect(byName.direction).toBe("none");
    expect(byName.reason).toBe("c7i.2xlarge stays: c7i.2xlarge was named");
  });
});

describe("scaleWithinFamily bounds", () => {
  it("allows a target that lands exactly on the bound", () => {
    expect(scaleWithinFamily("c7i.2xlarge", { vcpu: 32 }, { maxVcpu: 32 }).to.name).toBe("c7i.8xlarge");
    expect(scaleWithinFamily("c7i.2xlarge", { vcpu: 32 }, { maxSize: "c7i.8xlarge" }).to.name).toBe(
      "c7i.8xlarge",
    );
  });

  it("refuses a vCPU target above a vCPU bound and lists what fits", () => {
    // Act
    const error = thrown(() => scaleWithinFamily("c7i.2xlarge", { vcpu: 64 }, { maxVcpu: 32 }));

    // Assess
    expect(error).toBeInstanceOf(ScaleTargetError);
    expect(error).toMatchObject({
      code: "SIZING_SCALE_TARGET",
      problem: "above-bound",
      from: findSize("c7i.2xlarge"),
    });
    expect(error.message).toBe(
      "Cannot scale c7i.2xlarge to >= 64 vCPU: the smallest c7i size with >= 64 vCPU is c7i.16xlarge (64 vCPU, 128 GiB), above the bound of at most 32 vCPU; within the bound c7i has 2, 4, 8, 16, 32 vCPU sizes.",
    );
  });

  it("refuses a vCPU target whose size breaks a memory bound", () => {
    expect(() => scaleWithinFamily("r7i.large", { vcpu: 16 }, { maxMemoryGiB: 64 })).toThrow(
      "Cannot scale r7i.large to >= 16 vCPU: the smallest r7i size with >= 16 vCPU is r7i.4xlarge (16 vCPU, 128 GiB), above the bound of at most 64 GiB; within the bound r7i has 2, 4, 8 vCPU sizes.",
    );
  });

  it("refuses a memory target above a size bound", () => {
    expect(() => scaleWithinFamily("m7g.large", { memoryGiB: 128 }, { maxSize: "m7g.4xlarge" })).toThrow(
      "Cannot scale m7g.large to >= 128 GiB: the smallest m7g size with >= 128 GiB is m7g.8xlarge (32 vCPU, 128 GiB), above the bound of at most m7g.4xlarge; within the bound m7g has 8, 16, 32, 64 GiB sizes.",
    );
  });

  it("refuses a named size above the bound", () => {
    expect(() =>
      scaleWithinFamily("c7i.2xlarge", { size: "c7i.8xlarge" }, { maxSize: "c7i.4xlarge" }),
    ).toThrow(
      "Cannot scale c7i.2xlarge to c7i.8xlarge: c7i.8xlarge (32 vCPU, 64 GiB) is above the bound of at most c7i.4xlarge; within the bound c7i has c7i.large, c7i.xlarge, c7i.2xlarge, c7i.4xlarge.",
    );
  });

  it("combines bounds and names them all", () => {
    expect(() => scaleWithinFamily("c6i.large", { vcpu: 64 }, { maxVcpu: 48, maxMemoryGiB: 64 })).toThrow(
      "Cannot scale c6i.large to >= 64 vCPU: the smallest c6i size with >= 64 vCPU is c6i.16xlarge (64 vCPU, 128 GiB), above the bound of at most 48 vCPU and at most 64 GiB; within the bound c6i has 2, 4, 8, 16, 32 vCPU sizes.",
    );
  });

  it("says when no size of the family is within the bound", () => {
    expect(() => scaleWithinFamily("c7i.2xlarge", { vcpu: 4 }, { maxVcpu: 1 })).toThrow(
      "Cannot scale c7i.2xlarge to >= 4 vCPU: the smallest c7i size with >= 4 vCPU is c7i.xlarge (4 vCPU, 8 GiB), above the bound of at most 1 vCPU; no c7i size is within the bound.",
    );
  });

  it("rejects a size bound from another family", () => {
    const error = thrown(() => scaleWithinFamily("c7i.2xlarge", { vcpu: 16 }, { maxSize: "m7i.8xlarge" }));
    expect(error).toBeInstanceOf(InvalidSizingRequestError);
    expect(error.message).toBe(
      "maxSize m7i.8xlarge is in family m7i, not c7i; a bound must name a c7i size.",
    );
  });

  it("rejects a bound that is not a positive number", () => {
    expect(() => scaleWithinFamily("c7i.2xlarge", { vcpu: 16 }, { maxVcpu: 0 })).toThrow(
      "maxVcpu must be a number > 0; received 0.",
    );
  });
});

describe("scaleWithinFamily impossible targets", () => {
  it("lists the family's vCPU sizes when none is big enough", () => {
    // Act
    const error = thrown(() => scaleWithinFamily("c7i.2xlarge", { vcpu: 256 }));

    // Assess
    expect(error).toBeInstanceOf(ScaleTargetError);
    expect(error).toMatchObject({ problem: "too-large" });
    expect(error.message).toBe(
      "Cannot scale c7i.2xlarge to >= 256 vCPU: c7i has 2, 4, 8, 16, 32, 48, 64, 96, 192 vCPU sizes.",
    );
  });

  it("lists the family's memory sizes when none has enough memory", () => {
    expect(() => scaleWithinFamily("c7i.2xlarge", { memoryGiB: 512 })).toThrow(
      "Cannot scale c7i.2xlarge to >= 512 GiB: c7i has 4, 8, 16, 32, 64, 96, 128, 192, 384 GiB sizes.",
    );
  });

  it("lists a mixed-shape series' sizes once per value", () => {
    expect(() => scaleWithinFamily("Standard_B2s_v2", { vcpu: 48 })).toThrow(
      "Cannot scale Standard_B2s_v2 to >= 48 vCPU: Bsv2 has 2, 4, 8, 16, 32 vCPU sizes.",
    );
  });

  it("refuses a named size of another family and lists the family's sizes", () => {
    const error = thrown(() => scaleWithinFamily("c7i.2xlarge", { size: "m7i.4xlarge" }));
    expect(error).toMatchObject({ problem: "other-family" });
    expect(error.message).toBe(
      "Cannot scale c7i.2xlarge to m7i.4xlarge: m7i.4xlarge is in family m7i, not c7i; c7i sizes are c7i.large, c7i.xlarge, c7i.2xlarge, c7i.4xlarge, c7i.8xlarge, c7i.12xlarge, c7i.16xlarge, c7i.24xlarge, c7i.48xlarge.",
    );
  });

  it("refuses a size of the other cloud the same way", () => {
    expect(() => scaleWithinFamily("Standard_D4s_v5", { size: "m7i.xlarge" })).toThrow(
      "Cannot scale Standard_D4s_v5 to m7i.xlarge: m7i.xlarge is in family m7i, not Dsv5; Dsv5 sizes are Standard_D2s_v5, Standard_D4s_v5, Standard_D8s_v5, Standard_D16s_v5, Standard_D32s_v5, Standard_D48s_v5, Standard_D64s_v5.",
    );
  });

  it("rejects an unknown current size with a suggestion", () => {
    const error = thrown(() => scaleWithinFamily("c7i.3xlarge", { vcpu: 16 }));
    expect(error).toBeInstanceOf(UnknownSizeError);
    expect(error.message).toBe(
      'Unknown instance size "c7i.3xlarge". Did you mean c7i.2xlarge? The catalog\'s sizes are listed in docs/sizing.md.',
    );
  });

  it("rejects an unknown target size", () => {
    expect(() => scaleWithinFamily("c7i.2xlarge", { size: "c7i.5xlarge" })).toThrow(UnknownSizeError);
  });
});

describe("scaleWithinFamily targets", () => {
  it.each([
    [{}, "A scale target needs exactly one of vcpu, memoryGiB or size; received none of them."],
    [
      { vcpu: 4, size: "c7i.xlarge" },
      "A scale target needs exactly one of vcpu, memoryGiB or size; received vcpu and size.",
    ],
    [{ vcpu: 0 }, "vcpu must be a number > 0; received 0."],
    [{ memoryGiB: Number.POSITIVE_INFINITY }, "memoryGiB must be a number > 0; received Infinity."],
    [{ size: 42 }, "A scale target's size must be a size name; received 42."],
  ])("rejects %j", (target, message) => {
    const error = thrown(() => scaleWithinFamily("c7i.2xlarge", target as unknown as ScaleTarget));
    expect(error).toBeInstanceOf(InvalidSizingRequestError);
    expect(error.message).toBe(message);
  });
});
