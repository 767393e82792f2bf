//! Prefixes and suffixes a pasted trace carries that are not part of it: log timestamps and
//! levels, docker-compose and journald prefixes, markdown quotes, comment leaders, code fences
//! glued to a line, ANSI colour codes. Stripping returns byte offsets into the line, so the
//! parsers' offsets still index the original text.
//!
//! Leading whitespace AFTER the noise is kept: Python's parser uses it to tell source lines
//! from exception lines.

use std::sync::LazyLock;

use regex::Regex;

use super::shared;

static NOISE: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r#"(?x)^(?:
          \x1b\[[0-9;]*[A-Za-z]                                   # ANSI colour
        | >[\ ]?                                                  # markdown quote, REPL prompt
        | (?:\#+|//+|/\*+|\*+/?|--)(?:[\ \t]|$)                    # comment leaders
        | (?:`+|~~~+)                                             # fence / inline code glued to a line
        | [A-Za-z0-9][\w.-]{0,62}[\ \t]*\|[\ \t]?                 # docker-compose `app-1  | `
        | \[?\d{4}[-/]\d{2}[-/]\d{2}(?:[T\ ]\d{2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)?
              (?:Z|\ ?[+-]\d{2}:?\d{2}|\ ?UTC)?\]?(?:[\ \t]+|:[\ \t]*|$)   # ISO-ish timestamp
        | \[?\d{2}/[A-Za-z]{3}/\d{4}[:\ ]\d{2}:\d{2}:\d{2}(?:\ [+-]\d{4})?\]?[\ \t]*
        | \[?\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\]?[\ \t]+                # time only
        | \d{1,2}:\d{2}\ ?[AP]M(?:[\ \t]+|$)                         # `5:53 PM`
        | [A-Z][a-z]{2}\ +\d{1,2}\ \d{2}:\d{2}:\d{2}\ +\S+\ +[\w.\-/@]+(?:\[\d+\])?:\ ?  # journald
        | \[?(?:ERROR|ERR|WARN|WARNING|INFO|DEBUG|TRACE|FATAL|CRITICAL|CRIT|SEVERE|NOTICE
              |error|warn|warning|info|debug|fatal|critical)\]?(?::+[\ \t]*|[\ \t]+-[\ \t]+|[\ \t]+|$)
        | (?:stdout|stderr)\ [FP]\ 
        | \[\d+\][\ \t]+                                           # [pid]
        )"#,
    )
});

/// Bytes that can start a noise prefix; anything else skips the regex.
fn may_start_noise(b: u8) -> bool {
    matches!(
        b,
        0x1b | b'>' | b'#' | b'/' | b'*' | b'-' | b'`' | b'~' | b'['
    ) || b.is_ascii_alphanumeric()
}

/// Can a line starting with a letter hold a noise prefix? False only when no branch of
/// [`NOISE`] can match: docker-compose names run to `|`, journald's month, a level word,
/// `stdout`/`stderr`. Skips the regex for most lines (`TypeError: …`, `main.main()`).
fn letter_may_be_noise(r: &str) -> bool {
    let b = r.as_bytes();
    // docker-compose: `[A-Za-z0-9][\w.-]{0,62}[ \t]*\|`
    let name = shared::run_len(r, |c| shared::is_word(c) || c == b'.' || c == b'-');
    if name <= 63 {
        let gap = shared::run_len(&r[name..], |c| c == b' ' || c == b'\t');
        if b.get(name + gap) == Some(&b'|') {
            return true;
        }
    }
    // journald: `[A-Z][a-z]{2}\ +`
    if b.len() > 3
        && b[0].is_ascii_uppercase()
        && b[1].is_ascii_lowercase()
        && b[2].is_ascii_lowercase()
        && b[3] == b' '
    {
        return true;
    }
    if r.starts_with("stdout ") || r.starts_with("stderr ") {
        return true;
    }
    // Level words: the letters up to the first non-letter.
    let word = &r[..shared::run_len(r, |c| c.is_ascii_alphabetic())];
    matches!(
        word,
        "ERROR"
            | "ERR"
            | "WARN"
            | "WARNING"
            | "INFO"
            | "DEBUG"
            | "TRACE"
            | "FATAL"
            | "CRITICAL"
            | "CRIT"
            | "SEVERE"
            | "NOTICE"
            | "error"
            | "warn"
            | "warning"
            | "info"
            | "debug"
            | "fatal"
            | "critical"
    )
}

/// Returns `(start, end)` of the content of `raw`.
/// `escaped`: the line is a piece of a JSON string (see `Doc::escaped`).
pub(crate) fn strip(raw: &str, escaped: bool, first: bool) -> (usize, usize) {
    let bytes = raw.as_bytes();
    let mut a = 0;
    let mut b = raw.len();
    if escaped {
        if first {
            if let Some(q) = last_unescaped_quote(&bytes[..b]) {
                a = q + 1;
            }
        } else if let Some(q) = first_unescaped_quote(bytes) {
            b = q;
        }
        // `\t` escapes at the start are indentation.
        while raw[a..b].starts_with("\\t") {
            a += 2;
        }
    }
    // Trailing blanks and a fence glued to the end.
    loop {
        let t = shared::trim_end(&raw[a..b]);
        let mut n = t.len();
        while n > 0 && t.as_bytes()[n - 1] == b'`' {
            n -= 1;
        }
        let nb = a + n;
        if nb == b {
            break;
        }
        b = nb;
    }
    for _ in 0..6 {
        let rest = &raw[a..b];
        let ws = rest.len() - shared::trim_start(rest).len();
        let r = &rest[ws..];
        let Some(&first_byte) = r.as_bytes().first() else {
            break;
        };
        if !may_start_noise(first_byte)
            || first_byte.is_ascii_alphabetic() && !letter_may_be_noise(r)
        {
            break;
        }
        match NOISE.find(r) {
            Some(m) if m.end() > 0 => a += ws + m.end(),
            _ => break,
        }
    }
    (a, b.max(a))
}

fn first_unescaped_quote(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'"', &b[i..]) {
        let q = i + p;
        if !escaped_at(b, q) {
            return Some(q);
        }
        i = q + 1;
    }
    None
}

fn last_unescaped_quote(b: &[u8]) -> Option<usize> {
    let mut end = b.len();
    while let Some(q) = memchr::memrchr(b'"', &b[..end]) {
        if !escaped_at(b, q) {
            return Some(q);
        }
        end = q;
    }
    None
}

fn escaped_at(b: &[u8], q: usize) -> bool {
    let mut n = 0;
    while q > n && b[q - n - 1] == b'\\' {
        n += 1;
    }
    n % 2 == 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TOKENS: &[&str] = &[
        "ERROR",
        "ERR",
        "error",
        "WARN",
        "warning",
        "Info",
        "INFO:",
        "[INFO]",
        "DEBUG - ",
        "Jan",
        "Jan  1 12:00:00 host app[1]: ",
        "stdout F ",
        "stderr P ",
        "app-1",
        "app_1.x",
        "  | ",
        "|",
        "TypeError",
        "main.main()",
        "Traceback",
        "x",
        "-",
        ".",
        "_",
    ];
    const LINES: &[&str] = &[
        "ERROR Traceback",
        "app-1  | Traceback",
        "Jan 01 12:00:00 host app[123]: panic: boom",
        "stdout F panic: x",
        "warning: x",
        "TypeError: x",
        "Exception in thread",
    ];

    proptest! {
        #![proptest_config(shared::arbitrary::config())]
        #[test]
        fn letter_prefilter_never_hides_noise(s in shared::arbitrary::mixed(LINES, TOKENS)) {
            let starts_letter = s.as_bytes().first().is_some_and(u8::is_ascii_alphabetic);
            if starts_letter && NOISE.find(&s).is_some_and(|m| m.end() > 0) {
                prop_assert!(letter_may_be_noise(&s), "{s:?}");
            }
        }
    }

    fn content(raw: &str) -> &str {
        let (a, b) = strip(raw, false, false);
        &raw[a..b]
    }

    #[test]
    fn strips_known_prefixes() {
        assert_eq!(content("> Traceback (most"), "Traceback (most");
        assert_eq!(content("> >   File \"x\""), "  File \"x\"");
        assert_eq!(content("app-1  |   File \"x\""), "  File \"x\"");
        assert_eq!(content("2024-01-01T00:00:00Z ERROR Traceback"), "Traceback");
        assert_eq!(content("2024-01-01 12:00:00,123 ERROR: boom"), "boom");
        assert_eq!(
            content("Jan 01 12:00:00 host app[123]: panic: boom"),
            "panic: boom"
        );
        assert_eq!(
            content("```Traceback (most recent call last):"),
            "Traceback (most recent call last):"
        );
        assert_eq!(content("    at f (x.js:1:2)```"), "    at f (x.js:1:2)");
        assert_eq!(content("# Traceback"), "Traceback");
        assert_eq!(content("// at f (x.js:1:2)"), "at f (x.js:1:2)");
        assert_eq!(content(" * at f (x.js:1:2)"), "at f (x.js:1:2)");
    }

    #[test]
    fn keeps_meaningful_prefixes() {
        assert_eq!(
            content("#0 /var/www/a.php(3): f()"),
            "#0 /var/www/a.php(3): f()"
        );
        assert_eq!(content("Error: boom"), "Error: boom");
        assert_eq!(
            content("   --- End of inner exception stack trace ---"),
            "   --- End of inner exception stack trace ---"
        );
        assert_eq!(content("  | ValueError: x"), "  | ValueError: x");
        assert_eq!(
            content("\tat com.a.B.c(B.java:1)"),
            "\tat com.a.B.c(B.java:1)"
        );
    }
}
