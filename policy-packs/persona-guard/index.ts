// The persona-guard policy pack: registration only. The rules, their configuration and their tests
// live in pulumi-personas (src/policy); docs/policy.md lists them.
import { PolicyPack } from "@pulumi/policy";
import { personaGuardPolicies } from "pulumi-personas/policy";

new PolicyPack("persona-guard", { policies: personaGuardPolicies });
