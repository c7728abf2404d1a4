/**
 * Where a PowerShell script's comments are, found without PowerShell's parser (synthesis runs without PowerShell), so
 * that the synth-time checks of a setup step ignore what is only mentioned in a comment.
 *
 * The scan errs on the side of code: a `#` or `<#` counts as the start of a comment only at the start of the script,
 * after whitespace or after `;`, and never inside a string (single- or double-quoted, here-string, with the curly
 * quotes PowerShell also takes as quotes), a `${braced variable}` or after a backtick. PowerShell sees comments in a
 * few more places (`$x=1#note`, `(1)#note`); there the scan reads code, so at worst a check sees a word that is in fact
 * commented out, never the reverse. test/powershell/setup-steps.integration.test.ts compares the scan with PowerShell's parser.
 */

/** Quote characters PowerShell takes for `'` and `"` (about_Quoting_Rules; its tokenizer also takes the curly ones). */
const SINGLE_QUOTES = new Set(["'", '\u2018', '\u2019', '\u201a', '\u201b']);
const DOUBLE_QUOTES = new Set(['"', '\u201c', '\u201d', '\u201e']);
const WHITESPACE = new Set([' ', '\t', '\n', '\r', '\f', '\v']);
/** A line comment ends at any of these: stopping early only leaves more to check. */
const LINE_END = /[\r\n\u0085\u2028\u2029]/g;

/** Start and end (exclusive) offsets of the comments of `source`, in order. */
export function commentRanges(source: string): Array<[number, number]> {
  const scanner = new CommentScanner(source);
  scanner.code(0, false);
  return scanner.comments;
}

/** `source` with every comment character replaced by a space, line breaks kept: offsets and line numbers stay. */
export function blankComments(source: string): string {
  let result = '';
  let from = 0;
  for (const [start, end] of commentRanges(source)) {
    result += source.slice(from, start) + source.slice(start, end).replace(/[^\r\n]/g, ' ');
    from = end;
  }
  return result + source.slice(from);
}

class CommentScanner {
  public readonly comments: Array<[number, number]> = [];

  constructor(private readonly source: string) {}

  /**
   * Scans code from `start` to the end of the source, or, for the code of a `$( )` inside a string (`nested`), to
   * its closing parenthesis. Comments inside a string's `$( )` are skipped but not recorded: they stay checked.
   * Returns the offset after the code.
   */
  public code(start: number, nested: boolean): number {
    const s = this.source;
    let depth = 0;
    let i = start;
    while (i < s.length) {
      const c = s[i];
      const commentMayStart = i === 0 || WHITESPACE.has(s[i - 1]) || s[i - 1] === ';';
      if (c === '`') {
        i += 2;
      } else if (SINGLE_QUOTES.has(c)) {
        i = this.quoted(i, SINGLE_QUOTES, false);
      } else if (DOUBLE_QUOTES.has(c)) {
        i = this.quoted(i, DOUBLE_QUOTES, true);
      } else if (c === '$' && s[i + 1] === '{') {
        i = this.bracedVariable(i + 2);
      } else if (c === '<' && s[i + 1] === '#' && commentMayStart) {
        const close = s.indexOf('#>', i + 2);
        i = this.comment(i, close < 0 ? s.length : close + 2, nested);
      } else if (c === '#' && commentMayStart) {
        LINE_END.lastIndex = i;
        const lineEnd = LINE_END.exec(s);
        i = this.comment(i, lineEnd ? lineEnd.index : s.length, nested);
      } else {
        if (nested && c === '(') {
          depth++;
        } else if (nested && c === ')') {
          if (depth === 0) {
            return i + 1;
          }
          depth--;
        }
        i++;
      }
    }
    return i;
  }

  private comment(start: number, end: number, nested: boolean): number {
    if (!nested) {
      this.comments.push([start, end]);
    }
    return end;
  }

  /** A string opening at `start`: a here-string after `@` at the end of a line, else a quoted string. Returns the offset after it. */
  private quoted(start: number, quotes: Set<string>, expandable: boolean): number {
    const s = this.source;
    const header = /^[ \t]*\r?\n/.exec(s.slice(start + 1, start + 200));
    if (s[start - 1] === '@' && header) {
      // A here-string ends at a line that starts with a quote and `@`; nothing inside it is code to the tokenizer.
      for (let i = start + 1 + header[0].length - 1; i < s.length; i++) {
        if (s[i] === '\n' && quotes.has(s[i + 1]) && s[i + 2] === '@') {
          return i + 3;
        }
      }
      return s.length;
    }
    let i = start + 1;
    while (i < s.length) {
      const c = s[i];
      if (expandable && c === '`') {
        i += 2;
      } else if (expandable && c === '$' && s[i + 1] === '(') {
        i = this.code(i + 2, true);
      } else if (quotes.has(c)) {
        if (!quotes.has(s[i + 1])) {
          return i + 1;
        }
        // A doubled quote stands for one quote.
        i += 2;
      } else {
        i++;
      }
    }
    return s.length;
  }

  /** `${name}`: any characters up to `}`, a backtick escaping the next one. Returns the offset after it. */
  private bracedVariable(start: number): number {
    const s = this.source;
    let i = start;
    while (i < s.length && s[i] !== '}') {
      i += s[i] === '`' ? 2 : 1;
    }
    return Math.min(i + 1, s.length);
  }
}
