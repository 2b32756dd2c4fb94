/**
 * The software package catalog: how a SoftwareStack name becomes packages and services on each
 * Linux family. Names not in the catalog are installed under their lower-cased name on both
 * families (and `explain` says so), so an unusual package still works when the distribution has it.
 */
import type { SoftwarePackage } from "../pdl/model.js";

/** Linux families the user data supports. */
export type OsFamily = "debian" | "rhel";

interface CatalogEntry {
  /** apt package names (Debian, Ubuntu). */
  apt: readonly string[];
  /** dnf package names (Amazon Linux 2023, RHEL, Fedora). */
  dnf: readonly string[];
  /** systemd units enabled and started after install. */
  services: readonly string[];
}

const CATALOG: Record<string, CatalogEntry> = {
  nginx: { apt: ["nginx"], dnf: ["nginx"], services: ["nginx"] },
  redis: { apt: ["redis-server"], dnf: ["redis6"], services: ["redis-server"] },
  prometheus: { apt: ["prometheus"], dnf: ["prometheus"], services: ["prometheus"] },
  "prometheus-node-exporter": {
    apt: ["prometheus-node-exporter"],
    dnf: ["node_exporter"],
    services: ["prometheus-node-exporter"],
  },
  postgresql: { apt: ["postgresql"], dnf: ["postgresql15-server"], services: ["postgresql"] },
  mysql: { apt: ["default-mysql-server"], dnf: ["mariadb105-server"], services: ["mariadb"] },
  haproxy: { apt: ["haproxy"], dnf: ["haproxy"], services: ["haproxy"] },
  docker: { apt: ["docker.io"], dnf: ["docker"], services: ["docker"] },
  "node.js": { apt: ["nodejs"], dnf: ["nodejs"], services: [] },
  nodejs: { apt: ["nodejs"], dnf: ["nodejs"], services: [] },
  python: { apt: ["python3"], dnf: ["python3"], services: [] },
  fail2ban: { apt: ["fail2ban"], dnf: ["fail2ban"], services: ["fail2ban"] },
  varnish: { apt: ["varnish"], dnf: ["varnish"], services: ["varnish"] },
  memcached: { apt: ["memcached"], dnf: ["memcached"], services: ["memcached"] },
};

/** One software entry resolved for the user data. */
export interface PlannedPackage {
  /** The name as the persona wrote it. */
  name: string;
  /** `latest`, or the version prefix to pin. */
  version: string;
  apt: readonly string[];
  dnf: readonly string[];
  services: readonly string[];
  /** False when the name was not in the catalog and is installed as written. */
  known: boolean;
}

/** Resolves a persona's software stack against the catalog. */
export function planPackages(software: readonly SoftwarePackage[]): PlannedPackage[] {
  return software.map((entry) => {
    const key = entry.name.toLowerCase();
    const known = CATALOG[key];
    const fallback = key.replace(/[^a-z0-9.+-]/g, "-");
    return {
      name: entry.name,
      version: entry.version,
      apt: known?.apt ?? [fallback],
      dnf: known?.dnf ?? [fallback],
      services: known?.services ?? [],
      known: known !== undefined,
    };
  });
}

/** apt/dnf package arguments with version pins: `nginx=1.24*` (apt) or `nginx-1.24*` (dnf). */
export function packageArguments(pkg: PlannedPackage, family: OsFamily): string[] {
  const names = family === "debian" ? pkg.apt : pkg.dnf;
  if (pkg.version === "latest") return [...names];
  return names.map((name) => (family === "debian" ? `${name}=${pkg.version}*` : `${name}-${pkg.version}*`));
}
