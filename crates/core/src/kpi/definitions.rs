//! The definition of every dashboard figure, as the UI shows it on hover and the monthly report
//! prints it. The same sentences are the metrics table of `docs/kpi.md` (a test holds the two
//! together).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// One figure: its key (as in the API), its names and what it counts. Borrowed in
/// [`DEFINITIONS`], owned once read off the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Definition {
    pub key: Cow<'static, str>,
    pub label_zh: Cow<'static, str>,
    pub label_en: Cow<'static, str>,
    pub definition_zh: Cow<'static, str>,
    pub definition_en: Cow<'static, str>,
}

const fn define(
    key: &'static str,
    label_zh: &'static str,
    label_en: &'static str,
    definition_zh: &'static str,
    definition_en: &'static str,
) -> Definition {
    Definition {
        key: Cow::Borrowed(key),
        label_zh: Cow::Borrowed(label_zh),
        label_en: Cow::Borrowed(label_en),
        definition_zh: Cow::Borrowed(definition_zh),
        definition_en: Cow::Borrowed(definition_en),
    }
}

/// Every figure, in the order the dashboard shows them.
pub static DEFINITIONS: [Definition; 19] = [
    define(
        "received",
        "受理量",
        "Received",
        "统计区间内受理的工单数（不含注销、合并件）",
        "tickets received in the period, cancelled and merged ones excluded",
    ),
    define(
        "monthly_received",
        "月均受理量",
        "Monthly received",
        "受理量 ÷ 统计区间月数（统计不足 7 天时不折算月均，只显示区间内受理量，如“本月至今（2 天）”）",
        "received ÷ months of the period (a period of less than 7 days is not averaged: its count to date is shown instead, e.g. \"month to date (2 days)\")",
    ),
    define(
        "response",
        "响应率",
        "Response rate",
        "在首次联系时限内（含恰在时限）联系诉求人的工单 ÷ 已联系或已过联系时限的受理工单",
        "tickets whose requester was first contacted by the contact deadline (exactly at it counts) ÷ received tickets contacted or past the contact deadline",
    ),
    define(
        "resolution",
        "解决率",
        "Resolution rate",
        "处置结果为“已解决”的工单 ÷ 已有处置结果或已过办结时限的受理工单（超期无结果按未解决计）",
        "tickets whose result is \"solved\" ÷ received tickets with a result or past the closure deadline (no result by the deadline counts as unsolved)",
    ),
    define(
        "satisfaction",
        "满意率",
        "Satisfaction rate",
        "回访评价为“满意”的工单 ÷ 已回访评价的受理工单（“基本满意”“不满意”计入分母，不计入分子）",
        "tickets rated \"satisfied\" ÷ received tickets rated; \"basically satisfied\" and \"dissatisfied\" count as rated, not satisfied (基本满意 is shown as its own count)",
    ),
    define(
        "open",
        "在办",
        "Open",
        "统计区间内受理、截至统计时尚未结案的工单数",
        "tickets received in the period and not closed at the cut-off",
    ),
    define(
        "per_10k_residents",
        "万人诉求量",
        "Requests per 10,000 residents",
        "月均受理量 ÷ 常住人口 × 10,000（统计不足 7 天时为区间内受理量 ÷ 常住人口 × 10,000，不折算月均）",
        "monthly received ÷ residents × 10,000 (a period of less than 7 days: received to date ÷ residents × 10,000, not averaged)",
    ),
    define(
        "basically_satisfied",
        "基本满意",
        "Basically satisfied",
        "回访评价为“基本满意”的受理工单数（计入满意率的分母，不计入分子）",
        "received tickets rated \"basically satisfied\" (rated, but not satisfied, in 满意率)",
    ),
    define(
        "delegated",
        "下交件数",
        "Delegated",
        "受理工单中曾下交（交微网格、单元网格办理）的件数",
        "received tickets ever delegated down to a micro-grid or unit grid",
    ),
    define(
        "delegated_resolution",
        "下交解决率",
        "Delegated resolution rate",
        "下交工单的解决率（口径同解决率）",
        "the resolution rate among delegated tickets (same rule as 解决率)",
    ),
    define(
        "closure",
        "结案率",
        "Closure rate",
        "已结案 ÷ 应结案（办结时限在统计区间内的工单）",
        "closed ÷ tickets due (closure deadline in the period)",
    ),
    define(
        "on_time_closure",
        "按期结案率",
        "On-time closure rate",
        "在办结时限前（含恰在时限）结案 ÷ 应结案",
        "closed by the deadline (exactly at it counts) ÷ tickets due in the period",
    ),
    define(
        "overdue_open",
        "超期未结",
        "Overdue",
        "统计区间结束时已过办结时限且尚未结案的工单数",
        "tickets open and past their closure deadline at the end of the period (now, for a period in progress)",
    ),
    define(
        "proactive",
        "主动发现占比",
        "Found proactively",
        "受理工单中由网格员、社区巡查等主动发现（渠道为“主动发现”）的件数 ÷ 受理量",
        "received tickets found by grid workers' and communities' own rounds (channel \"proactive finding\") ÷ received",
    ),
    define(
        "avoided",
        "减少诉求",
        "Requests avoided",
        "统计区间内完成的治理项目之和：完成后（至多 90 天）项目区域该类诉求按全街道同期趋势应有件数 − 实际件数",
        "summed over the governance projects finished in the period: the requests their area would have had after (up to 90 days) had it followed the rest of the street, less those it had",
    ),
    define(
        "circles",
        "三圈解决",
        "Solved through the circles",
        "统计区间内经居民议事厅协商、由邻里圈/商户圈/单位圈共同解决（标记为已解决）的问题数",
        "problems marked solved in the period after a 居民议事厅 meeting in which neighbours, merchants or units shared the fix",
    ),
    define(
        "categories",
        "诉求类别",
        "Top categories",
        "各类别受理量及其占受理量的比例，由多到少",
        "received per category and its share of all received, most first",
    ),
    define(
        "year_over_year",
        "同比",
        "Year over year",
        "（本期 − 去年同期）÷ 去年同期；去年同期为 0 或无数据时显示 —",
        "(this period − same span a year earlier) ÷ the earlier figure; \"—\" when the earlier one is 0 or absent",
    ),
    define(
        "score",
        "综合得分",
        "Score",
        "综合得分 = 响应率 × 30% + 解决率 × 35% + 满意率 × 35%（权重可配置，须非负且合计 100）",
        "(w₁ × response + w₂ × resolution + w₃ × satisfaction) ÷ (w₁ + w₂ + w₃), rates as percentages, two decimals",
    ),
];

/// The definition of `key`, if it is a dashboard figure.
pub fn definition(key: &str) -> Option<&'static Definition> {
    DEFINITIONS.iter().find(|d| d.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hover text and docs/kpi.md say the same thing.
    #[test]
    fn every_definition_is_written_in_the_docs() {
        let docs = include_str!("../../../../docs/kpi.md");
        for definition in &DEFINITIONS {
            let zh = definition
                .definition_zh
                .split('（')
                .next()
                .unwrap_or(&definition.definition_zh);
            assert!(
                docs.contains(zh),
                "docs/kpi.md lacks the definition of {}: {zh}",
                definition.key
            );
            assert!(
                docs.contains(&*definition.label_zh),
                "docs/kpi.md lacks {}",
                definition.label_zh
            );
        }
        assert_eq!(definition("response").map(|d| &*d.label_zh), Some("响应率"));
        assert_eq!(definition("speed"), None);
    }
}
