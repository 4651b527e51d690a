import { KeelError } from "../core/index.js";

/**
 * Checks that SQL text holds exactly one statement and returns it without its trailing
 * semicolon (comments kept: callers wrap it on its own lines, so a trailing `-- note` cannot
 * swallow what follows). String literals, quoted identifiers, dollar-quoted bodies and
 * comments are skipped while looking for the `;` that ends a statement, so `';'` inside a
 * literal does not count. No statement, or a second one, is a `KEEL_ERR_SQL` naming `where`.
 *
 * @example
 * ```ts
 * singleStatement("SELECT * FROM data -- recent only\n;", "checks[0].query"); // "SELECT * FROM data -- recent only\n"
 * singleStatement("SELECT 1; COPY (SELECT 42) TO 'x'", "query"); // throws KEEL_ERR_SQL
 * ```
 */
export function singleStatement(sql: string, where: string): string {
  let statements = 0;
  let firstEnd: number | undefined;
  let content = false;
  const endStatement = (at: number) => {
    if (!content) return;
    statements++;
    firstEnd ??= at;
    content = false;
    if (statements > 1) {
      throw new KeelError(
        "KEEL_ERR_SQL",
        `${where}: expected one SQL statement, found another after the ';' at offset ${firstEnd}. Run one query at a time.`,
        { details: { where, sql, offset: firstEnd } },
      );
    }
  };
  for (let i = 0; i < sql.length; ) {
    const ch = sql[i] as string;
    const next = sql[i + 1];
    if (ch === "-" && next === "-") {
      const eol = sql.indexOf("\n", i);
      i = eol < 0 ? sql.length : eol + 1;
    } else if (ch === "/" && next === "*") {
      const close = sql.indexOf("*/", i + 2);
      if (close < 0) throw unterminated(sql, where, "a /* comment");
      i = close + 2;
    } else if (ch === "'" || ch === '"') {
      i = skipQuoted(sql, i, ch, where);
      content = true;
    } else if (ch === "$" && DOLLAR_TAG.test(sql.slice(i, i + 64))) {
      const tag = DOLLAR_TAG.exec(sql.slice(i, i + 64))?.[0] as string;
      const close = sql.indexOf(tag, i + tag.length);
      if (close < 0) throw unterminated(sql, where, `a ${tag} quoted body`);
      i = close + tag.length;
      content = true;
    } else if (ch === ";") {
      endStatement(i);
      i++;
    } else {
      if (!/\s/.test(ch)) content = true;
      i++;
    }
  }
  endStatement(sql.length);
  if (statements === 0) {
    throw new KeelError("KEEL_ERR_SQL", `${where}: expected a SQL query, got no statement.`, {
      details: { where, sql },
    });
  }
  return `${sql.slice(0, firstEnd)}\n`;
}

const DOLLAR_TAG = /^\$[A-Za-z_]*\$/;

function skipQuoted(sql: string, start: number, quote: string, where: string): number {
  for (let i = start + 1; i < sql.length; i++) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i++;
      else return i + 1;
    }
  }
  throw unterminated(sql, where, quote === "'" ? "a string literal" : "a quoted identifier");
}

function unterminated(sql: string, where: string, what: string): KeelError {
  return new KeelError("KEEL_ERR_SQL", `${where}: the query ends inside ${what}.`, {
    details: { where, sql },
  });
}
