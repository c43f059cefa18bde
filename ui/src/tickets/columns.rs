//! The mapping step of a 12345 import: which header of the file each field is read from, as the
//! server's preview says, and the operator's changes to it. Pure, so it is tested natively.

use binhe_api::tickets::ImportPreview;
use binhe_core::ticket::{ColumnMapping, WorkOrderField};

/// The header a field is read from: the operator's choice when the server read that column so,
/// else the best-recognised of the columns it fills (several may hold a category: 一级分类,
/// 二级分类 …), the left one first among equals.
pub fn header_of(preview: &ImportPreview, field: WorkOrderField) -> Option<String> {
    let filled: Vec<&String> = preview
        .headers
        .iter()
        .zip(&preview.fields)
        .filter(|(_, f)| **f == Some(field))
        .map(|(h, _)| h)
        .collect();
    if let Some(chosen) = preview.columns.get(field.as_str())
        && let Some(header) = filled.iter().find(|h| h.trim() == chosen.trim())
    {
        return Some((*header).clone());
    }
    filled
        .into_iter()
        .enumerate()
        .min_by_key(|&(column, h)| {
            let rank = WorkOrderField::recognise(h).map_or(usize::MAX, |(_, rank)| rank);
            (rank, column)
        })
        .map(|(_, h)| h.clone())
}

/// `mapping` with `field` read from `header` (an empty header: the operator's choice for it
/// dropped). A header fills one field, so a field the operator had put on the same header
/// loses it.
pub fn choose(mapping: &ColumnMapping, field: WorkOrderField, header: &str) -> ColumnMapping {
    let mut next = mapping.clone();
    let header = header.trim();
    if header.is_empty() {
        next.remove(field.as_str());
        return next;
    }
    next.retain(|f, h| f == field.as_str() || h.trim() != header);
    next.insert(field.as_str().to_owned(), header.to_owned());
    next
}

/// The headers read, each with the field it fills, in file order; and the headers not read.
pub fn read_as(preview: &ImportPreview) -> (Vec<(String, WorkOrderField)>, Vec<String>) {
    let mut read = Vec::new();
    let mut unread = Vec::new();
    for (header, field) in preview.headers.iter().zip(&preview.fields) {
        match field {
            Some(field) => read.push((header.clone(), *field)),
            None if !header.trim().is_empty() => unread.push(header.clone()),
            None => {}
        }
    }
    (read, unread)
}

/// Whether the file can be imported as the preview reads it.
pub fn ready(preview: &ImportPreview) -> bool {
    preview.missing.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A preview as the server answers it for these headers and fields.
    fn preview(
        columns: &[(&str, Option<WorkOrderField>)],
        mapping: &[(&str, &str)],
    ) -> ImportPreview {
        let json = serde_json::json!({
            "file_name": "x.csv", "sheet": null, "header_row": 1, "header_found": true,
            "headers": columns.iter().map(|(h, _)| *h).collect::<Vec<_>>(),
            "fields": columns.iter().map(|(_, f)| f.map(WorkOrderField::as_str)).collect::<Vec<_>>(),
            "rows": [], "missing": [],
            "columns": mapping.iter().map(|(f, h)| ((*f).to_owned(), serde_json::json!(h))).collect::<serde_json::Map<_, _>>(),
            "crs": "wgs84", "remembered": false, "all_fields": [],
        });
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_field_shows_the_column_it_is_read_from() {
        use WorkOrderField::{Category, Description, ExternalId};
        let p = preview(
            &[
                ("序号", None),
                ("一级分类", Some(Category)),
                ("工单号", Some(ExternalId)),
                ("三级分类", Some(Category)),
                ("情况说明", Some(Description)),
            ],
            &[("description", "情况说明")],
        );
        assert_eq!(header_of(&p, ExternalId).as_deref(), Some("工单号"));
        // The most specific category column, though the first-level one is further left.
        assert_eq!(header_of(&p, Category).as_deref(), Some("三级分类"));
        assert_eq!(header_of(&p, Description).as_deref(), Some("情况说明"));
        assert_eq!(header_of(&p, WorkOrderField::Address), None);
        let (read, unread) = read_as(&p);
        assert_eq!(read.len(), 4);
        assert_eq!(read[0], ("一级分类".to_owned(), Category));
        assert_eq!(unread, ["序号"]);
    }

    #[test]
    fn the_operators_category_column_wins_over_the_recognised_one() {
        use WorkOrderField::Category;
        let p = preview(
            &[("三级分类", Some(Category)), ("一级分类", Some(Category))],
            &[("category", "一级分类")],
        );
        assert_eq!(header_of(&p, Category).as_deref(), Some("一级分类"));
    }

    #[test]
    fn choosing_a_header_takes_it_from_any_other_field() {
        let start = ColumnMapping::from([
            ("address".to_owned(), "情况说明".to_owned()),
            ("category".to_owned(), "诉求类型".to_owned()),
        ]);
        let next = choose(&start, WorkOrderField::Description, " 情况说明 ");
        assert_eq!(
            next,
            ColumnMapping::from([
                ("category".to_owned(), "诉求类型".to_owned()),
                ("description".to_owned(), "情况说明".to_owned()),
            ])
        );
        let cleared = choose(&next, WorkOrderField::Category, "");
        assert_eq!(
            cleared,
            ColumnMapping::from([("description".to_owned(), "情况说明".to_owned())])
        );
        // Choosing again what a field already reads changes nothing.
        assert_eq!(
            choose(&cleared, WorkOrderField::Description, "情况说明"),
            cleared
        );
    }

    #[test]
    fn a_file_missing_a_required_field_is_not_ready() {
        let mut p = preview(&[("工单号", Some(WorkOrderField::ExternalId))], &[]);
        assert!(ready(&p));
        p.missing = vec![WorkOrderField::Description];
        assert!(!ready(&p));
    }
}
