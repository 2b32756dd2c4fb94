/**
 * The shell structure of a script, for comparing two renderings: operators and newlines as they
 * are, each word reduced to its unquoted characters (quoted parts become `Q`), heredoc bodies and
 * comments dropped. Two scripts whose values differ only inside quotes have the same structure; a
 * value that escapes its quotes adds words, operators or unquoted characters and changes it.
 *
 * Covers the bash the renderers write: single and double quotes, `$( )` (nested, with quotes
 * inside), `${ }`, backslash escapes, comments, `<<'DELIM'` heredocs, and the operators
 * `&& || ; | & ( ) < > >> <<`.
 */

/** Thrown when the script does not tokenize: an unterminated quote, substitution or heredoc. */
export class ShellSyntaxError extends Error {}

const OPERATORS = ["&&", "||", ">>", ";;", ";", "|", "&", "(", ")", "<", ">"];
/** Characters that end a word: blanks and the first character of every operator. */
const WORD_END = new Set([" ", "\t", "\n", "&", "|", ";", "(", ")", "<", ">"]);

/** The structure of `script` (see the module comment). */
export function shellStructure(script: string): string[] {
  const tokens: string[] = [];
  const pendingHeredocs: string[] = [];
  let i = 0;
  const n = script.length;

  /** Scans a `$( ... )` starting after `$(`, returning the index after its `)`. */
  const commandSubstitution = (start: number): number => {
    let depth = 1;
    let j = start;
    while (j < n) {
      const c = script[j]!;
      if (c === "\\") j += 2;
      else if (c === "'") j = singleQuoted(j + 1);
      else if (c === '"') j = doubleQuoted(j + 1);
      else if (c === "(") {
        depth++;
        j++;
      } else if (c === ")") {
        depth--;
        j++;
        if (depth === 0) return j;
      } else j++;
    }
    throw new ShellSyntaxError("unterminated $(");
  };
  const singleQuoted = (start: number): number => {
    const end = script.indexOf("'", start);
    if (end < 0) throw new ShellSyntaxError("unterminated '");
    return end + 1;
  };
  const doubleQuoted = (start: number): number => {
    let j = start;
    while (j < n) {
      const c = script[j]!;
      if (c === "\\") j += 2;
      else if (c === '"') return j + 1;
      else if (c === "$" && script[j + 1] === "(") j = commandSubstitution(j + 2);
      else if (c === "`") {
        const end = script.indexOf("`", j + 1);
        if (end < 0) throw new ShellSyntaxError("unterminated `");
        j = end + 1;
      } else j++;
    }
    throw new ShellSyntaxError('unterminated "');
  };
  const braced = (start: number): number => {
    const end = script.indexOf("}", start);
    if (end < 0) throw new ShellSyntaxError("unterminated ${");
    return end + 1;
  };

  while (i < n) {
    const c = script[i]!;
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    if (c === "\n") {
      tokens.push("NL");
      i++;
      // Heredoc bodies start on the line after their operator; they are opaque up to the delimiter.
      for (const delimiter of pendingHeredocs.splice(0)) {
        let found = false;
        while (i < n) {
          const end = script.indexOf("\n", i);
          const line = script.slice(i, end < 0 ? n : end);
          i = end < 0 ? n : end + 1;
          if (line === delimiter) {
            found = true;
            break;
          }
        }
        if (!found) throw new ShellSyntaxError(`unterminated heredoc ${delimiter}`);
        tokens.push(`HEREDOC:${delimiter}`);
      }
      continue;
    }
    if (c === "#") {
      const end = script.indexOf("\n", i);
      i = end < 0 ? n : end;
      continue;
    }
    if (script.startsWith("<<", i)) {
      i += 2;
      while (script[i] === " ") i++;
      const quoted = script[i] === "'";
      const start = quoted ? i + 1 : i;
      const end = quoted
        ? script.indexOf("'", start)
        : start + (/^[A-Za-z_]\w*/.exec(script.slice(start))?.[0].length ?? 0);
      if (end <= start) throw new ShellSyntaxError("heredoc without a delimiter");
      pendingHeredocs.push(script.slice(start, end));
      tokens.push("<<");
      i = quoted ? end + 1 : end;
      continue;
    }
    const operator = OPERATORS.find((op) => script.startsWith(op, i));
    if (operator !== undefined) {
      tokens.push(operator);
      i += operator.length;
      continue;
    }
    // A word: unquoted characters kept, quoted parts as Q.
    let word = "";
    while (i < n) {
      const d = script[i]!;
      if (WORD_END.has(d)) break;
      if (d === "\\") {
        word += script.slice(i, i + 2);
        i += 2;
      } else if (d === "'") {
        i = singleQuoted(i + 1);
        word += "Q";
      } else if (d === '"') {
        i = doubleQuoted(i + 1);
        word += "Q";
      } else if (d === "$" && script[i + 1] === "(") {
        const end = commandSubstitution(i + 2);
        word += script.slice(i, end);
        i = end;
      } else if (d === "$" && script[i + 1] === "{") {
        const end = braced(i + 2);
        word += script.slice(i, end);
        i = end;
      } else {
        word += d;
        i++;
      }
    }
    // shellQuote writes a value's `'` as '\'' : one quoted word all the same.
    tokens.push(`W:${word.replace(/Q(?:\\'Q?)+/g, "Q")}`);
  }
  if (pendingHeredocs.length > 0) throw new ShellSyntaxError("heredoc at end of script");
  return tokens;
}
