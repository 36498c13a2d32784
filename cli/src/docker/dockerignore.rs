//! `.dockerignore`: which files of a build context are left out, with the
//! semantics of docker's pattern matcher (moby/patternmatcher).
//!
//! - One pattern a line, relative to the context root (a leading `/` is
//!   dropped); lines starting with `#` are comments; blank lines are skipped;
//!   patterns are cleaned lexically like Go's `filepath.Clean`.
//! - `*` matches any run of characters but `/`, `?` one character but `/`,
//!   `[a-z]`/`[^a-z]` a class, `\` escapes the next character; `**` matches
//!   any number of directories, zero included (`**/x`, `a/**/b`, `a/**`).
//! - `!pattern` is an exception: it includes again what earlier patterns
//!   excluded. The last pattern that matches a path decides.
//! - A pattern that matches a directory excludes everything inside it: a
//!   path is also matched against each of its parent directories.

/// The parsed patterns of one `.dockerignore`.
#[derive(Debug, Clone, Default)]
pub struct Patterns {
    patterns: Vec<Pattern>,
}

#[derive(Debug, Clone)]
struct Pattern {
    /// The cleaned pattern text, without `!`.
    text: String,
    exception: bool,
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// One character, as is.
    Char(char),
    /// `?`: one character other than `/`.
    One,
    /// `*`: any run of characters other than `/`.
    Star,
    /// `**` followed by more: nothing, or anything ending in `/`.
    Dirs,
    /// `**` at the end: anything.
    Rest,
    /// `[...]`: one character other than `/` in (or not in) the ranges.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

impl Patterns {
    /// Parses the text of a `.dockerignore` file.
    pub fn parse(text: &str) -> Result<Patterns, String> {
        let mut lines = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = if number == 0 {
                line.trim_start_matches('\u{feff}')
            } else {
                line
            };
            if line.starts_with('#') {
                continue;
            }
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let (exception, rest) = match line.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, line),
            };
            let mut pattern = if rest.is_empty() {
                String::new()
            } else {
                clean(rest)
            };
            if pattern.len() > 1 && pattern.starts_with('/') {
                pattern.remove(0);
            }
            lines.push(if exception {
                format!("!{pattern}")
            } else {
                pattern
            });
        }
        Patterns::new(lines)
    }

    /// Compiles patterns (`!` marks an exception), as read from a file.
    pub fn new<S: AsRef<str>>(lines: impl IntoIterator<Item = S>) -> Result<Patterns, String> {
        let mut patterns = Vec::new();
        for line in lines {
            let line = line.as_ref().trim();
            if line.is_empty() {
                continue;
            }
            let (exception, text) = match line.strip_prefix('!') {
                Some("") => return Err("illegal exclusion pattern: \"!\"".to_owned()),
                Some(rest) => (true, clean(rest)),
                None => (false, clean(line)),
            };
            let tokens = compile(&text)
                .map_err(|e| format!("invalid .dockerignore pattern {line:?}: {e}"))?;
            patterns.push(Pattern {
                text,
                exception,
                tokens,
            });
        }
        Ok(Patterns { patterns })
    }

    /// Adds an exception for `path` if the patterns exclude it (what docker
    /// does for the Dockerfile and `.dockerignore`, which are always sent).
    pub fn keep(&mut self, path: &str) {
        if self.excludes(path) {
            let text = clean(path);
            let mut tokens = Vec::new();
            // A literal pattern: escape nothing, every character is itself.
            tokens.extend(text.chars().map(Token::Char));
            self.patterns.push(Pattern {
                text,
                exception: true,
                tokens,
            });
        }
    }

    /// True when `path` (relative to the context root, `/`-separated) is
    /// left out: the last pattern matching it or one of its parents decides.
    pub fn excludes(&self, path: &str) -> bool {
        let parents: Vec<&str> = {
            let mut parents = Vec::new();
            let mut at = 0;
            while let Some(slash) = path[at..].find('/') {
                parents.push(&path[..at + slash]);
                at += slash + 1;
            }
            parents
        };
        let mut excluded = false;
        for pattern in &self.patterns {
            // An exclusion cannot change an excluded path, nor an exception
            // an included one.
            if pattern.exception != excluded {
                continue;
            }
            let matched =
                pattern.matches(path) || parents.iter().any(|parent| pattern.matches(parent));
            if matched {
                excluded = !pattern.exception;
            }
        }
        excluded
    }

    /// For an excluded directory: true when an exception may include
    /// something inside it, so that it must still be walked. Docker's rule:
    /// an exception whose text starts with the directory's path.
    pub fn may_include_inside(&self, dir: &str) -> bool {
        let prefix = format!("{dir}/");
        self.patterns
            .iter()
            .any(|p| p.exception && format!("{}/", p.text).starts_with(&prefix))
    }
}

impl Pattern {
    fn matches(&self, path: &str) -> bool {
        let chars: Vec<char> = path.chars().collect();
        match_at(&self.tokens, &chars)
    }
}

fn match_at(tokens: &[Token], text: &[char]) -> bool {
    let Some((token, rest)) = tokens.split_first() else {
        return text.is_empty();
    };
    match token {
        Token::Char(c) => text.first() == Some(c) && match_at(rest, &text[1..]),
        Token::One => text.first().is_some_and(|&c| c != '/') && match_at(rest, &text[1..]),
        Token::Class { negated, ranges } => {
            text.first().is_some_and(|&c| {
                c != '/' && ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
            }) && match_at(rest, &text[1..])
        }
        Token::Star => {
            let run = text.iter().take_while(|&&c| c != '/').count();
            (0..=run).any(|n| match_at(rest, &text[n..]))
        }
        Token::Rest => (0..=text.len()).any(|n| match_at(rest, &text[n..])),
        Token::Dirs => {
            match_at(rest, text)
                || (1..=text.len()).any(|n| text[n - 1] == '/' && match_at(rest, &text[n..]))
        }
    }
}

/// Turns a cleaned pattern into tokens (docker's translation to a regexp).
fn compile(pattern: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '*' if chars.get(i) == Some(&'*') => {
                i += 1;
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                tokens.push(if i >= chars.len() {
                    Token::Rest
                } else {
                    Token::Dirs
                });
            }
            '*' => tokens.push(Token::Star),
            '?' => tokens.push(Token::One),
            '\\' => match chars.get(i) {
                Some(&next) => {
                    tokens.push(Token::Char(next));
                    i += 1;
                }
                None => return Err("syntax error in pattern (trailing \\)".to_owned()),
            },
            '[' => {
                let mut negated = false;
                if chars.get(i) == Some(&'^') {
                    negated = true;
                    i += 1;
                }
                let mut ranges = Vec::new();
                let mut closed = false;
                let mut first = true;
                while i < chars.len() {
                    let mut lo = chars[i];
                    i += 1;
                    if lo == ']' && !first {
                        closed = true;
                        break;
                    }
                    first = false;
                    if lo == '\\' {
                        lo = *chars.get(i).ok_or("syntax error in pattern")?;
                        i += 1;
                    }
                    let mut hi = lo;
                    if chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|&c| c != ']') {
                        hi = chars[i + 1];
                        i += 2;
                        if hi == '\\' {
                            hi = *chars.get(i).ok_or("syntax error in pattern")?;
                            i += 1;
                        }
                        if hi < lo {
                            return Err("syntax error in pattern (bad range)".to_owned());
                        }
                    }
                    ranges.push((lo, hi));
                }
                if !closed {
                    return Err("syntax error in pattern (unclosed [)".to_owned());
                }
                tokens.push(Token::Class { negated, ranges });
            }
            other => tokens.push(Token::Char(other)),
        }
    }
    Ok(tokens)
}

/// Go's `path.Clean`: the shortest lexically equal path (`a//b/./c/..` → `a/b`).
pub fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_owned();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns(text: &str) -> Patterns {
        Patterns::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn matching_table() {
        // (dockerignore text, path, excluded?)
        let cases: &[(&str, &str, bool)] = &[
            ("secret.txt", "secret.txt", true),
            ("secret.txt", "other.txt", false),
            ("secret.txt", "dir/secret.txt", false),
            ("/secret.txt", "secret.txt", true),
            ("./secret.txt", "secret.txt", true),
            ("*.log", "a.log", true),
            ("*.log", "dir/a.log", false),
            ("*/*.log", "dir/a.log", true),
            ("**/*.log", "a.log", true),
            ("**/*.log", "dir/sub/a.log", true),
            ("**", "anything/at/all", true),
            ("dir/**", "dir/a", true),
            ("dir/**", "dir/a/b", true),
            ("dir/**/b", "dir/b", true),
            ("dir/**/b", "dir/x/y/b", true),
            ("dir/**/b", "dir/x/y/c", false),
            ("?.txt", "a.txt", true),
            ("?.txt", "ab.txt", false),
            ("[ab].txt", "b.txt", true),
            ("[ab].txt", "c.txt", false),
            ("[^ab].txt", "c.txt", true),
            ("[a-c]x", "bx", true),
            ("\\*x", "*x", true),
            ("\\*x", "ax", false),
            // A directory excludes what is inside it.
            ("node_modules", "node_modules/a/b.js", true),
            ("dir/sub", "dir/sub/x", true),
            ("dir/sub", "dir/subway", false),
            // Exceptions; the last match wins.
            ("*.md\n!README.md", "README.md", false),
            ("*.md\n!README.md", "CHANGES.md", true),
            ("*.md\n!README.md\nREADME.md", "README.md", true),
            ("dir\n!dir/keep", "dir/keep", false),
            ("dir\n!dir/keep", "dir/drop", true),
            ("!x\nx", "x", true),
            // Comments and blank lines.
            ("# secret.txt\n\n  \nother", "secret.txt", false),
            ("  spaced.txt  ", "spaced.txt", true),
            ("a/../b", "b", true),
            ("a//b/", "a/b", true),
        ];
        for (text, path, excluded) in cases {
            assert_eq!(
                patterns(text).excludes(path),
                *excluded,
                "{text:?} on {path:?}"
            );
        }
    }

    #[test]
    fn excluded_directories_are_walked_only_for_exceptions_inside() {
        let p = patterns("dir\n!dir/keep\nother");
        assert!(p.may_include_inside("dir"));
        assert!(!p.may_include_inside("other"));
        assert!(!p.may_include_inside("di"));
    }

    #[test]
    fn kept_files_are_always_sent() {
        let mut p = patterns("Dockerfile\n.dockerignore\n*.txt");
        p.keep("Dockerfile");
        p.keep(".dockerignore");
        p.keep("hello.txt.not-there");
        assert!(!p.excludes("Dockerfile"));
        assert!(!p.excludes(".dockerignore"));
        assert!(p.excludes("a.txt"));
        let mut p = patterns("build");
        p.keep("build/Dockerfile");
        assert!(!p.excludes("build/Dockerfile"));
        assert!(p.excludes("build/other"));
        assert!(p.may_include_inside("build"));
    }

    #[test]
    fn bad_patterns_are_errors() {
        assert!(Patterns::parse("[abc").is_err());
        assert!(Patterns::parse("!").is_err());
        assert!(Patterns::parse("x\\").is_err());
    }

    #[test]
    fn clean_is_go_path_clean() {
        let cases = [
            ("", "."),
            (".", "."),
            ("a/b/", "a/b"),
            ("a//b", "a/b"),
            ("./a", "a"),
            ("a/./b/..", "a"),
            ("../a", "../a"),
            ("/../a", "/a"),
            ("/", "/"),
            ("a/..", "."),
        ];
        for (input, expected) in cases {
            assert_eq!(clean(input), expected, "{input:?}");
        }
    }
}
