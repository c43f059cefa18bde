//! Number and area formatting for the panels.

use crate::i18n::{Lang, Msg};

/// Thousands-separated integer: `50500` → `50,500`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Area from square metres: km² with two decimals from 0.1 km² up, whole m² below.
pub fn area(lang: Lang, area_m2: f64) -> String {
    let area_m2 = area_m2.max(0.0);
    if area_m2 >= 100_000.0 {
        let km2 = area_m2 / 1_000_000.0;
        lang.pick(&format!("{km2:.2} 平方公里"), &format!("{km2:.2} km²"))
            .to_owned()
    } else {
        let m2 = thousands(area_m2.round() as u64);
        lang.pick(&format!("{m2} 平方米"), &format!("{m2} m²"))
            .to_owned()
    }
}

/// File size in KiB or MiB with one decimal, and the exact byte count:
/// `578.1 KiB（591,992 字节）` / `578.1 KiB (591,992 bytes)`.
pub fn file_size(lang: Lang, bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let exact = format!("{} {}", thousands(bytes), Msg::Bytes.text(lang));
    let value = bytes as f64;
    if value < KIB {
        return exact;
    }
    let rounded = if value < KIB * KIB {
        format!("{:.1} KiB", value / KIB)
    } else {
        format!("{:.1} MiB", value / (KIB * KIB))
    };
    lang.pick(
        &format!("{rounded}（{exact}）"),
        &format!("{rounded} ({exact})"),
    )
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(50_500), "50,500");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn large_areas_are_shown_in_square_kilometres() {
        assert_eq!(area(Lang::Zh, 2_345_678.0), "2.35 平方公里");
        assert_eq!(area(Lang::En, 100_000.0), "0.10 km²");
    }

    #[test]
    fn file_sizes_show_binary_units_and_exact_bytes() {
        assert_eq!(file_size(Lang::En, 512), "512 bytes");
        assert_eq!(file_size(Lang::Zh, 591_992), "578.1 KiB（591,992 字节）");
        assert_eq!(
            file_size(Lang::En, 80 * 1024 * 1024),
            "80.0 MiB (83,886,080 bytes)"
        );
    }

    #[test]
    fn small_areas_are_shown_in_square_metres() {
        assert_eq!(area(Lang::Zh, 8_520.4), "8,520 平方米");
        assert_eq!(area(Lang::En, 99_999.4), "99,999 m²");
    }
}
