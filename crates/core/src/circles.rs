//! The three circles (三圈: 邻里圈 neighbours, 商户圈 merchants, 单位圈 units and organisations)
//! and the cost they share when they fix something together after a 居民议事厅 meeting — as
//! 渔阳大厦's six merchants shared the roof repair and 承平园's merchants agreed a standard for
//! the sewage works. This module holds the sharing rule: equal shares, shares by floor area, or
//! amounts each agreed to; every share in fen, adding up to the total exactly.

use serde::{Deserialize, Serialize};

crate::labelled! {
    /// Which circle a member belongs to.
    pub enum Circle {
        Neighbours = "neighbours", "邻里圈", "Neighbours";
        Merchants = "merchants", "商户圈", "Merchants";
        Units = "units", "单位圈", "Units and organisations";
    }
}

crate::labelled! {
    /// How a cost is shared among those who carry it.
    pub enum ShareRule {
        Equal = "equal", "平均分摊", "Equal shares";
        ByArea = "by_area", "按面积分摊", "By floor area";
        Agreed = "agreed", "按约定金额", "Agreed amounts";
    }
}

/// What one member's share is reckoned from: their floor area (for [`ShareRule::ByArea`]) or
/// the amount they agreed to (for [`ShareRule::Agreed`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ShareBasis {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area_m2: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreed_fen: Option<i64>,
}

/// Why the shares cannot be reckoned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareError {
    #[error("nobody to share the cost")]
    NoSharers,
    #[error("the total cost must be positive")]
    TotalNotPositive,
    #[error("sharer {index} has no floor area above zero")]
    MissingArea { index: usize },
    #[error("sharer {index} has no agreed amount (zero or more)")]
    MissingAmount { index: usize },
    #[error("the agreed amounts add up to {agreed} fen, not the total {total} fen")]
    AgreedNotTotal { agreed: i64, total: i64 },
}

impl ShareError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoSharers => "NO_SHARERS",
            Self::TotalNotPositive => "TOTAL_NOT_POSITIVE",
            Self::MissingArea { .. } => "MISSING_AREA",
            Self::MissingAmount { .. } => "MISSING_AMOUNT",
            Self::AgreedNotTotal { .. } => "AGREED_NOT_TOTAL",
        }
    }

    pub fn message_zh(&self) -> String {
        let yuan = |fen: i64| format!("{:.2}", fen as f64 / 100.0);
        match self {
            Self::NoSharers => "请至少选择一位分摊人".to_owned(),
            Self::TotalNotPositive => "总费用须大于 0".to_owned(),
            Self::MissingArea { index } => format!("第 {} 位分摊人缺少面积", index + 1),
            Self::MissingAmount { index } => format!("第 {} 位分摊人缺少约定金额", index + 1),
            Self::AgreedNotTotal { agreed, total } => format!(
                "约定金额合计 {} 元，与总费用 {} 元不符",
                yuan(*agreed),
                yuan(*total)
            ),
        }
    }
}

/// Each sharer's part of `total_fen` under `rule`, in fen, adding up to `total_fen` exactly: a
/// proportional share is rounded down and the fen left over go one each to the largest
/// remainders (the earlier sharer first among equal ones).
///
/// ```
/// use binhe_core::circles::{ShareBasis, ShareRule, shares};
///
/// // 渔阳大厦: ¥10,000.00 among six merchants.
/// let six = [ShareBasis::default(); 6];
/// let parts = shares(1_000_000, ShareRule::Equal, &six).unwrap();
/// assert_eq!(parts, [166_667, 166_667, 166_667, 166_667, 166_666, 166_666]);
/// assert_eq!(parts.iter().sum::<i64>(), 1_000_000);
/// ```
pub fn shares(
    total_fen: i64,
    rule: ShareRule,
    basis: &[ShareBasis],
) -> Result<Vec<i64>, ShareError> {
    if basis.is_empty() {
        return Err(ShareError::NoSharers);
    }
    if total_fen <= 0 {
        return Err(ShareError::TotalNotPositive);
    }
    let weights: Vec<f64> = match rule {
        ShareRule::Equal => vec![1.0; basis.len()],
        ShareRule::ByArea => basis
            .iter()
            .enumerate()
            .map(|(index, b)| {
                b.area_m2
                    .filter(|a| a.is_finite() && *a > 0.0)
                    .ok_or(ShareError::MissingArea { index })
            })
            .collect::<Result<_, _>>()?,
        ShareRule::Agreed => {
            let amounts: Vec<i64> = basis
                .iter()
                .enumerate()
                .map(|(index, b)| {
                    b.agreed_fen
                        .filter(|a| *a >= 0)
                        .ok_or(ShareError::MissingAmount { index })
                })
                .collect::<Result<_, _>>()?;
            let agreed: i64 = amounts.iter().sum();
            if agreed != total_fen {
                return Err(ShareError::AgreedNotTotal {
                    agreed,
                    total: total_fen,
                });
            }
            return Ok(amounts);
        }
    };
    Ok(largest_remainder(total_fen, &weights))
}

/// `total` split in proportion to `weights` (all positive), whole units adding up to `total`.
fn largest_remainder(total: i64, weights: &[f64]) -> Vec<i64> {
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut parts: Vec<i64> = exact.iter().map(|e| e.floor() as i64).collect();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    let left = total - parts.iter().sum::<i64>();
    for &i in order
        .iter()
        .cycle()
        .take(usize::try_from(left.max(0)).unwrap_or(0))
    {
        parts[i] += 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(a: f64) -> ShareBasis {
        ShareBasis {
            area_m2: Some(a),
            agreed_fen: None,
        }
    }

    #[test]
    fn shares_by_area_follow_the_areas_and_add_up() {
        let parts = shares(
            100_000,
            ShareRule::ByArea,
            &[area(50.0), area(30.0), area(20.0)],
        )
        .unwrap();
        assert_eq!(parts, [50_000, 30_000, 20_000]);
        let odd = shares(100, ShareRule::ByArea, &[area(1.0), area(1.0), area(1.0)]).unwrap();
        assert_eq!(
            odd,
            [34, 33, 33],
            "the fen left over to the first of equal remainders"
        );
        let uneven = shares(
            1_000,
            ShareRule::ByArea,
            &[area(33.3), area(66.7), area(0.5)],
        )
        .unwrap();
        assert_eq!(uneven.iter().sum::<i64>(), 1_000);
        assert_eq!(uneven, [331, 664, 5]);
    }

    #[test]
    fn agreed_amounts_must_make_the_total() {
        let agreed = |fen| ShareBasis {
            area_m2: None,
            agreed_fen: Some(fen),
        };
        assert_eq!(
            shares(3_000, ShareRule::Agreed, &[agreed(2_000), agreed(1_000)]).unwrap(),
            [2_000, 1_000]
        );
        let short = shares(3_000, ShareRule::Agreed, &[agreed(2_000), agreed(900)]);
        assert_eq!(
            short,
            Err(ShareError::AgreedNotTotal {
                agreed: 2_900,
                total: 3_000
            })
        );
        assert_eq!(
            short.unwrap_err().message_zh(),
            "约定金额合计 29.00 元，与总费用 30.00 元不符"
        );
    }

    #[test]
    fn what_cannot_be_reckoned_is_named() {
        assert_eq!(
            shares(100, ShareRule::Equal, &[]),
            Err(ShareError::NoSharers)
        );
        assert_eq!(
            shares(0, ShareRule::Equal, &[ShareBasis::default()]),
            Err(ShareError::TotalNotPositive)
        );
        assert_eq!(
            shares(100, ShareRule::ByArea, &[area(10.0), area(0.0)]),
            Err(ShareError::MissingArea { index: 1 })
        );
        assert_eq!(
            shares(100, ShareRule::Agreed, &[ShareBasis::default()])
                .unwrap_err()
                .code(),
            "MISSING_AMOUNT"
        );
    }
}
