//! Chart geometry for the inline SVG charts: a "nice" axis maximum, its ticks, and where a
//! value lands in the plot. Pure, so the scaling is tested without a browser.

use std::fmt::Write;

/// The smallest 1, 2, 2.5, 3, 4, 5, 6 or 8 × 10ⁿ at or above `max` (at least 1), so an axis
/// ends on a round number a little above the tallest bar.
pub fn nice_max(max: f64) -> f64 {
    if !max.is_finite() || max <= 1.0 {
        return 1.0;
    }
    let magnitude = 10_f64.powf(max.log10().floor());
    for step in [1.0, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        let candidate = step * magnitude;
        if candidate >= max - 1e-9 {
            return candidate;
        }
    }
    10.0 * magnitude
}

/// How many steps an axis ending at a [`nice_max`] gets, so every tick is a round number:
/// 250 → 5 steps of 50, 200 → 4 of 50, 600 → 6 of 100, 1000 → 5 of 200.
pub fn tick_steps(max: f64) -> usize {
    if !max.is_finite() || max <= 0.0 {
        return 4;
    }
    let leading = (max / 10_f64.powf(max.log10().floor()) * 10.0).round() as u32;
    match leading {
        20 | 40 | 80 => 4,
        30 => 3,
        60 => 6,
        _ => 5,
    }
}

/// Where the rate axis starts: a round tenth a little below the lowest rate shown, so rates
/// of 97–100 % do not all lie on one line at the top (0 when there is none).
pub fn rate_floor(rates: impl IntoIterator<Item = f64>) -> f64 {
    let lowest = rates
        .into_iter()
        .filter(|r| r.is_finite())
        .fold(f64::INFINITY, f64::min);
    if lowest.is_infinite() {
        return 0.0;
    }
    (((lowest - 0.02) * 10.0).floor() / 10.0).clamp(0.0, 0.9)
}

/// `count + 1` evenly spaced tick values from 0 to `max`.
pub fn ticks(max: f64, count: usize) -> Vec<f64> {
    let count = count.max(1);
    (0..=count).map(|i| max * i as f64 / count as f64).collect()
}

/// A tick label: whole numbers without decimals, others with one.
pub fn tick_label(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// The length of a bar for `value` on an axis `0..=max` drawn `extent` long.
pub fn scale(value: f64, max: f64, extent: f64) -> f64 {
    if max <= 0.0 || !value.is_finite() {
        return 0.0;
    }
    (value / max).clamp(0.0, 1.0) * extent
}

/// The x of the centre of band `i` of `n` equal bands across `width`.
pub fn band_centre(i: usize, n: usize, width: f64) -> f64 {
    let band = width / n.max(1) as f64;
    band * (i as f64 + 0.5)
}

/// An SVG path through the points, broken where a value is missing (a month still to come,
/// a rate with nothing counted): `M x y L x y … M …`.
pub fn broken_line(points: &[Option<(f64, f64)>]) -> String {
    let mut path = String::new();
    let mut pen_down = false;
    for p in points {
        match p {
            Some((x, y)) => {
                let op = if pen_down { 'L' } else { 'M' };
                if !path.is_empty() {
                    path.push(' ');
                }
                let _ = write!(path, "{op}{x:.1} {y:.1}");
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    path
}

#[cfg(test)]
// Axes, ticks and bar heights are round numbers: compared exactly.
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    #[test]
    fn axes_end_on_round_numbers() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(7.0), 8.0);
        assert_eq!(nice_max(9.0), 10.0);
        assert_eq!(nice_max(212.0), 250.0);
        assert_eq!(nice_max(250.0), 250.0);
        assert_eq!(nice_max(251.0), 300.0);
        assert_eq!(nice_max(522.0), 600.0);
        assert_eq!(nice_max(1800.0), 2000.0);
        assert_eq!(ticks(250.0, 5), vec![0.0, 50.0, 100.0, 150.0, 200.0, 250.0]);
        assert_eq!(tick_label(50.0), "50");
        assert_eq!(tick_steps(250.0), 5);
        assert_eq!(tick_steps(200.0), 4);
        assert_eq!(tick_steps(1.0), 5);
        // Every tick of every nice axis is a whole number from 10 up.
        for top in [
            10.0, 20.0, 25.0, 30.0, 40.0, 50.0, 60.0, 80.0, 100.0, 250.0, 600.0,
        ] {
            for v in ticks(top, tick_steps(top)) {
                assert_eq!(v.fract(), 0.0, "{top}: {v}");
            }
        }
        assert_eq!(tick_label(0.5), "0.5");
    }

    #[test]
    fn the_rate_axis_starts_just_below_the_lowest_rate() {
        assert_eq!(rate_floor([0.997, 0.99, 0.992]), 0.9);
        assert_eq!(rate_floor([1.0]), 0.9);
        assert_eq!(rate_floor([0.4, 0.95]), 0.3);
        assert_eq!(rate_floor([0.01]), 0.0);
        assert_eq!(rate_floor([]), 0.0);
    }

    #[test]
    fn bars_scale_into_the_plot_and_never_out_of_it() {
        assert_eq!(scale(125.0, 250.0, 200.0), 100.0);
        assert_eq!(scale(300.0, 250.0, 200.0), 200.0);
        assert_eq!(scale(-1.0, 250.0, 200.0), 0.0);
        assert_eq!(scale(5.0, 0.0, 200.0), 0.0);
        assert_eq!(band_centre(0, 12, 600.0), 25.0);
        assert_eq!(band_centre(11, 12, 600.0), 575.0);
    }

    #[test]
    fn rate_lines_break_at_months_without_figures() {
        let path = broken_line(&[
            Some((0.0, 10.0)),
            Some((10.0, 5.0)),
            None,
            Some((30.0, 1.0)),
        ]);
        assert_eq!(path, "M0.0 10.0 L10.0 5.0 M30.0 1.0");
        assert_eq!(broken_line(&[None, None]), "");
    }
}
