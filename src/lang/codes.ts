/**
 * Every diagnostic code the rule language front end emits (KV2xxx), with its severity and a
 * title. docs/diagnostics.md has one entry per code; test/lang/docs.test.ts checks that every
 * code used in src/lang is in this table and documented, and test/lang/diagnostics.test.ts that
 * every code has a fixture.
 *
 * Ranges: KV200x loading, KV201x lexing, KV210x parsing, KV220x checking (errors), KV2301-3
 * checking (warnings), KV2304+ limits that keep every back end bounded (errors).
 */
import type { Diagnostic, Related, Severity } from '../source/diagnostic.ts';
import type { Source, Span } from '../source/source.ts';

export interface CodeInfo {
  readonly severity: Severity;
  readonly title: string;
}

export type LangCode =
  | 'KV2001'
  | 'KV2002'
  | 'KV2003'
  | 'KV2011'
  | 'KV2012'
  | 'KV2013'
  | 'KV2014'
  | 'KV2015'
  | 'KV2016'
  | 'KV2017'
  | 'KV2101'
  | 'KV2102'
  | 'KV2103'
  | 'KV2104'
  | 'KV2105'
  | 'KV2106'
  | 'KV2107'
  | 'KV2201'
  | 'KV2202'
  | 'KV2203'
  | 'KV2204'
  | 'KV2205'
  | 'KV2206'
  | 'KV2207'
  | 'KV2208'
  | 'KV2209'
  | 'KV2210'
  | 'KV2211'
  | 'KV2212'
  | 'KV2213'
  | 'KV2214'
  | 'KV2215'
  | 'KV2216'
  | 'KV2217'
  | 'KV2218'
  | 'KV2219'
  | 'KV2220'
  | 'KV2301'
  | 'KV2302'
  | 'KV2303'
  | 'KV2304'
  | 'KV2305'
  | 'KV2306';

function error(title: string): CodeInfo {
  return { severity: 'error', title };
}
function warning(title: string): CodeInfo {
  return { severity: 'warning', title };
}

export const LANG_CODES: Readonly<Record<LangCode, CodeInfo>> = {
  KV2001: error('unknown rule set'),
  KV2002: error('cannot read rule file'),
  KV2003: warning('rule set name differs from its file name'),
  KV2011: error('unexpected character'),
  KV2012: error('unterminated string'),
  KV2013: error('unknown escape in string'),
  KV2014: error('malformed number'),
  KV2015: error('unclosed `{` in a message'),
  KV2016: error('unmatched `}` in a message'),
  KV2017: error('empty `{}` in a message'),
  KV2101: error('unexpected token'),
  KV2102: error('unknown event after `on`'),
  KV2103: error('duplicate clause'),
  KV2104: error('not a collection'),
  KV2105: error('collection used as a value'),
  KV2106: error('chained comparison'),
  KV2107: error('wrong number of arguments'),
  KV2201: error('unknown identifier'),
  KV2202: error('unknown attribute'),
  KV2203: error('type mismatch'),
  KV2204: error('attribute used as a method, or method as an attribute'),
  KV2205: error('number out of range'),
  KV2206: error('`u64` compared with `u32`'),
  KV2207: error('operator not defined on this type'),
  KV2208: error('unguarded `version`'),
  KV2209: error('binder shadows another name'),
  KV2210: error('duplicate rule name'),
  KV2211: error('`allow` rule with a `require` clause'),
  KV2212: error('misplaced `reject`'),
  KV2213: error('unknown errno'),
  KV2214: error('duplicate block'),
  KV2215: error('rule without an errno'),
  KV2216: error('needs a running system'),
  KV2217: error('rule binder in a log line'),
  KV2218: error('state printed in a message'),
  KV2219: error('rule outside an `on` block'),
  KV2220: error('rule without a `require` clause'),
  KV2301: warning('unused binder'),
  KV2302: warning('constant `when`'),
  KV2303: warning('`require` is always true'),
  KV2304: error('expression nested too deeply'),
  KV2305: error('not a rule file'),
  KV2306: error('quantifiers nested too deeply'),
};

/**
 * A diagnostic with the severity the table gives its code.
 *
 * @example
 * langDiagnostic('KV2201', source, span, 'unknown identifier `olf`', 'did you mean `old`?')
 */
export function langDiagnostic(
  code: LangCode,
  source: Source,
  span: Span,
  message: string,
  help?: string,
  related?: readonly Related[],
): Diagnostic {
  return {
    code,
    severity: LANG_CODES[code].severity,
    message,
    source,
    span,
    ...(help === undefined ? {} : { help }),
    ...(related === undefined ? {} : { related }),
  };
}
