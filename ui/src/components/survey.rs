//! The survey part of the grid import dialog: for every layer the server found, its level,
//! its coordinate system and which attribute means what (selects pre-filled with the server's
//! suggestion), then the counts per level, the codes generated and every problem. A change
//! of any select asks for a new preview.
//!
//! Test ids: `survey-preview`, `survey-layer` (one per layer, `data-layer` its name),
//! `survey-level`, `survey-crs`, `survey-field` (`data-field` the [`MappingField`] code),
//! `survey-counts`, `survey-generated`, `survey-problems`, `survey-ready`.

use leptos::prelude::*;
use serde_json::{Map, Value};

use binhe_api::grids::{SurveyLayerInfo, SurveyPreview};
use binhe_core::label::Labelled;
use binhe_core::survey::{LayerCrs, LayerMapping, SurveyMapping};
use binhe_core::vocabulary::MappingField;
use binhe_core::{Crs, GridLevel};

use super::import::count_row;
use super::upload::{Place, ProblemRow, ProblemTable};
use crate::api::texts::Named;
use crate::i18n::{Lang, Msg, survey_features, survey_problems};

/// The fields offered per layer, in the order an operator thinks of them.
const FIELDS: [MappingField; 9] = [
    MappingField::Code,
    MappingField::Name,
    MappingField::ParentCode,
    MappingField::ParentName,
    MappingField::Population,
    MappingField::Kind,
    MappingField::Order,
    MappingField::Level,
    MappingField::NameEn,
];

/// Longest sample value shown beside an attribute name.
const SAMPLE_CHARS: usize = 18;

/// The mapping slot of `field`.
fn slot(mapping: &mut LayerMapping, field: MappingField) -> &mut Option<String> {
    match field {
        MappingField::Code => &mut mapping.code,
        MappingField::Name => &mut mapping.name,
        MappingField::NameEn => &mut mapping.name_en,
        MappingField::Level => &mut mapping.level_attribute,
        MappingField::ParentCode => &mut mapping.parent_code,
        MappingField::ParentName => &mut mapping.parent_name,
        MappingField::Population => &mut mapping.population,
        MappingField::Kind => &mut mapping.kind,
        MappingField::Order => &mut mapping.order,
    }
}

/// The mapping of layer `name`, made (empty) if the survey mapping has none yet.
fn layer_mut<'a>(mapping: &'a mut SurveyMapping, name: &str) -> &'a mut LayerMapping {
    let at = mapping
        .layers
        .iter()
        .position(|m| m.layer == name)
        .unwrap_or_else(|| {
            mapping.layers.push(LayerMapping {
                layer: name.to_owned(),
                ..LayerMapping::default()
            });
            mapping.layers.len() - 1
        });
    &mut mapping.layers[at]
}

/// The first non-empty sample value of `attribute`, shortened, to recognise the column.
fn sample(samples: &[Map<String, Value>], attribute: &str) -> Option<String> {
    let text = samples.iter().find_map(|s| match s.get(attribute)? {
        Value::Null => None,
        Value::String(text) if text.trim().is_empty() => None,
        Value::String(text) => Some(text.trim().to_owned()),
        // A dBASE number field holds whole numbers as floats.
        Value::Number(n) => Some(match (n.as_i64(), n.as_f64()) {
            (Some(whole), _) => whole.to_string(),
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            _ => n.to_string(),
        }),
        other => Some(other.to_string()),
    })?;
    Some(if text.chars().count() > SAMPLE_CHARS {
        let short: String = text.chars().take(SAMPLE_CHARS).collect();
        format!("{short}…")
    } else {
        text
    })
}

/// The survey's preview with its selects. `rerun` asks for a new preview after a change of
/// `mapping`.
pub fn survey_panel(
    lang: RwSignal<Lang>,
    preview: &SurveyPreview,
    mapping: RwSignal<SurveyMapping>,
    rerun: Callback<()>,
) -> impl IntoView + use<> {
    let t = move |m: Msg| m.text(lang.get());
    let change = move |f: Box<dyn FnOnce(&mut SurveyMapping)>| {
        mapping.update(|m| f(m));
        rerun.run(());
    };
    let change = StoredValue::new_local(change);
    // Outline first, then communities, micro-grids, units; layers of mixed level last.
    let mut ordered: Vec<(&SurveyLayerInfo, LayerMapping)> = preview
        .layers
        .iter()
        .map(|layer| {
            let applied = preview
                .mapping
                .layers
                .iter()
                .find(|m| m.layer == layer.name)
                .cloned()
                .unwrap_or_default();
            (layer, applied)
        })
        .collect();
    ordered.sort_by_key(|(_, m)| (m.level.is_none(), m.level));
    let layers = ordered
        .into_iter()
        .map(|(layer, applied)| {
            layer_view(
                lang,
                layer,
                &applied,
                preview.mapping.crs,
                Callback::new(move |f| change.with_value(|change| change(f))),
            )
        })
        .collect_view();
    let c = preview.counts;
    let generated_count = preview.generated.len();
    let counts = vec![
        ("streets", Msg::SurveyStreets, c.streets),
        ("communities", Msg::StatCommunities, c.communities),
        ("micro_grids", Msg::StatMicroGrids, c.micro_grids),
        ("units", Msg::StatUnits, c.units),
        (
            "generated",
            Msg::SurveyGeneratedCount,
            preview.generated.len() as u64,
        ),
    ];
    let generated = (!preview.generated.is_empty()).then(|| {
        let rows = preview
            .generated
            .iter()
            .map(|g| {
                view! {
                    <tr data-layer=g.layer.clone()>
                        <td class="layer-cell">{g.layer.clone()}</td>
                        <td class="mono">{g.feature_index}</td>
                        <td>{g.name.clone()}</td>
                        <td class="mono" data-code=g.code.to_string()>{g.code.to_string()}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <details class="survey-generated" data-testid="survey-generated">
                <summary>{move || t(Msg::SurveyGeneratedTitle)}" ("{generated_count}")"</summary>
                <p class="result-note small">{move || t(Msg::SurveyGeneratedNote)}</p>
                <div class="problem-scroll">
                    <table class="problem-table">
                        <thead><tr>
                            <th class="col-layer">{move || t(Msg::SurveyColLayer)}</th>
                            <th class="col-feature">{move || t(Msg::ImportColFeature)}</th>
                            <th>{move || t(Msg::CardName)}</th>
                            <th class="col-grid">{move || t(Msg::ImportColGridCode)}</th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </details>
        }
    });
    let problem_count = preview.problems.len();
    let status = if preview.importable {
        view! {
            <p class="survey-status ok" data-testid="survey-ready">
                <span class="result-mark" aria-hidden="true">"✓"</span>{move || t(Msg::SurveyReady)}
            </p>
        }
        .into_any()
    } else {
        view! {
            <p class="survey-status problems" data-testid="survey-problem-count" data-count=problem_count>
                {move || survey_problems(lang.get(), problem_count)}
            </p>
        }
        .into_any()
    };
    let problems = (!preview.problems.is_empty()).then(|| {
        let rows = preview
            .problems
            .iter()
            .map(|p| ProblemRow {
                layer: p.layer.clone(),
                place: p
                    .feature_index
                    .map_or(Place::Whole, |i| Place::Number(i as u64)),
                what: p.grid_code.clone(),
                code: p.code.clone(),
                message_zh: p.message_zh.clone(),
                message_en: p.message_en.clone(),
            })
            .collect();
        view! {
            <ProblemTable testid="survey-problems" columns=[Msg::ImportColFeature, Msg::ImportColGridCode] rows/>
            <p class="result-note small">{move || t(Msg::SurveyFeatureNote)}</p>
        }
    });
    view! {
        <section class="survey-preview" data-testid="survey-preview" data-importable=preview.importable.to_string()>
            <div data-testid="survey-counts">{count_row(lang, counts)}</div>
            {status}
            <p class="result-note small survey-legend">
                <i class="swatch survey" aria-hidden="true"></i>{move || t(Msg::SurveyMapLegend)}
            </p>
            {problems}
            <h3 class="survey-heading">{move || t(Msg::SurveyLayersTitle)}</h3>
            <div class="survey-layers">{layers}</div>
            {generated}
        </section>
    }
}

/// One option per value, by its code and label, `current` selected.
fn options_of<T: Labelled + PartialEq + Send + Sync>(
    lang: RwSignal<Lang>,
    all: impl IntoIterator<Item = T>,
    current: Option<T>,
) -> impl IntoView {
    all.into_iter()
        .map(|value| {
            let selected = current == Some(value);
            view! { <option value=value.code() selected=selected>{move || value.name(lang.get())}</option> }
        })
        .collect_view()
}

type Change = Callback<Box<dyn FnOnce(&mut SurveyMapping)>>;

fn layer_view(
    lang: RwSignal<Lang>,
    layer: &SurveyLayerInfo,
    applied: &LayerMapping,
    chosen_crs: Option<Crs>,
    change: Change,
) -> impl IntoView + use<> {
    let t = move |m: Msg| m.text(lang.get());
    let name = layer.name.clone();
    let level = {
        let name = name.clone();
        let current = applied.level;
        let options = options_of(lang, GridLevel::ALL, current);
        view! {
            <label class="form-field survey-select">
                <span class="field-label">{move || t(Msg::SurveyLayerLevel)}</span>
                <select data-testid="survey-level" on:change=move |ev| {
                    let level = GridLevel::from_code(&event_target_value(&ev));
                    let name = name.clone();
                    change.run(Box::new(move |m| layer_mut(m, &name).level = level));
                }>
                    <option value="" selected=current.is_none()>{move || t(Msg::SurveyLevelByCode)}</option>
                    {options}
                </select>
            </label>
        }
    };
    let fields = FIELDS
        .into_iter()
        .map(|field| {
            let current = slot(&mut applied.clone(), field).clone();
            let options = layer
                .attributes
                .iter()
                .map(|attribute| {
                    let label = match sample(&layer.samples, attribute) {
                        Some(value) => format!("{attribute}（{value}）"),
                        None => attribute.clone(),
                    };
                    view! {
                        <option value=attribute.clone() selected=current.as_deref() == Some(attribute.as_str())>{label}</option>
                    }
                })
                .collect_view();
            let name = name.clone();
            view! {
                <label class="form-field survey-select">
                    <span class="field-label">{move || field.name(lang.get())}</span>
                    <select data-testid="survey-field" data-field=field.as_str()
                        class:mapped=current.is_some()
                        on:change=move |ev| {
                            let value = Some(event_target_value(&ev)).filter(|v| !v.is_empty());
                            let name = name.clone();
                            change.run(Box::new(move |m| *slot(layer_mut(m, &name), field) = value));
                        }>
                        <option value="" selected=current.is_none()>{move || t(Msg::SurveyFieldUnused)}</option>
                        {options}
                    </select>
                </label>
            }
        })
        .collect_view();
    let count = layer.feature_count;
    view! {
        <div class="survey-layer" data-testid="survey-layer" data-layer=name.clone()>
            <div class="survey-layer-head">
                <strong class="survey-layer-name">{name.clone()}</strong>
                <span class="muted">{move || survey_features(lang.get(), count)}</span>
            </div>
            <div class="survey-layer-top">
                {level}
                {crs_view(lang, &layer.crs, chosen_crs, change)}
            </div>
            <div class="survey-fields">{fields}</div>
        </div>
    }
}

/// The layer's coordinate system: fixed where the file declares one, else a select shared by
/// every undeclared layer ("请选择坐标系" until chosen, WGS84 for GeoJSON by default).
fn crs_view(
    lang: RwSignal<Lang>,
    declared: &LayerCrs,
    chosen: Option<Crs>,
    change: Change,
) -> impl IntoView + use<> {
    let t = move |m: Msg| m.text(lang.get());
    let (current, fixed, note, state) = match declared {
        LayerCrs::Declared(crs) => (Some(*crs), true, Ok(Msg::SurveyCrsDeclared), "declared"),
        LayerCrs::Assumed(crs) => (
            chosen.or(Some(*crs)),
            false,
            Ok(Msg::SurveyCrsAssumed),
            "assumed",
        ),
        LayerCrs::Unrecognised(text) => (chosen, false, Err(text.clone()), "unrecognised"),
        LayerCrs::Unknown => (chosen, false, Ok(Msg::SurveyCrsUnknown), "unknown"),
    };
    // A fixed text, or the declaration as the file writes it.
    let note = move || match &note {
        Ok(msg) => t(*msg).to_owned(),
        Err(text) => text.clone(),
    };
    let options = options_of(lang, Crs::ALL, current);
    view! {
        <label class="form-field survey-select survey-crs">
            <span class="field-label">{move || t(Msg::SurveyCrs)}</span>
            <select data-testid="survey-crs" data-state=state disabled=fixed class:unchosen=current.is_none()
                title=move || if fixed { String::new() } else { t(Msg::SurveyCrsShared).to_owned() }
                on:change=move |ev| {
                    let crs = Crs::from_code(&event_target_value(&ev));
                    change.run(Box::new(move |m| m.crs = crs));
                }>
                <option value="" disabled=true selected=current.is_none()>{move || t(Msg::SurveyCrsChoose)}</option>
                {options}
            </select>
            <span class="field-note" data-testid="survey-crs-note">{note}</span>
        </label>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn samples_show_the_first_value_whole_numbers_without_a_point_and_long_text_cut() {
        let rows: Vec<Map<String, Value>> = [
            json!({"RK": null, "SQMC": " ", "BM": 110_117_001_003_000_u64}),
            json!({"RK": 3428.0, "SQMC": "乐园社区", "BZ": "一二三四五六七八九十一二三四五六七八九十"}),
        ]
        .into_iter()
        .map(|v| v.as_object().unwrap().clone())
        .collect();
        assert_eq!(sample(&rows, "RK").as_deref(), Some("3428"));
        assert_eq!(sample(&rows, "SQMC").as_deref(), Some("乐园社区"));
        assert_eq!(sample(&rows, "BM").as_deref(), Some("110117001003000"));
        assert_eq!(
            sample(&rows, "BZ").unwrap().chars().count(),
            SAMPLE_CHARS + 1
        );
        assert_eq!(sample(&rows, "missing"), None);
    }

    #[test]
    fn every_mapping_field_has_its_own_slot() {
        let mut mapping = SurveyMapping::default();
        for (i, field) in FIELDS.into_iter().enumerate() {
            *slot(layer_mut(&mut mapping, "a.shp"), field) = Some(format!("f{i}"));
        }
        assert_eq!(mapping.layers.len(), 1);
        let m = &mut mapping.layers[0];
        let mut seen: Vec<String> = FIELDS
            .into_iter()
            .filter_map(|f| slot(m, f).clone())
            .collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), MappingField::ALL.len());
        assert_eq!(m.code.as_deref(), Some("f0"));
        assert_eq!(m.level_attribute.as_deref(), Some("f7"));
    }
}
