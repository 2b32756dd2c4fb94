/**
 * The sizing catalog, shipped as data. Where every figure comes from, and when it was taken, is in
 * docs/sizing.md; prices are reference values for comparing sizes, not a bill.
 */
import type { Architecture, Cloud, InstanceSize, SizeCategory } from "./types.js";

/** Where the catalog's figures come from and when they were compiled. */
export const CATALOG_SOURCE = {
  compiledOn: "2026-11-26",
  aws: {
    region: "us-east-1",
    pricing: "Linux on-demand",
    specs:
      "Amazon EC2 instance type specifications (general purpose, compute and memory optimized, burstable)",
  },
  azure: {
    region: "eastus",
    pricing: "Linux pay-as-you-go",
    specs: "Azure VM size series pages (Dsv5, Dasv5, Esv5, Fsv2, Bsv2)",
  },
} as const;

/** name, vCPU, memory GiB, sustained Gbps, peak Gbps, USD per hour. */
type Row = readonly [
  name: string,
  vcpu: number,
  memoryGiB: number,
  gbps: number,
  peakGbps: number,
  price: number,
];

function family(
  cloud: Cloud,
  familyName: string,
  category: SizeCategory,
  architecture: Architecture,
  rows: readonly Row[],
): readonly InstanceSize[] {
  return rows.map(([name, vcpu, memoryGiB, networkGbps, networkPeakGbps, pricePerHour]) =>
    Object.freeze({
      cloud,
      name,
      family: familyName,
      category,
      vcpu,
      memoryGiB,
      networkGbps,
      networkBurst: networkPeakGbps > networkGbps,
      networkPeakGbps,
      architecture,
      pricePerHour,
    }),
  );
}

// AWS "up to X Gbps" sizes carry their documented baseline as the sustained figure and X as the peak.
const m7i = family("aws", "m7i", "general", "x86_64", [
  ["m7i.large", 2, 8, 0.781, 12.5, 0.1008],
  ["m7i.xlarge", 4, 16, 1.562, 12.5, 0.2016],
  ["m7i.2xlarge", 8, 32, 3.125, 12.5, 0.4032],
  ["m7i.4xlarge", 16, 64, 6.25, 12.5, 0.8064],
  ["m7i.8xlarge", 32, 128, 12.5, 12.5, 1.6128],
  ["m7i.12xlarge", 48, 192, 18.75, 18.75, 2.4192],
  ["m7i.16xlarge", 64, 256, 25, 25, 3.2256],
  ["m7i.24xlarge", 96, 384, 37.5, 37.5, 4.8384],
  ["m7i.48xlarge", 192, 768, 50, 50, 9.6768],
]);

const m7g = family("aws", "m7g", "general", "arm64", [
  ["m7g.large", 2, 8, 0.937, 12.5, 0.0816],
  ["m7g.xlarge", 4, 16, 1.876, 12.5, 0.1632],
  ["m7g.2xlarge", 8, 32, 3.75, 15, 0.3264],
  ["m7g.4xlarge", 16, 64, 7.5, 15, 0.6528],
  ["m7g.8xlarge", 32, 128, 15, 15, 1.3056],
  ["m7g.12xlarge", 48, 192, 22.5, 22.5, 1.9584],
  ["m7g.16xlarge", 64, 256, 30, 30, 2.6112],
]);

const m6i = family("aws", "m6i", "general", "x86_64", [
  ["m6i.large", 2, 8, 0.781, 12.5, 0.096],
  ["m6i.xlarge", 4, 16, 1.562, 12.5, 0.192],
  ["m6i.2xlarge", 8, 32, 3.125, 12.5, 0.384],
  ["m6i.4xlarge", 16, 64, 6.25, 12.5, 0.768],
  ["m6i.8xlarge", 32, 128, 12.5, 12.5, 1.536],
  ["m6i.12xlarge", 48, 192, 18.75, 18.75, 2.304],
  ["m6i.16xlarge", 64, 256, 25, 25, 3.072],
  ["m6i.24xlarge", 96, 384, 37.5, 37.5, 4.608],
  ["m6i.32xlarge", 128, 512, 50, 50, 6.144],
]);

const c7i = family("aws", "c7i", "compute", "x86_64", [
  ["c7i.large", 2, 4, 0.781, 12.5, 0.08925],
  ["c7i.xlarge", 4, 8, 1.562, 12.5, 0.1785],
  ["c7i.2xlarge", 8, 16, 3.125, 12.5, 0.357],
  ["c7i.4xlarge", 16, 32, 6.25, 12.5, 0.714],
  ["c7i.8xlarge", 32, 64, 12.5, 12.5, 1.428],
  ["c7i.12xlarge", 48, 96, 18.75, 18.75, 2.142],
  ["c7i.16xlarge", 64, 128, 25, 25, 2.856],
  ["c7i.24xlarge", 96, 192, 37.5, 37.5, 4.284],
  ["c7i.48xlarge", 192, 384, 50, 50, 8.568],
]);

const c7g = family("aws", "c7g", "compute", "arm64", [
  ["c7g.large", 2, 4, 0.937, 12.5, 0.0725],
  ["c7g.xlarge", 4, 8, 1.876, 12.5, 0.145],
  ["c7g.2xlarge", 8, 16, 3.75, 15, 0.29],
  ["c7g.4xlarge", 16, 32, 7.5, 15, 0.58],
  ["c7g.8xlarge", 32, 64, 15, 15, 1.16],
  ["c7g.12xlarge", 48, 96, 22.5, 22.5, 1.74],
  ["c7g.16xlarge", 64, 128, 30, 30, 2.32],
]);

const c6i = family("aws", "c6i", "compute", "x86_64", [
  ["c6i.large", 2, 4, 0.781, 12.5, 0.085],
  ["c6i.xlarge", 4, 8, 1.562, 12.5, 0.17],
  ["c6i.2xlarge", 8, 16, 3.125, 12.5, 0.34],
  ["c6i.4xlarge", 16, 32, 6.25, 12.5, 0.68],
  ["c6i.8xlarge", 32, 64, 12.5, 12.5, 1.36],
  ["c6i.12xlarge", 48, 96, 18.75, 18.75, 2.04],
  ["c6i.16xlarge", 64, 128, 25, 25, 2.72],
  ["c6i.24xlarge", 96, 192, 37.5, 37.5, 4.08],
  ["c6i.32xlarge", 128, 256, 50, 50, 5.44],
]);

const r7i = family("aws", "r7i", "memory", "x86_64", [
  ["r7i.large", 2, 16, 0.781, 12.5, 0.1323],
  ["r7i.xlarge", 4, 32, 1.562, 12.5, 0.2646],
  ["r7i.2xlarge", 8, 64, 3.125, 12.5, 0.5292],
  ["r7i.4xlarge", 16, 128, 6.25, 12.5, 1.0584],
  ["r7i.8xlarge", 32, 256, 12.5, 12.5, 2.1168],
  ["r7i.12xlarge", 48, 384, 18.75, 18.75, 3.1752],
  ["r7i.16xlarge", 64, 512, 25, 25, 4.2336],
  ["r7i.24xlarge", 96, 768, 37.5, 37.5, 6.3504],
  ["r7i.48xlarge", 192, 1536, 50, 50, 12.7008],
]);

const r7g = family("aws", "r7g", "memory", "arm64", [
  ["r7g.large", 2, 16, 0.937, 12.5, 0.1071],
  ["r7g.xlarge", 4, 32, 1.876, 12.5, 0.2142],
  ["r7g.2xlarge", 8, 64, 3.75, 15, 0.4284],
  ["r7g.4xlarge", 16, 128, 7.5, 15, 0.8568],
  ["r7g.8xlarge", 32, 256, 15, 15, 1.7136],
  ["r7g.12xlarge", 48, 384, 22.5, 22.5, 2.5704],
  ["r7g.16xlarge", 64, 512, 30, 30, 3.4272],
]);

const r6i = family("aws", "r6i", "memory", "x86_64", [
  ["r6i.large", 2, 16, 0.781, 12.5, 0.126],
  ["r6i.xlarge", 4, 32, 1.562, 12.5, 0.252],
  ["r6i.2xlarge", 8, 64, 3.125, 12.5, 0.504],
  ["r6i.4xlarge", 16, 128, 6.25, 12.5, 1.008],
  ["r6i.8xlarge", 32, 256, 12.5, 12.5, 2.016],
  ["r6i.12xlarge", 48, 384, 18.75, 18.75, 3.024],
  ["r6i.16xlarge", 64, 512, 25, 25, 4.032],
  ["r6i.24xlarge", 96, 768, 37.5, 37.5, 6.048],
  ["r6i.32xlarge", 128, 1024, 50, 50, 8.064],
]);

const t3 = family("aws", "t3", "burstable", "x86_64", [
  ["t3.large", 2, 8, 0.512, 5, 0.0832],
  ["t3.xlarge", 4, 16, 1.024, 5, 0.1664],
  ["t3.2xlarge", 8, 32, 2.048, 5, 0.3328],
]);

const t4g = family("aws", "t4g", "burstable", "arm64", [
  ["t4g.large", 2, 8, 0.512, 5, 0.0672],
  ["t4g.xlarge", 4, 16, 1.024, 5, 0.1344],
  ["t4g.2xlarge", 8, 32, 2.048, 5, 0.2688],
]);

// Azure publishes one "max network bandwidth" figure per size; it is both the sustained and the peak value.
const dsv5 = family("azure", "Dsv5", "general", "x86_64", [
  ["Standard_D2s_v5", 2, 8, 12.5, 12.5, 0.096],
  ["Standard_D4s_v5", 4, 16, 12.5, 12.5, 0.192],
  ["Standard_D8s_v5", 8, 32, 12.5, 12.5, 0.384],
  ["Standard_D16s_v5", 16, 64, 12.5, 12.5, 0.768],
  ["Standard_D32s_v5", 32, 128, 16, 16, 1.536],
  ["Standard_D48s_v5", 48, 192, 24, 24, 2.304],
  ["Standard_D64s_v5", 64, 256, 30, 30, 3.072],
]);

const dasv5 = family("azure", "Dasv5", "general", "x86_64", [
  ["Standard_D2as_v5", 2, 8, 12.5, 12.5, 0.086],
  ["Standard_D4as_v5", 4, 16, 12.5, 12.5, 0.172],
  ["Standard_D8as_v5", 8, 32, 12.5, 12.5, 0.344],
  ["Standard_D16as_v5", 16, 64, 12.5, 12.5, 0.688],
  ["Standard_D32as_v5", 32, 128, 16, 16, 1.376],
  ["Standard_D48as_v5", 48, 192, 24, 24, 2.064],
  ["Standard_D64as_v5", 64, 256, 32, 32, 2.752],
]);

const esv5 = family("azure", "Esv5", "memory", "x86_64", [
  ["Standard_E2s_v5", 2, 16, 12.5, 12.5, 0.126],
  ["Standard_E4s_v5", 4, 32, 12.5, 12.5, 0.252],
  ["Standard_E8s_v5", 8, 64, 12.5, 12.5, 0.504],
  ["Standard_E16s_v5", 16, 128, 12.5, 12.5, 1.008],
  ["Standard_E20s_v5", 20, 160, 12.5, 12.5, 1.26],
  ["Standard_E32s_v5", 32, 256, 16, 16, 2.016],
  ["Standard_E48s_v5", 48, 384, 24, 24, 3.024],
  ["Standard_E64s_v5", 64, 512, 30, 30, 4.032],
]);

const fsv2 = family("azure", "Fsv2", "compute", "x86_64", [
  ["Standard_F2s_v2", 2, 4, 5, 5, 0.0846],
  ["Standard_F4s_v2", 4, 8, 10, 10, 0.169],
  ["Standard_F8s_v2", 8, 16, 12.5, 12.5, 0.338],
  ["Standard_F16s_v2", 16, 32, 12.5, 12.5, 0.677],
  ["Standard_F32s_v2", 32, 64, 16, 16, 1.353],
  ["Standard_F48s_v2", 48, 96, 21, 21, 2.03],
  ["Standard_F64s_v2", 64, 128, 28, 28, 2.706],
]);

const bsv2 = family("azure", "Bsv2", "burstable", "x86_64", [
  ["Standard_B2ts_v2", 2, 1, 6.25, 6.25, 0.0104],
  ["Standard_B2ls_v2", 2, 4, 6.25, 6.25, 0.0416],
  ["Standard_B2s_v2", 2, 8, 6.25, 6.25, 0.0832],
  ["Standard_B4ls_v2", 4, 8, 6.25, 6.25, 0.0832],
  ["Standard_B4s_v2", 4, 16, 6.25, 6.25, 0.1664],
  ["Standard_B8ls_v2", 8, 16, 6.25, 6.25, 0.1664],
  ["Standard_B8s_v2", 8, 32, 6.25, 6.25, 0.3328],
  ["Standard_B16ls_v2", 16, 32, 6.25, 6.25, 0.3328],
  ["Standard_B16s_v2", 16, 64, 6.25, 6.25, 0.6656],
  ["Standard_B32ls_v2", 32, 64, 6.25, 6.25, 0.6656],
  ["Standard_B32s_v2", 32, 128, 6.25, 6.25, 1.3312],
]);

/** Every AWS size in the catalog: m7i, m7g, m6i, c7i, c7g, c6i, r7i, r7g, r6i, t3, t4g. */
export const AWS_SIZES: readonly InstanceSize[] = Object.freeze([
  ...m7i,
  ...m7g,
  ...m6i,
  ...c7i,
  ...c7g,
  ...c6i,
  ...r7i,
  ...r7g,
  ...r6i,
  ...t3,
  ...t4g,
]);

/** Every Azure size in the catalog: Dsv5, Dasv5, Esv5, Fsv2, Bsv2. */
export const AZURE_SIZES: readonly InstanceSize[] = Object.freeze([
  ...dsv5,
  ...dasv5,
  ...esv5,
  ...fsv2,
  ...bsv2,
]);

/** The built-in catalog: every AWS and Azure size. Selection uses it unless given another. */
export const SIZE_CATALOG: readonly InstanceSize[] = Object.freeze([...AWS_SIZES, ...AZURE_SIZES]);
