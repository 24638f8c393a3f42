/**
 * A `Source` for one line of a large line-oriented input (NDJSON snapshots, kernel logs), so a
 * diagnostic renders as `file:LINE:col` with a code frame without the whole file in memory.
 *
 * Guarantees: positions, code frames and locations are those the line has in the whole file;
 * only the line's own text is kept.
 */
import { type Position, Source } from '../source/source.ts';

export class LineSource extends Source {
  /** 1-based number of the line in its file. */
  readonly lineNumber: number;

  /**
   * @example
   * new LineSource('fleet.ndjson', 42, '{"host": 1}').location(9) // 'fleet.ndjson:42:10'
   */
  constructor(file: string, lineNumber: number, text: string) {
    super(file, text);
    this.lineNumber = lineNumber;
  }

  override position(offset: number): Position {
    const p = super.position(offset);
    return { line: p.line + this.lineNumber - 1, col: p.col };
  }

  override lineText(line: number): string {
    return super.lineText(line - this.lineNumber + 1);
  }
}
