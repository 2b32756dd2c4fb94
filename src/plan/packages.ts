/**
 * The software package catalog: how a SoftwareStack name becomes packages and a service on each
 * operating system. Every name below was checked against its distribution's package index:
 *
 * - Debian 12 (bookworm): `apt-cache policy` / `apt-cache show` against deb.debian.org, service units
 *   read from each package's file list (`dpkg -c`, `lib/systemd/system/*.service`).
 * - Ubuntu 24.04 (noble): https://packages.ubuntu.com/noble/ (main and universe; EC2 images enable
 *   universe). Same source packages as Debian, so the same unit names.
 * - Amazon Linux 2023: "Amazon Linux 2023 RPM packages" (https://docs.aws.amazon.com/linux/al2023/release-notes/all-packages-AL2023.11.html).
 *   Redis is `redis6` with unit `redis6`; PostgreSQL is `postgresql15-server` and needs
 *   `postgresql-setup --initdb` before it starts; Prometheus, its node exporter, fail2ban and
 *   Varnish are not in the AL2023 repositories.
 * - RHEL 9: AppStream/BaseOS ("Package manifest", https://docs.redhat.com/en/documentation/red_hat_enterprise_linux/9/html/package_manifest/).
 *   Docker, Prometheus and fail2ban are not in RHEL (EPEL is not enabled by default).
 *
 * A name not in the catalog is a plan-time error naming the nearest entries. A package the catalog
 * knows but the chosen system lacks is a plan-time warning, and the user data reports it as failed
 * at boot (log line and metric) without attempting it, so the rest of the stack still installs.
 */

import { PACKAGE_VERSION, type SoftwarePackage } from "../pdl/model.js";
import { didYouMean, nearest } from "../pdl/suggest.js";
import { PackageUnavailableError, PlanError, UnknownPackageError } from "./errors.js";

/** The operating systems the user data supports. */
export const OPERATING_SYSTEMS = ["amazon-linux", "rhel", "ubuntu", "debian"] as const;

/** An operating system the user data can install software on. */
export type OperatingSystem = (typeof OPERATING_SYSTEMS)[number];

/**
 * Package-manager family of each operating system.
 * @internal
 */
export const OS_FAMILY = {
  "amazon-linux": "rhel",
  rhel: "rhel",
  ubuntu: "debian",
  debian: "debian",
} as const satisfies Record<OperatingSystem, OsFamily>;

/**
 * Linux families the user data supports: apt or dnf.
 * @internal
 */
export type OsFamily = "debian" | "rhel";

/** How one catalog entry installs on one operating system. */
export interface PackageInstall {
  /** Package names passed to apt-get or dnf. */
  readonly packages: readonly string[];
  /** The systemd unit enabled and started after install; none for libraries and runtimes. */
  readonly service?: string;
  /** A fixed command (never built from input) run after install and before the service starts. */
  readonly prepare?: string;
}

interface CatalogEntry {
  /** Names a persona may use for it, lower case; the first is the canonical one. */
  readonly names: readonly string[];
  readonly on: Partial<Record<OperatingSystem, PackageInstall>>;
}

const debianAndUbuntu = (install: PackageInstall) => ({ debian: install, ubuntu: install });

const CATALOG: readonly CatalogEntry[] = [
  {
    names: ["nginx"],
    on: {
      ...debianAndUbuntu({ packages: ["nginx"], service: "nginx" }),
      "amazon-linux": { packages: ["nginx"], service: "nginx" },
      rhel: { packages: ["nginx"], service: "nginx" },
    },
  },
  {
    names: ["redis"],
    on: {
      ...debianAndUbuntu({ packages: ["redis-server"], service: "redis-server" }),
      "amazon-linux": { packages: ["redis6"], service: "redis6" },
      rhel: { packages: ["redis"], service: "redis" },
    },
  },
  {
    names: ["prometheus"],
    on: debianAndUbuntu({ packages: ["prometheus"], service: "prometheus" }),
  },
  {
    names: ["prometheus node exporter", "prometheus-node-exporter", "node exporter", "node_exporter"],
    on: debianAndUbuntu({ packages: ["prometheus-node-exporter"], service: "prometheus-node-exporter" }),
  },
  {
    names: ["postgresql", "postgres"],
    on: {
      ...debianAndUbuntu({ packages: ["postgresql"], service: "postgresql" }),
      "amazon-linux": {
        packages: ["postgresql15-server"],
        service: "postgresql",
        prepare: "postgresql-setup --initdb",
      },
      rhel: { packages: ["postgresql-server"], service: "postgresql", prepare: "postgresql-setup --initdb" },
    },
  },
  {
    names: ["mariadb", "mysql"],
    on: {
      ...debianAndUbuntu({ packages: ["mariadb-server"], service: "mariadb" }),
      "amazon-linux": { packages: ["mariadb105-server"], service: "mariadb" },
      rhel: { packages: ["mariadb-server"], service: "mariadb" },
    },
  },
  {
    names: ["haproxy"],
    on: {
      ...debianAndUbuntu({ packages: ["haproxy"], service: "haproxy" }),
      "amazon-linux": { packages: ["haproxy"], service: "haproxy" },
      rhel: { packages: ["haproxy"], service: "haproxy" },
    },
  },
  {
    names: ["docker"],
    on: {
      ...debianAndUbuntu({ packages: ["docker.io"], service: "docker" }),
      "amazon-linux": { packages: ["docker"], service: "docker" },
    },
  },
  {
    names: ["node.js", "nodejs", "node"],
    on: {
      ...debianAndUbuntu({ packages: ["nodejs"] }),
      "amazon-linux": { packages: ["nodejs"] },
      rhel: { packages: ["nodejs"] },
    },
  },
  {
    names: ["python", "python3"],
    on: {
      ...debianAndUbuntu({ packages: ["python3"] }),
      "amazon-linux": { packages: ["python3"] },
      rhel: { packages: ["python3"] },
    },
  },
  {
    names: ["fail2ban"],
    on: debianAndUbuntu({ packages: ["fail2ban"], service: "fail2ban" }),
  },
  {
    names: ["varnish"],
    on: {
      ...debianAndUbuntu({ packages: ["varnish"], service: "varnish" }),
      rhel: { packages: ["varnish"], service: "varnish" },
    },
  },
  {
    names: ["memcached"],
    on: {
      ...debianAndUbuntu({ packages: ["memcached"], service: "memcached" }),
      "amazon-linux": { packages: ["memcached"], service: "memcached" },
      rhel: { packages: ["memcached"], service: "memcached" },
    },
  },
];

const BY_NAME: ReadonlyMap<string, CatalogEntry> = new Map(
  CATALOG.flatMap((entry) => entry.names.map((name) => [name, entry] as const)),
);

/**
 * Every name the catalog accepts, for suggestions and documentation.
 * @internal
 */
export const CATALOG_NAMES: readonly string[] = [...BY_NAME.keys()];

/** One software entry resolved for the user data. */
export interface PlannedPackage {
  /** The name as the persona wrote it. */
  name: string;
  /** `latest`, or the version prefix to pin. */
  version: string;
  /** The catalog's canonical name. */
  catalogName: string;
  /** How it installs on each operating system that has it. */
  on: Readonly<Partial<Record<OperatingSystem, PackageInstall>>>;
}

/**
 * Resolves a persona's software stack against the catalog.
 * @throws UnknownPackageError for a name the catalog does not know (the message suggests the nearest).
 * @throws PlanError for a version that is not a package version.
 * @internal
 */
export function planPackages(software: readonly SoftwarePackage[], persona?: string): PlannedPackage[] {
  return software.map((entry) => {
    const key = entry.name.trim().toLowerCase();
    const known = BY_NAME.get(key);
    const where = persona === undefined ? "" : `Persona ${persona}: `;
    if (known === undefined) {
      const suggestion = nearest(key, CATALOG_NAMES);
      throw new UnknownPackageError(
        `${where}software '${entry.name}' is not in the package catalog; ${didYouMean(key, CATALOG_NAMES)}known names: ${CATALOG.map((c) => c.names[0]).join(", ")}. Correct the name, or add the package to src/plan/packages.ts with its name on each system.`,
        entry.name,
        suggestion === undefined ? [] : [suggestion],
        persona === undefined ? {} : { persona },
      );
    }
    if (entry.version !== "latest" && !PACKAGE_VERSION.test(entry.version)) {
      throw new PlanError(
        `${where}software '${entry.name}' has version '${entry.version}', which is not a package version; write 'latest' or a version such as '1.24'.`,
        persona === undefined ? {} : { persona },
      );
    }
    return { name: entry.name, version: entry.version, catalogName: known.names[0]!, on: known.on };
  });
}

/**
 * How a planned package installs on an operating system.
 * @throws PackageUnavailableError when the system has no package for it.
 * @internal
 */
export function installOn(pkg: PlannedPackage, os: OperatingSystem, persona?: string): PackageInstall {
  const install = pkg.on[os];
  if (install === undefined) {
    const elsewhere = OPERATING_SYSTEMS.filter((o) => pkg.on[o] !== undefined);
    throw new PackageUnavailableError(
      `${persona === undefined ? "" : `Persona ${persona}: `}software '${pkg.name}' has no package on ${os} (it is packaged on ${elsewhere.join(", ")}); instances will report it as failed. Use one of those operating systems for this persona, or remove it from the SoftwareStack.`,
      pkg.name,
      os,
      persona === undefined ? {} : { persona },
    );
  }
  return install;
}

/**
 * apt/dnf package arguments with version pins: `nginx=1.24*` (apt) or `nginx-1.24*` (dnf). Unquoted.
 * @internal
 */
export function packageArguments(pkg: PlannedPackage, os: OperatingSystem): string[] {
  const { packages } = installOn(pkg, os);
  if (pkg.version === "latest") return [...packages];
  const star = pkg.version.endsWith("*") ? "" : "*";
  return packages.map((name) =>
    OS_FAMILY[os] === "debian" ? `${name}=${pkg.version}${star}` : `${name}-${pkg.version}${star}`,
  );
}
