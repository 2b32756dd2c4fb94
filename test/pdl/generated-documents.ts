/**
 * Generated persona documents shared by the PDL benchmark (bench/pdl.bench.ts) and the fast-reader
 * differential tests, so both exercise exactly the same shapes.
 */

/** A seed-notation persona with every section, its numbers varied by `i`. */
export function seedNotation(i: number): string {
  return `Name: Web${i}
Version: "1.${i % 7}.0"
BaseConfiguration:
    CPU: ${2 ** (1 + (i % 5))} cores
    Memory: ${4 * (1 + (i % 8))} GB
    NetworkBandwidth: ${1 + (i % 25)} Gbps

SoftwareStack:
    - Nginx (latest version)
    - Redis ${6 + (i % 2)}.${i % 3} (caching)
    - Prometheus (metrics collection)

TelemetryTriggers:
    - Condition: CPU Load > ${50 + (i % 45)}% for ${1 + (i % 10)} minutes
      Action: Scale up to ${2 ** (2 + (i % 5))} cores
      Cooldown: 10 minutes
      Clear: after 15 minutes
    - Condition: Network Latency > ${50 + (i % 200)}ms for 3 of 5 minutes
      Action: Activate CDN caching

ExternalDataSources:
    - URL: "https://threatintel.example.com/latest_ips?n=${i}"
      Frequency: ${1 + (i % 30)} minutes
      Action: Update firewall rules to block malicious IPs
`;
}

/** A structured-form persona with named responses and a value source, varied by `i`. */
export function structured(i: number): string {
  return `name: Api${i}
baseConfiguration: { cpu: ${1 + (i % 16)}, memory: ${2 + (i % 64)}, networkBandwidth: 5 }
softwareStack:
  - { name: nginx, version: "1.24" }
features:
  - { name: CDN caching, activate: "systemctl start cdn", deactivate: "systemctl stop cdn" }
telemetryTriggers:
  - condition: { metric: cpu-utilization, operator: ">", threshold: ${60 + (i % 30)}, for: 5 minutes }
    action: { kind: scale, cpu: 32 }
  - condition: "Error Rate above ${1 + (i % 9)}% for 2 of 3 minutes"
    response: page-ops
automatedResponses:
  - { name: page-ops, actions: ["Notify ops-team", "Activate CDN caching"], cooldown: 30 minutes }
externalDataSources:
  - { url: "https://api.example.com/threat", frequency: 5 minutes, condition: "$.level >= ${1 + (i % 5)}", action: "Notify security" }
`;
}
