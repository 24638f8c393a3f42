/**
 * `klp-verify audit <subcommand>`: audits of a release stream (`catalog`, `diff`) and of what
 * runs (`fleet`: host snapshots, `log`: kernel logs). Each subcommand lives in its own file.
 */
import type { CommandGroup } from '../command.ts';
import { auditCatalogCommand } from './audit-catalog.ts';
import { auditDiffCommand } from './audit-diff.ts';
import { auditFleetCommand } from './audit-fleet.ts';
import { auditLogCommand } from './audit-log.ts';

export const auditGroup: CommandGroup = {
  name: 'audit',
  summary:
    'Offline audits: a release stream, a CI gate between two catalogs, a fleet, a kernel log.',
  description:
    'Offline audits. `audit catalog` answers every question about a catalog in one run (every patch, the upgrade matrix, conflicts, policies, findings); `audit diff` is the CI gate between two versions of a catalog; `audit fleet` groups host snapshots by configuration and says what a rollout would do to each group; `audit log` replays a kernel log on the simulator, boot by boot.',
  commands: [auditCatalogCommand, auditDiffCommand, auditFleetCommand, auditLogCommand],
};
