//! Text as a person reads it: files from other systems write digits and punctuation in their
//! full-width forms (`１３８…`, `２０２１／１１／２５`) and pad with ideographic spaces.

use std::borrow::Cow;

/// Full-width ASCII forms (U+FF01–U+FF5E) as their ASCII letters and the ideographic space
/// (U+3000) as a space; everything else as it is.
///
/// ```
/// assert_eq!(binhe_core::text::fold_width("１３８－０００１　Ａ"), "138-0001 A");
/// ```
pub fn fold_width(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_wide) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|ch| match ch {
                '\u{3000}' => ' ',
                '\u{FF01}'..='\u{FF5E}' => {
                    char::from_u32(ch as u32 - 0xFF01 + 0x21).expect("an ASCII letter")
                }
                _ => ch,
            })
            .collect(),
    )
}

fn is_wide(ch: char) -> bool {
    matches!(ch, '\u{3000}' | '\u{FF01}'..='\u{FF5E}')
}

/// A name reduced for comparison: width folded, whitespace dropped, ASCII lower-cased, so that
/// `诉求 类型`, `诉求类型` and `ＩＤ` / `id` compare equal.
///
/// ```
/// assert_eq!(binhe_core::text::key(" 工单　编号 "), "工单编号");
/// assert_eq!(binhe_core::text::key("External_ID"), "external_id");
/// ```
pub fn key(text: &str) -> String {
    fold_width(text)
        .chars()
        .filter(|ch| !ch.is_whitespace())
        .map(|ch| ch.to_ascii_lowercase())
        .collect()
}
