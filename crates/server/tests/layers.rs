//! The server's modules keep to the layers `src/lib.rs` describes: each imports only from the
//! layers below it (the top from anywhere), a room never from another room, and nothing from
//! the old `crate::api` hub. Read from the sources as they are, so a new import that circles
//! back fails here with the file and the import named.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The layers from the bottom, each as the first word of its line in `lib.rs`'s top doc.
const LAYERS: [&str; 4] = ["foundation", "services", "rooms", "top"];
/// Same-layer imports the doc allows: the intake takes camera pictures through the gateway.
const SIDEWAYS: &[(&str, &str)] = &[("desk", "gateway")];
/// Files at the root of `src` that sit on top whatever the doc says.
const ROOTS: [&str; 2] = ["lib", "main"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every top-level module of `src` (`x.rs` or `x/`) with its `.rs` files.
fn modules() -> BTreeMap<String, Vec<PathBuf>> {
    fn files(path: &Path, into: &mut Vec<PathBuf>) {
        if path.is_dir() {
            for entry in std::fs::read_dir(path).unwrap() {
                files(&entry.unwrap().path(), into);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path.to_owned());
        }
    }
    let mut modules = BTreeMap::new();
    for entry in std::fs::read_dir(src()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        files(&path, modules.entry(name).or_default());
    }
    modules.retain(|_, files: &mut Vec<PathBuf>| !files.is_empty());
    modules
}

/// Module name → layer, from the bullets of `lib.rs`'s top doc (`- rooms, …: [`grids`], …`).
fn layers_in_doc(modules: &BTreeMap<String, Vec<PathBuf>>) -> BTreeMap<String, usize> {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let doc: Vec<&str> = lib
        .lines()
        .map_while(|line| line.strip_prefix("//!"))
        .collect();
    let mut layers: BTreeMap<String, usize> = ROOTS
        .iter()
        .map(|root| ((*root).to_owned(), LAYERS.len() - 1))
        .collect();
    let mut current = None;
    for line in doc {
        let line = line.trim();
        if let Some(bullet) = line.strip_prefix("- ") {
            current = LAYERS.iter().position(|layer| bullet.starts_with(layer));
        } else if line.is_empty() {
            current = None;
        }
        let Some(layer) = current else { continue };
        for name in line.split("[`").skip(1).filter_map(|l| l.split_once("`]")) {
            if modules.contains_key(name.0) {
                layers.insert(name.0.to_owned(), layer);
            }
        }
    }
    layers
}

/// The code of a file with comments, strings and char literals blanked out.
fn code_of(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = |i: usize, s: &str| {
        s.chars()
            .enumerate()
            .all(|(k, c)| chars.get(i + k) == Some(&c))
    };
    let find = |from: usize, s: &str| (from..chars.len()).find(|&j| at(j, s));
    let mut code = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        // A raw string: `r"…"`, `r#"…"#`, `br"…"`.
        let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
        let starts_raw = chars[i] == 'r'
            && at(i + 1 + hashes, "\"")
            && (!ident(chars.get(i.wrapping_sub(1)))
                || chars[i - 1] == 'b' && !ident(chars.get(i.wrapping_sub(2))));
        let end = if at(i, "//") {
            find(i, "\n").unwrap_or(chars.len())
        } else if at(i, "/*") {
            let mut depth = 0;
            let mut j = i;
            while j < chars.len() {
                if at(j, "/*") {
                    depth += 1;
                    j += 2;
                } else if at(j, "*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            j
        } else if starts_raw {
            let close = format!("\"{}", "#".repeat(hashes));
            find(i + 2 + hashes, &close).map_or(chars.len(), |j| j + close.len())
        } else if chars[i] == '"' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            j + 1
        } else if at(i, "'\\") {
            find(i + 3, "'").map_or(chars.len(), |j| j + 1)
        } else if chars[i] == '\'' && at(i + 2, "'") {
            i + 3
        } else {
            code.push(chars[i]);
            i += 1;
            continue;
        };
        code.push(' ');
        i = end.min(chars.len());
    }
    code
}

fn ident(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

/// The top-level modules `code` names (`crate::x`, `crate::{x, y::z}`, and `super::` paths
/// that climb to the crate root), in a file `depth` modules below it.
fn named_modules(code: &str, depth: usize) -> Vec<String> {
    let tokens = tokens(code);
    let mut names = Vec::new();
    // Inline modules (`mod tests { … }`) open: the brace depth each one closes at.
    let mut inline: Vec<usize> = Vec::new();
    let mut braces = 0;
    let mut i = 0;
    while i < tokens.len() {
        match tokens[i].as_str() {
            "{" => braces += 1,
            "}" => {
                braces -= 1;
                if inline.last() == Some(&braces) {
                    inline.pop();
                }
            }
            "mod" if tokens.get(i + 2).is_some_and(|t| t == "{") => inline.push(braces),
            "crate"
                if tokens.get(i + 1).is_some_and(|t| t == "::")
                    && tokens.get(i.wrapping_sub(1)).is_none_or(|t| t != "$") =>
            {
                names.extend(first_segments(&tokens[i + 2..]));
            }
            "super" if tokens.get(i.wrapping_sub(1)).is_none_or(|t| t != "::") => {
                let mut climbs = 0;
                while tokens.get(i + 2 * climbs) == Some(&"super".to_owned())
                    && tokens.get(i + 2 * climbs + 1).is_some_and(|t| t == "::")
                {
                    climbs += 1;
                }
                if climbs == depth + inline.len() {
                    names.extend(first_segments(&tokens[i + 2 * climbs..]));
                }
            }
            _ => {}
        }
        i += 1;
    }
    names
}

/// Identifiers, `::`, and single punctuation.
fn tokens(code: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if ident(Some(&c)) {
            let start = i;
            while ident(chars.get(i)) {
                i += 1;
            }
            tokens.push(chars[start..i].iter().collect());
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            tokens.push("::".to_owned());
            i += 2;
        } else {
            if !c.is_whitespace() {
                tokens.push(c.to_string());
            }
            i += 1;
        }
    }
    tokens
}

/// The first segment after `crate::`: one name, or each item of a `{…}` group.
fn first_segments(after: &[String]) -> Vec<String> {
    match after.first().map(String::as_str) {
        Some("{") => {
            let mut names = Vec::new();
            let mut depth = 0;
            let mut expecting = true;
            for token in after {
                match token.as_str() {
                    "{" => depth += 1,
                    "}" => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    "," if depth == 1 => expecting = true,
                    name if depth == 1 && expecting => {
                        names.push(name.to_owned());
                        expecting = false;
                    }
                    _ => {}
                }
            }
            names
        }
        Some(name) => vec![name.to_owned()],
        None => Vec::new(),
    }
}

/// How many modules below the crate root a file's own module is.
fn depth_of(file: &Path) -> usize {
    let relative = file.strip_prefix(src()).unwrap();
    let parts = relative.components().count();
    let stem = file.file_stem().unwrap();
    if parts == 1 && ROOTS.iter().any(|root| stem == *root) {
        0
    } else if stem == "mod" {
        parts - 1
    } else {
        parts
    }
}

#[test]
fn every_module_imports_only_from_the_layers_below_it() {
    let modules = modules();
    let layers = layers_in_doc(&modules);
    let mut wrong = Vec::new();
    for (module, files) in &modules {
        let Some(&layer) = layers.get(module) else {
            wrong.push(format!("src/{module}: in no layer of lib.rs's top doc"));
            continue;
        };
        for file in files {
            let code = code_of(&std::fs::read_to_string(file).unwrap());
            let shown = file
                .strip_prefix(src().parent().unwrap())
                .unwrap()
                .display();
            for name in named_modules(&code, depth_of(file)) {
                if name == "api" {
                    wrong.push(format!("{shown}: imports crate::api, the old hub"));
                    continue;
                }
                // A name that is no module is an item of lib.rs: the top.
                let below = layers.get(&name).copied().unwrap_or(LAYERS.len() - 1);
                let allowed = name == *module
                    || below < layer
                    || layer == LAYERS.len() - 1
                    || SIDEWAYS.contains(&(module.as_str(), name.as_str()));
                if !allowed {
                    wrong.push(format!(
                        "{shown}: {} `{module}` imports crate::{name} ({})",
                        LAYERS[layer], LAYERS[below]
                    ));
                }
            }
        }
    }
    wrong.dedup();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_layers_are_read_as_the_doc_writes_them() {
    let modules = modules();
    let layers = layers_in_doc(&modules);
    let layer_of = |name: &str| LAYERS[layers[name]];
    assert_eq!(layer_of("http"), "foundation");
    assert_eq!(layer_of("gateway"), "services");
    assert_eq!(layer_of("door_access"), "rooms");
    assert_eq!(layer_of("router"), "top");
    let code = code_of(
        "use crate::{a, b::{c, d}, e as f};\n// crate::g\nlet s = \"crate::h\"; let c = '\"';\n\
         mod tests { use super::super::i; use super::j; }\n$crate::k; crate::l::m(); r#\"crate::n\"#;",
    );
    assert_eq!(named_modules(&code, 1), ["a", "b", "e", "i", "l"]);
}
