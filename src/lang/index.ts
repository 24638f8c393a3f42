/**
 * The rule language front end: parse, check, print (rule files are read by
 * `src/ingest/rule-file.ts`).
 */
export type * from './ast.ts';
export {
  type CheckedComplete,
  type CheckedGuard,
  type CheckedReject,
  type CheckedRule,
  type CheckedRuleSet,
  compileRuleSet,
} from './checker.ts';
export { type CodeInfo, LANG_CODES, type LangCode } from './codes.ts';
export { parseExpression, parseRuleSet } from './parser.ts';
export { printExpr, printRuleSet } from './printer.ts';
export { ATTRIBUTES, type AttributeInfo, type Type } from './types.ts';
