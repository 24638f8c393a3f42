/**
 * Word wrapping for text output, so reports fit the terminal.
 */

/**
 * Wraps `text` at spaces to `width` columns; the first line starts with `first`, the others
 * with `rest`. Words longer than a line are left whole (ids and paths must stay copyable).
 *
 * @example
 * wrap('rule x: a long sentence', 20, '  ', '    ')
 */
export function wrap(text: string, width: number, first: string, rest = first): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(' ')) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest + word;
    } else {
      line = empty ? line + word : `${line} ${word}`;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}
