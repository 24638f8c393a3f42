/**
 * The command registry: every command of `klp-verify`, in the order `--help` lists them.
 */
import type { Entry } from '../command.ts';
import { auditGroup } from './audit.ts';
import { catalogGroup } from './catalog.ts';
import { conflictsCommand } from './conflicts.ts';
import { diffRulesCommand } from './diff-rules.ts';
import { kernelCommand } from './kernel.ts';
import { checkCommand, simulateCommand } from './plan-commands.ts';
import { proveCommand } from './prove.ts';
import { rulesGroup } from './rules.ts';
import { synthCommand } from './synth.ts';
import { upgradeCommand } from './upgrade.ts';

export const REGISTRY: readonly Entry[] = [
  simulateCommand,
  checkCommand,
  rulesGroup,
  proveCommand,
  conflictsCommand,
  synthCommand,
  upgradeCommand,
  diffRulesCommand,
  catalogGroup,
  auditGroup,
  kernelCommand,
];
