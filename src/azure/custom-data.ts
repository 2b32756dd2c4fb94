/**
 * The VM's custom data (cloud-init runs a `#!` script as user data): the persona's SoftwareStack from
 * the same per-OS package catalog as AWS (`installOn`), and `personas-command`, the only script Run
 * Command ever runs (RUN_COMMAND_SCRIPT_PATH). Its arguments are ids; the commands are in the script,
 * written here from the persona, so nothing the runtime sends is executed as text.
 */
import { UnsafeShellValueError } from "../plan/errors.js";
import { installOn, packageArguments } from "../plan/packages.js";
import type { PersonaPlan } from "../plan/plan.js";
import { shellQuote } from "../plan/shell.js";
import { RUN_COMMAND_SCRIPT_PATH } from "../runtime/azure/contract.js";

/** The images the Azure components support: apt-based (the catalog's Ubuntu and Debian entries). */
export type AzureOperatingSystem = "ubuntu" | "debian";

/** Azure refuses custom data over 64 KB (base64-encoded): "Custom data and cloud-init on Azure Virtual Machines". */
export const CUSTOM_DATA_LIMIT_BYTES = 64 * 1024;

const HEREDOC = "PERSONAS_COMMAND";

/** Ids are slugs (validated by the PDL); the case labels quote them anyway. */
function caseLabel(label: string): string {
  return shellQuote(label);
}

function indent(script: string): string {
  return script
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
}

/** The `personas-command` script for a persona: `feature <id> on|off` and `run <response id>`. */
export function personasCommandScript(plan: PersonaPlan): string {
  const cases: string[] = [];
  for (const feature of plan.features) {
    if (feature.activate !== undefined)
      cases.push(`  ${caseLabel(`feature:${feature.id}:on`)})`, indent(feature.activate), "    ;;");
    if (feature.deactivate !== undefined)
      cases.push(`  ${caseLabel(`feature:${feature.id}:off`)})`, indent(feature.deactivate), "    ;;");
  }
  for (const response of plan.responses) {
    const commands = response.actions.flatMap((a) => (a.kind === "run-command" ? [a.command] : []));
    if (commands.length > 0)
      cases.push(`  ${caseLabel(`run:${response.id}`)})`, ...commands.map(indent), "    ;;");
  }
  return [
    "#!/bin/bash",
    "set -euo pipefail",
    'case "${1:-}:${2:-}${3:+:$3}" in',
    ...cases,
    '  *) echo "personas-command: nothing to run for $*" >&2; exit 2 ;;',
    "esac",
  ].join("\n");
}

/**
 * The custom data of a persona's VMs, as a bash script (before base64).
 *
 * @example
 * ```ts
 * renderCustomData(plan, "ubuntu"); // "#!/bin/bash\n# pulumi-personas: HighTraffic 1.0.0 ...\n..."
 * ```
 */
export function renderCustomData(plan: PersonaPlan, os: AzureOperatingSystem): string {
  const services = plan.software.flatMap((pkg) => installOn(pkg, os, plan.persona.name).service ?? []);
  const names = [...new Set(plan.software.flatMap((pkg) => packageArguments(pkg, os)))];
  const script = personasCommandScript(plan);
  // The script goes through a quoted here-document: a line equal to its delimiter would end it early.
  if (script.split("\n").includes(HEREDOC))
    throw new UnsafeShellValueError(
      `Persona ${plan.persona.name}: a feature or run-command script holds a line '${HEREDOC}', which would end the personas-command script early; change that line.`,
    );
  return [
    "#!/bin/bash",
    `# pulumi-personas: ${plan.persona.name.replace(/[^\w.-]/g, "")} ${plan.persona.version.replace(/[^\w.+-]/g, "")}`,
    "set -euo pipefail",
    "export DEBIAN_FRONTEND=noninteractive",
    "apt-get update -y",
    ...(names.length > 0 ? [`apt-get install -y ${names.map(shellQuote).join(" ")}`] : []),
    ...services.map((s) => `systemctl enable --now ${shellQuote(s)}`),
    `install -d -m 0755 ${shellQuote(RUN_COMMAND_SCRIPT_PATH.replace(/\/[^/]+$/, ""))}`,
    `cat > ${shellQuote(RUN_COMMAND_SCRIPT_PATH)} <<'${HEREDOC}'`,
    script,
    HEREDOC,
    `chmod 0755 ${shellQuote(RUN_COMMAND_SCRIPT_PATH)}`,
  ].join("\n");
}
