/**
 * `klp-verify audit <subcommand>`: audits of a release stream (`catalog`, `diff`) and of what
 * runs (`fleet`: host snapshots, `log`: kernel logs). Each subcommand lives in its own file.
 */
import type { CommandGroup } from '../command.ts';
import { auditFleetCommand } from './audit-fleet.ts';
import { auditLogCommand } from './audit-log.ts';

export const auditGroup: CommandGroup = {
  name: 'audit',
  summary: 'Audits of what runs: host snapshots of a fleet, kernel logs of a host.',
  description:
    'Offline audits. `audit fleet` groups host snapshots by configuration and says what a rollout would do to each group; `audit log` replays a kernel log on the simulator, boot by boot.',
  commands: [auditFleetCommand, auditLogCommand],
};
