//! The two wire formats of GeoReport v2: a record is a list of named values, written as a JSON
//! object or as XML elements in the specification's order.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

pub enum Val {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
    /// A list of records, each as an element of this name in XML.
    Records(&'static str, Vec<Record>),
    /// A list of strings, each as an element of this name in XML.
    Strings(&'static str, Vec<String>),
}

pub struct Record(pub Vec<(&'static str, Val)>);

/// A body with its content type.
pub struct Body {
    format: Format,
    text: String,
}

impl IntoResponse for Body {
    fn into_response(self) -> Response {
        let kind = match self.format {
            Format::Json => "application/json; charset=utf-8",
            Format::Xml => "text/xml; charset=utf-8",
        };
        ([(header::CONTENT_TYPE, kind)], self.text).into_response()
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn open(out: &mut String, name: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn json_of(record: &Record) -> Value {
    let mut map = Map::new();
    for (name, val) in &record.0 {
        let value = match val {
            Val::Text(t) => Value::String(t.clone()),
            Val::Int(i) => Value::from(*i),
            Val::Float(f) => Value::from(*f),
            Val::Bool(b) => Value::Bool(*b),
            Val::Null => Value::Null,
            Val::Records(_, records) => Value::Array(records.iter().map(json_of).collect()),
            Val::Strings(_, strings) => {
                Value::Array(strings.iter().cloned().map(Value::String).collect())
            }
        };
        map.insert((*name).to_owned(), value);
    }
    Value::Object(map)
}

fn xml_of(record: &Record, out: &mut String) {
    for (name, val) in &record.0 {
        out.push('<');
        out.push_str(name);
        out.push('>');
        match val {
            Val::Text(t) => out.push_str(&escape(t)),
            Val::Int(i) => out.push_str(&i.to_string()),
            Val::Float(f) => out.push_str(&f.to_string()),
            Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Val::Null => {}
            Val::Records(item, records) => {
                for r in records {
                    open(out, item);
                    xml_of(r, out);
                    close(out, item);
                }
            }
            Val::Strings(item, strings) => {
                for s in strings {
                    open(out, item);
                    out.push_str(&escape(s));
                    close(out, item);
                }
            }
        }
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }
}

const PROLOGUE: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

impl Format {
    pub fn of(extension: &str) -> Option<Self> {
        match extension {
            "json" => Some(Self::Json),
            "xml" => Some(Self::Xml),
            _ => None,
        }
    }

    /// A list: a JSON array of objects, or `<outer><item>…</item>…</outer>`.
    pub fn list(self, outer: &str, item: &str, records: &[Record]) -> Body {
        let text = match self {
            Self::Json => Value::Array(records.iter().map(json_of).collect()).to_string(),
            Self::Xml => {
                let mut out = format!("{PROLOGUE}<{outer}>");
                for r in records {
                    open(&mut out, item);
                    xml_of(r, &mut out);
                    close(&mut out, item);
                }
                close(&mut out, outer);
                out
            }
        };
        Body { format: self, text }
    }

    /// One object: a JSON object, or `<outer>…</outer>`.
    pub fn object(self, outer: &str, record: &Record) -> Body {
        let text = match self {
            Self::Json => json_of(record).to_string(),
            Self::Xml => {
                let mut out = format!("{PROLOGUE}<{outer}>");
                xml_of(record, &mut out);
                close(&mut out, outer);
                out
            }
        };
        Body { format: self, text }
    }
}
