//! The heat map's colours: micro-grids coloured by requests received in the dashboard's
//! period, on a five-step ramp from pale yellow to deep red, as a MapLibre expression.

use serde_json::{Value, json};

use binhe_api::kpi::Heat;

/// From few to many requests; readable over the dark basemap.
pub const RAMP: [&str; 5] = ["#fde68a", "#fbbf24", "#f97316", "#dc2626", "#7f1d1d"];

/// The lower bound of each ramp step for counts up to `max` (at least 1 request each).
pub fn steps(max: u64) -> Vec<(u64, &'static str)> {
    let max = max.max(1);
    let mut out: Vec<(u64, &'static str)> = Vec::new();
    for (i, colour) in RAMP.iter().enumerate() {
        let from = 1 + (max - 1) * i as u64 / RAMP.len() as u64;
        if out.last().is_none_or(|(f, _)| *f < from) {
            out.push((from, colour));
        }
    }
    out
}

/// `fill-color`: each micro-grid's count looked up by code, then stepped through the ramp.
pub fn fill_colour(heat: &Heat) -> Value {
    let mut lookup = vec![json!("match"), json!(["get", "code"])];
    for cell in &heat.cells {
        lookup.push(json!(cell.code));
        lookup.push(json!(cell.received));
    }
    lookup.push(json!(0));
    let lookup = if heat.cells.is_empty() {
        json!(0)
    } else {
        Value::Array(lookup)
    };
    let steps = steps(heat.max);
    let mut expr = vec![json!("step"), lookup, json!(steps[0].1)];
    for (from, colour) in steps.iter().skip(1) {
        expr.push(json!(from));
        expr.push(json!(colour));
    }
    Value::Array(expr)
}

/// The layer's filter: only micro-grids that received requests are painted.
pub fn filter(heat: &Heat) -> Value {
    let codes: Vec<&str> = heat.cells.iter().map(|c| c.code.as_str()).collect();
    json!([
        "all",
        ["==", ["get", "level"], "micro"],
        ["in", ["get", "code"], ["literal", codes]]
    ])
}

/// The legend's labels: `1–6`, `7–12`, …, `25+` up to `max`.
pub fn legend(max: u64) -> Vec<(String, &'static str)> {
    let steps = steps(max);
    steps
        .iter()
        .enumerate()
        .map(|(i, (from, colour))| {
            let label = match steps.get(i + 1) {
                Some((next, _)) if next - 1 > *from => format!("{from}–{}", next - 1),
                None if *from < max => format!("{from}–{max}"),
                Some(_) | None => format!("{from}"),
            };
            (label, *colour)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use binhe_api::kpi::HeatCell;

    use super::*;
    use crate::kpi::tests::counted;

    fn heat(counts: &[(&str, u64)]) -> Heat {
        Heat {
            counted: counted(),
            max: counts.iter().map(|c| c.1).max().unwrap_or(0),
            total: counts.iter().map(|c| c.1).sum(),
            cells: counts
                .iter()
                .map(|(code, n)| HeatCell {
                    code: (*code).to_owned(),
                    name: String::new(),
                    received: *n,
                    per_10k: None,
                })
                .collect(),
        }
    }

    #[test]
    fn the_ramp_spreads_over_the_counts() {
        assert_eq!(
            steps(31).iter().map(|s| s.0).collect::<Vec<_>>(),
            [1, 7, 13, 19, 25]
        );
        // Few requests: fewer steps, never two with the same start.
        assert_eq!(steps(2).iter().map(|s| s.0).collect::<Vec<_>>(), [1]);
        assert_eq!(steps(0).len(), 1);
        assert_eq!(legend(31)[0].0, "1–6");
        assert_eq!(legend(31)[4].0, "25–31");
        assert_eq!(legend(1)[0].0, "1");
    }

    #[test]
    fn colours_look_up_each_grid_by_code() {
        let h = heat(&[("m1", 3), ("m2", 31)]);
        let expr = fill_colour(&h);
        assert_eq!(expr[0], "step");
        assert_eq!(expr[1][2], "m1");
        assert_eq!(expr[1][3], 3);
        assert_eq!(expr[2], RAMP[0]);
        assert_eq!(filter(&h)[2][2][1], json!(["m1", "m2"]));
        // No requests at all: a constant, which MapLibre accepts as well.
        assert_eq!(fill_colour(&heat(&[]))[1], 0);
    }
}
