/** The clouds the sizing catalog covers. */
export type Cloud = "aws" | "azure";

/** What a family is built for; `burstable` sizes run on CPU credits and are throttled when they run out. */
export type SizeCategory = "general" | "compute" | "memory" | "burstable";

/** The instruction set of a size's processors. */
export type Architecture = "x86_64" | "arm64";

/** One instance type (AWS) or VM size (Azure) with its reference price. */
export interface InstanceSize {
  /** The cloud that sells this size. */
  readonly cloud: Cloud;
  /** The name the cloud's API takes, e.g. `c7i.2xlarge` or `Standard_D8s_v5`. */
  readonly name: string;
  /** The family (AWS) or series (Azure) the size belongs to, e.g. `c7i` or `Dsv5`. */
  readonly family: string;
  /** What the family is built for. */
  readonly category: SizeCategory;
  /** Virtual CPUs. */
  readonly vcpu: number;
  /** Memory in GiB. */
  readonly memoryGiB: number;
  /**
   * Network bandwidth in Gbps that selection compares against: the sustained baseline on AWS
   * (the lower figure for "up to X" types), the published maximum on Azure (Azure publishes no
   * separate baseline).
   */
  readonly networkGbps: number;
  /** True when the size can burst above {@link InstanceSize.networkGbps} ("up to X Gbps"). */
  readonly networkBurst: boolean;
  /** The highest bandwidth the size reaches, in Gbps; equal to `networkGbps` when it does not burst. */
  readonly networkPeakGbps: number;
  /** The processor architecture. */
  readonly architecture: Architecture;
  /**
   * On-demand (AWS, us-east-1) or pay-as-you-go (Azure, eastus) Linux price in USD per hour; a
   * reference value, see docs/sizing.md.
   */
  readonly pricePerHour: number;
}
