//! Open311 GeoReport v2 over real HTTP with a real SQLite file, read by a small client written
//! from the specification's text (wiki.open311.org/GeoReport_v2), not from the server's types:
//! every route in JSON and XML, the filters, the error list with its codes, and that nothing an
//! answer publishes names the reporter or carries their phone number.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use binhe_core::GridLevel;
use binhe_core::demo::{self, DEFAULT_SEED};
use common::Harness;
use geo::InteriorPoint;
use quick_xml::events::Event;
use reqwest::StatusCode;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// The client, from the specification.

/// An XML element as the specification's examples show them: a name, text, children.
#[derive(Debug, Clone)]
struct Element {
    name: String,
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    fn all(&self, name: &str) -> Vec<&Element> {
        self.children.iter().filter(|c| c.name == name).collect()
    }

    fn names(&self) -> Vec<String> {
        self.children.iter().map(|c| c.name.clone()).collect()
    }
}

fn parse_xml(text: &str) -> Element {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack = vec![Element {
        name: String::new(),
        text: String::new(),
        children: Vec::new(),
    }];
    loop {
        match reader.read_event().unwrap() {
            Event::Start(start) => stack.push(Element {
                name: start.name().as_ref().to_owned(),
                text: String::new(),
                children: Vec::new(),
            }),
            Event::Empty(empty) => stack.last_mut().unwrap().children.push(Element {
                name: empty.name().as_ref().to_owned(),
                text: String::new(),
                children: Vec::new(),
            }),
            Event::Text(t) => {
                let raw = t.into_inner().into_owned();
                stack.last_mut().unwrap().text += &unescape(&raw);
            }
            Event::GeneralRef(r) => {
                let name = r.into_inner().into_owned();
                stack.last_mut().unwrap().text += &unescape(&format!("&{name};"));
            }
            Event::End(_) => {
                let done = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(done);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut document = stack.pop().unwrap();
    assert_eq!(document.children.len(), 1, "one root element: {text}");
    document.children.pop().unwrap()
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// A GeoReport v2 client: GETs `{base}/{path}.{format}` without any session.
struct Client {
    base: String,
    http: reqwest::Client,
    requests: AtomicUsize,
}

impl Client {
    async fn fetch(&self, path: &str, format: &str) -> (StatusCode, String, String) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let mut url = format!("{}/open311/v2/{path}.{format}", self.base);
        if !query.is_empty() {
            url = format!("{url}?{query}");
        }
        let response = self.http.get(url).send().await.unwrap();
        let status = response.status();
        let kind = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .cloned();
        let kind = kind.map_or_else(String::new, |k| k.to_str().unwrap().to_owned());
        (status, kind, response.text().await.unwrap())
    }

    /// The JSON and the XML answer of one route, both with the same status.
    async fn both(&self, path: &str) -> (StatusCode, Value, Element, String) {
        let (status, kind, json) = self.fetch(path, "json").await;
        assert!(kind.starts_with("application/json"), "{path}: {kind}");
        let (xml_status, kind, xml) = self.fetch(path, "xml").await;
        assert!(kind.starts_with("text/xml"), "{path}: {kind}");
        assert_eq!(status, xml_status, "{path}");
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
            "{xml}"
        );
        let text = format!("{json}\n{xml}");
        (
            status,
            serde_json::from_str(&json).unwrap(),
            parse_xml(&xml),
            text,
        )
    }
}

// ---------------------------------------------------------------------------------------------
// The specification's shapes, as schemas written from its text (fields, types, required).

#[derive(Clone, Copy)]
enum Kind {
    Str,
    StrOrNull,
    Bool,
    NumOrNull,
    Int,
    Array,
}

/// The JSON Schema of an object with these fields (types, which are required, no others).
fn schema(fields: &[(&str, Kind, bool)]) -> Value {
    let mut properties = serde_json::Map::new();
    for (name, kind, _) in fields {
        let types = match kind {
            Kind::Str => json!("string"),
            Kind::StrOrNull => json!(["string", "null"]),
            Kind::Bool => json!("boolean"),
            Kind::NumOrNull => json!(["number", "null"]),
            Kind::Int => json!("integer"),
            Kind::Array => json!("array"),
        };
        properties.insert((*name).to_owned(), json!({ "type": types }));
    }
    let required: Vec<&str> = fields
        .iter()
        .filter(|(_, _, required)| *required)
        .map(|(name, _, _)| *name)
        .collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// Validates one JSON object against the schema of its fields.
fn check(value: &Value, fields: &[(&str, Kind, bool)], what: &str) {
    let validator = jsonschema::validator_for(&schema(fields)).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:?} in {value}");
}

const SERVICE: &[(&str, Kind, bool)] = &[
    ("service_code", Kind::Str, true),
    ("service_name", Kind::Str, true),
    ("description", Kind::StrOrNull, false),
    ("metadata", Kind::Bool, true),
    ("type", Kind::Str, true),
    ("keywords", Kind::StrOrNull, false),
    ("group", Kind::StrOrNull, false),
];

const REQUEST: &[(&str, Kind, bool)] = &[
    ("service_request_id", Kind::Str, true),
    ("status", Kind::Str, true),
    ("status_notes", Kind::StrOrNull, false),
    ("service_name", Kind::StrOrNull, false),
    ("service_code", Kind::Str, true),
    ("description", Kind::StrOrNull, false),
    ("agency_responsible", Kind::StrOrNull, false),
    ("service_notice", Kind::StrOrNull, false),
    ("requested_datetime", Kind::Str, true),
    ("updated_datetime", Kind::StrOrNull, false),
    ("expected_datetime", Kind::StrOrNull, false),
    ("address", Kind::StrOrNull, false),
    ("address_id", Kind::StrOrNull, false),
    ("zipcode", Kind::StrOrNull, false),
    ("lat", Kind::NumOrNull, false),
    ("long", Kind::NumOrNull, false),
    ("media_url", Kind::StrOrNull, false),
];

const ERROR: &[(&str, Kind, bool)] = &[("code", Kind::Int, true), ("description", Kind::Str, true)];

/// A list answer: a JSON array of `item`s and `<outer><item>…</item></outer>` with the same
/// fields in the same number.
fn check_list(json: &Value, xml: &Element, outer: &str, item: &str, fields: &[(&str, Kind, bool)]) {
    let array = json
        .as_array()
        .unwrap_or_else(|| panic!("{outer}: not an array: {json}"));
    assert_eq!(xml.name, outer);
    let items = xml.all(item);
    assert_eq!(items.len(), xml.children.len(), "{outer} holds only {item}");
    assert_eq!(
        items.len(),
        array.len(),
        "{outer}: JSON and XML list the same"
    );
    for (j, x) in array.iter().zip(items) {
        check(j, fields, item);
        let mut keys: Vec<String> = j.as_object().unwrap().keys().cloned().collect();
        let mut names = x.names();
        keys.sort();
        names.sort();
        assert_eq!(keys, names, "{item}: JSON fields and XML elements");
        for (key, value) in j.as_object().unwrap() {
            let text = &x.child(key).unwrap().text;
            match value {
                Value::String(s) => assert_eq!(text, s, "{item}.{key}"),
                Value::Null => assert!(text.is_empty(), "{item}.{key}"),
                Value::Number(n) => {
                    assert!((text.parse::<f64>().unwrap() - n.as_f64().unwrap()).abs() < 1e-9);
                }
                Value::Bool(b) => assert_eq!(text, &b.to_string()),
                _ => {}
            }
        }
    }
}

fn check_error(status: StatusCode, json: &Value, xml: &Element, code: u16) {
    assert_eq!(status.as_u16(), code, "{json}");
    check_list(json, xml, "errors", "error", ERROR);
    assert_eq!(json[0]["code"], code);
    assert!(!json[0]["description"].as_str().unwrap().is_empty());
}

/// A W3C date-time with the offset of Beijing.
fn is_local_datetime(text: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(text).is_ok() && text.ends_with("+08:00")
}

// ---------------------------------------------------------------------------------------------

const NAME: &str = "王先生";
const PHONE: &str = "13812345678";

#[tokio::test]
async fn every_route_in_json_and_xml_publishes_only_what_the_street_shows() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let catalogue = h.json("/api/catalogue").await;
    let codes: Vec<String> = catalogue["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_owned())
        .collect();
    let hierarchy = demo::generate(DEFAULT_SEED).hierarchy;
    let point = |n: usize| {
        let grid = hierarchy.get(hierarchy.at_level(GridLevel::Micro).nth(n).unwrap());
        let p = grid.shape.interior_point().unwrap();
        (p.x(), p.y())
    };
    // Three requests, far apart (no duplicates): two of the first category, one of the second.
    let mut ids = Vec::new();
    for (n, (external, category)) in [
        ("O311-A", &codes[0]),
        ("O311-B", &codes[1]),
        ("O311-C", &codes[0]),
    ]
    .into_iter()
    .enumerate()
    {
        let (lon, lat) = point(n * 7);
        let (status, answer) = h
            .post(
                "/api/tickets",
                &json!({
                    "channel": "hotline", "external_id": external, "category": category,
                    "description": format!("{NAME}反映问题，电话 {PHONE}，请处理"),
                    "lon": lon, "lat": lat, "address": format!("滨河路{n}号"),
                    "reporter_name": NAME, "reporter_phone": PHONE,
                }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        ids.push((answer["ticket"]["id"].as_i64().unwrap(), lon, lat));
    }
    // The third is registered, then cancelled: closed for Open311.
    let closed = ids[2].0;
    for (version, body) in [
        (1, json!({ "action": "register" })),
        (2, json!({ "action": "cancel", "reason": "重复反映" })),
    ] {
        let mut body = body;
        body["version"] = json!(version);
        let (status, answer) = h
            .post(&format!("/api/tickets/{closed}/actions"), &body)
            .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
    }

    let client = Client {
        base: h.base(),
        http: reqwest::Client::new(),
        requests: AtomicUsize::new(0),
    };
    let mut published = String::new();

    // discovery
    let (status, json, xml, text) = client.both("discovery").await;
    published += &text;
    assert_eq!(status, StatusCode::OK);
    check(
        &json,
        &[
            ("changeset", Kind::Str, true),
            ("contact", Kind::Str, true),
            ("key_service", Kind::Str, true),
            ("endpoints", Kind::Array, true),
        ],
        "discovery",
    );
    assert_eq!(xml.name, "discovery");
    let endpoint = &json["endpoints"][0];
    check(
        endpoint,
        &[
            ("specification", Kind::Str, true),
            ("url", Kind::Str, true),
            ("changeset", Kind::Str, true),
            ("type", Kind::Str, true),
            ("formats", Kind::Array, true),
        ],
        "endpoint",
    );
    assert_eq!(endpoint["url"], "/open311/v2");
    let xml_endpoint = xml.child("endpoints").unwrap().child("endpoint").unwrap();
    let formats: Vec<&str> = xml_endpoint
        .child("formats")
        .unwrap()
        .all("format")
        .iter()
        .map(|f| f.text.as_str())
        .collect();
    assert_eq!(formats, ["text/xml", "application/json"]);

    // services: the catalogue's categories
    let (status, json, xml, text) = client.both("services").await;
    published += &text;
    assert_eq!(status, StatusCode::OK);
    check_list(&json, &xml, "services", "service", SERVICE);
    let offered: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["service_code"].as_str().unwrap())
        .collect();
    assert_eq!(offered, codes);

    // services/{code}: a definition with no attributes
    let (status, json, xml, text) = client.both(&format!("services/{}", codes[1])).await;
    published += &text;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json, json!({ "service_code": codes[1], "attributes": [] }));
    assert_eq!(xml.name, "service_definition");
    assert_eq!(xml.child("service_code").unwrap().text, codes[1]);
    assert!(xml.child("attributes").unwrap().children.is_empty());
    let (status, json, xml, _) = client.both("services/no_such_service").await;
    check_error(status, &json, &xml, 404);

    // requests: the last 90 days, all three, newest first
    let (status, json, xml, text) = client.both("requests").await;
    published += &text;
    assert_eq!(status, StatusCode::OK);
    check_list(&json, &xml, "service_requests", "request", REQUEST);
    let listed: Vec<String> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["service_request_id"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = ids.iter().rev().map(|(id, _, _)| id.to_string()).collect();
    assert_eq!(listed, expected);
    for request in json.as_array().unwrap() {
        let id: i64 = request["service_request_id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let (_, lon, lat) = ids.iter().find(|(i, _, _)| *i == id).unwrap();
        assert!((request["lat"].as_f64().unwrap() - lat).abs() < 1e-9);
        assert!((request["long"].as_f64().unwrap() - lon).abs() < 1e-9);
        assert_eq!(
            request["status"],
            if id == closed { "closed" } else { "open" }
        );
        for field in [
            "requested_datetime",
            "updated_datetime",
            "expected_datetime",
        ] {
            assert!(
                is_local_datetime(request[field].as_str().unwrap()),
                "{request}"
            );
        }
        assert!(!request["agency_responsible"].as_str().unwrap().is_empty());
    }

    // filters
    let count = |json: &Value| json.as_array().unwrap().len();
    for (query, expected) in [
        ("requests?status=open", 2),
        ("requests?status=closed", 1),
        ("requests?status=open,closed", 3),
        (&format!("requests?service_code={}", codes[0]) as &str, 2),
        (
            &format!("requests?service_code={}&status=open", codes[0]),
            1,
        ),
        (
            &format!("requests?service_code={},{}", codes[0], codes[1]),
            3,
        ),
        (
            &format!("requests?service_request_id={},{}", ids[0].0, closed),
            2,
        ),
        (
            "requests?start_date=2001-01-01T00:00:00%2B08:00&end_date=2001-02-01T00:00:00Z",
            0,
        ),
        ("requests?start_date=2001-01-01T00:00:00%2B08:00", 3),
        ("requests?end_date=2099-01-01T00:00:00Z", 3),
        ("requests?start_date=2099-01-01T00:00:00Z", 0),
    ] {
        let (status, json, xml, text) = client.both(query).await;
        published += &text;
        assert_eq!(status, StatusCode::OK, "{query}: {json}");
        check_list(&json, &xml, "service_requests", "request", REQUEST);
        assert_eq!(count(&json), expected, "{query}: {json}");
    }
    for query in [
        "requests?status=pending",
        "requests?start_date=yesterday",
        "requests?start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z",
        "requests?service_request_id=abc",
        "requests?status=%FF",
    ] {
        let (status, json, xml, _) = client.both(query).await;
        check_error(status, &json, &xml, 400);
    }

    // requests/{id}: a list of one
    for (id, _, _) in &ids {
        let (status, json, xml, text) = client.both(&format!("requests/{id}")).await;
        published += &text;
        assert_eq!(status, StatusCode::OK);
        check_list(&json, &xml, "service_requests", "request", REQUEST);
        assert_eq!(json[0]["service_request_id"], id.to_string());
    }
    let (status, json, xml, _) = client.both("requests/999999").await;
    check_error(status, &json, &xml, 404);
    let (status, json, xml, _) = client.both("no_such_route").await;
    check_error(status, &json, &xml, 404);

    // Privacy: the reporter is nowhere, though the description named them.
    assert!(published.contains("反映问题"), "descriptions are published");
    assert!(!published.contains(NAME), "reporter's name published");
    assert!(!published.contains(PHONE), "reporter's phone published");
    assert!(!published.contains("reporter"), "{published}");

    println!(
        "open311 client: {} requests",
        client.requests.load(Ordering::Relaxed)
    );
}

#[tokio::test]
async fn a_center_server_publishes_open311_without_a_session_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::center(binhe_server::Database::Sqlite(dir.path().join("db.sqlite"))).await;
    let client = Client {
        base: h.base(),
        http: reqwest::Client::new(),
        requests: AtomicUsize::new(0),
    };
    let (status, json, xml, _) = client.both("services").await;
    assert_eq!(status, StatusCode::OK);
    check_list(&json, &xml, "services", "service", SERVICE);
    let (status, json, xml, _) = client.both("requests").await;
    assert_eq!(status, StatusCode::OK);
    check_list(&json, &xml, "service_requests", "request", REQUEST);
    // The rest of the server still wants a session.
    let response = client.http.get(h.url("/api/tickets")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

impl Client {
    /// `POST requests.{format}` as the specification's form (`application/x-www-form-urlencoded`).
    async fn post(&self, format: &str, form: &[(&str, String)]) -> (StatusCode, String) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let response = self
            .http
            .post(format!("{}/open311/v2/requests.{format}", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }
}

#[tokio::test]
async fn a_client_posts_with_its_key_and_reads_the_request_back_until_the_key_is_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let catalogue = h.json("/api/catalogue").await;
    let service = catalogue["categories"][0]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let hierarchy = demo::generate(DEFAULT_SEED).hierarchy;
    let grid = hierarchy.get(hierarchy.at_level(GridLevel::Micro).nth(3).unwrap());
    let p = grid.shape.interior_point().unwrap();
    let client = Client {
        base: h.base(),
        http: reqwest::Client::new(),
        requests: AtomicUsize::new(0),
    };

    // The administrator registers the client: the key is shown once, never listed.
    let (status, created) = h
        .post("/api/open311/clients", &json!({ "name": "滨河随手拍" }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let key = created["api_key"].as_str().unwrap().to_owned();
    assert_eq!(key.len(), 64);
    let id = created["client"]["id"].as_i64().unwrap();
    let (status, again) = h
        .post("/api/open311/clients", &json!({ "name": "滨河随手拍" }))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert_eq!(again["error"]["code"], "OPEN311_CLIENT_EXISTS");
    let (status, blank) = h
        .post("/api/open311/clients", &json!({ "name": " " }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{blank}");
    let listed = h.json("/api/open311/clients").await;
    assert_eq!(listed["clients"][0]["name"], "滨河随手拍");
    assert!(!listed.to_string().contains(&key));

    let form = |key: &str, lat: f64| {
        vec![
            ("api_key", key.to_owned()),
            ("service_code", service.clone()),
            ("lat", lat.to_string()),
            ("long", p.x().to_string()),
            ("description", "路灯不亮，联系 13900001111".to_owned()),
            ("first_name", "小明".to_owned()),
            ("last_name", "张".to_owned()),
            ("phone", "13900001111".to_owned()),
            ("email", "zhang@example.org".to_owned()),
        ]
    };
    // Posted in JSON and in XML, read back through both formats.
    let (status, body) = client.post("json", &form(&key, p.y())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    check(
        &answer[0],
        &[
            ("service_request_id", Kind::Str, true),
            ("service_notice", Kind::StrOrNull, false),
            ("account_id", Kind::StrOrNull, false),
        ],
        "posted request",
    );
    let first = answer[0]["service_request_id"].as_str().unwrap().to_owned();
    // A second report 500 m away (not a duplicate), in XML.
    let (status, body) = client.post("xml", &form(&key, p.y() + 0.0045)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let xml = parse_xml(&body);
    assert_eq!(xml.name, "service_requests");
    let second = xml
        .child("request")
        .unwrap()
        .child("service_request_id")
        .unwrap()
        .text
        .clone();
    assert_ne!(first, second);
    for id in [&first, &second] {
        let (status, json, xml, text) = client.both(&format!("requests/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        check_list(&json, &xml, "service_requests", "request", REQUEST);
        assert_eq!(json[0]["service_code"], service.as_str());
        assert_eq!(json[0]["status"], "open");
        assert!((json[0]["long"].as_f64().unwrap() - p.x()).abs() < 1e-9);
        for private in ["张小明", "小明", "13900001111", "zhang@example.org"] {
            assert!(!text.contains(private), "{private} published: {text}");
        }
    }
    // The desk took it in as a resident's report brought by the client.
    let ticket = h.json(&format!("/api/tickets/{first}")).await;
    assert_eq!(ticket["ticket"]["channel"], "resident", "{ticket}");
    assert_eq!(ticket["ticket"]["source_ref"], "滨河随手拍");
    assert_eq!(ticket["ticket"]["reporter_name"], "张小明");

    // Refused: no key, a wrong key, a bad request (with the spec's codes).
    let mut no_key = form(&key, p.y());
    no_key.remove(0);
    for (format, fields, code) in [
        ("json", no_key.clone(), 403),
        ("xml", no_key, 403),
        ("json", form("0".repeat(64).as_str(), p.y()), 403),
        ("xml", form(&key, 95.0), 400),
    ] {
        let (status, body) = client.post(format, &fields).await;
        assert_eq!(status.as_u16(), code, "{body}");
        let errors = if format == "json" {
            let json: Value = serde_json::from_str(&body).unwrap();
            check(&json[0], ERROR, "error");
            json[0]["code"].as_i64().unwrap()
        } else {
            let xml = parse_xml(&body);
            assert_eq!(xml.name, "errors");
            xml.child("error")
                .unwrap()
                .child("code")
                .unwrap()
                .text
                .parse()
                .unwrap()
        };
        assert_eq!(errors, i64::from(code));
    }

    // Revoked: the key no longer posts, but reading stays open.
    let (status, revoked) = h
        .post(&format!("/api/open311/clients/{id}/revoke"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    assert!(revoked["revoked_at"].is_string());
    let (status, body) = client.post("json", &form(&key, p.y() - 0.0045)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("revoked"));
    let (status, _, _, _) = client.both(&format!("requests/{first}")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, missing) = h.post("/api/open311/clients/999/revoke", &json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");

    // Every use is audited, as the client; refusals too; creation and revocation as the admin.
    let audit = h.json("/api/audit?action=open311.request&limit=100").await;
    let lines = audit["entries"].as_array().unwrap();
    let by_client: Vec<&Value> = lines
        .iter()
        .filter(|l| l["account"] == "open311:滨河随手拍")
        .collect();
    assert_eq!(by_client.len(), 3, "{audit}");
    assert!(
        by_client
            .iter()
            .any(|l| l["target"] == first.as_str() && l["status"] == 200)
    );
    assert!(by_client.iter().any(|l| l["status"] == 400));
    assert_eq!(
        lines.iter().filter(|l| l["status"] == 403).count(),
        4,
        "{audit}"
    );
    for action in ["open311_client.create", "open311_client.revoke"] {
        let audit = h.json(&format!("/api/audit?action={action}")).await;
        assert_eq!(audit["entries"][0]["target"], id.to_string(), "{audit}");
    }
    println!(
        "open311 client (posting): {} requests",
        client.requests.load(Ordering::Relaxed)
    );
}

/// `binhe-server open311-client … --db FILE`, its standard output.
fn cli(database: &std::path::Path, args: &[&str]) -> (bool, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_binhe-server"))
        .arg("open311-client")
        .args(args)
        .arg("--db")
        .arg(database)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    common::harness::outcome(&output)
}

#[tokio::test]
async fn a_key_made_on_the_command_line_posts_until_it_is_revoked_there() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    let (ok, out) = cli(&db, &["add", "街道公众号"]);
    assert!(ok, "{out}");
    let key = out
        .lines()
        .find_map(|l| l.strip_prefix("api_key="))
        .unwrap()
        .to_owned();
    assert_eq!(key.len(), 64);
    let (ok, again) = cli(&db, &["add", "街道公众号"]);
    assert!(!ok && again.contains("OPEN311_CLIENT_EXISTS"), "{again}");
    let (ok, listed) = cli(&db, &["list"]);
    assert!(
        ok && listed.contains("街道公众号") && !listed.contains(&key),
        "{listed}"
    );
    let id = listed.split('\t').next().unwrap().trim().to_owned();

    let h = Harness::start(&db).await;
    let service = h.json("/api/catalogue").await["categories"][0]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let hierarchy = demo::generate(DEFAULT_SEED).hierarchy;
    let grid = hierarchy.get(hierarchy.at_level(GridLevel::Micro).nth(9).unwrap());
    let p = grid.shape.interior_point().unwrap();
    let client = Client {
        base: h.base(),
        http: reqwest::Client::new(),
        requests: AtomicUsize::new(0),
    };
    let form = vec![
        ("api_key", key.clone()),
        ("service_code", service),
        ("lat", p.y().to_string()),
        ("long", p.x().to_string()),
        ("description", "井盖缺失".to_owned()),
    ];
    let (status, body) = client.post("json", &form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (ok, out) = cli(&db, &["revoke", &id]);
    assert!(ok, "{out}");
    let (status, body) = client.post("json", &form).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (ok, out) = cli(&db, &["revoke", "999"]);
    assert!(!ok, "{out}");
    let audit = h.json("/api/audit?action=open311_client.create").await;
    assert_eq!(audit["entries"][0]["target"], id.as_str(), "{audit}");
}

#[tokio::test]
async fn a_camera_alerts_picture_is_its_media_url() {
    use base64::Engine;
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let made = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i"])
        .arg("testsrc2=size=160x90")
        .args(["-frames:v", "1", "-f", "mjpeg", "pipe:1"])
        .output()
        .unwrap();
    assert!(made.status.success());
    let jpeg = made.stdout;
    let camera = h.first_camera().await;
    let catalogue = h.json("/api/catalogue").await;
    let service = catalogue["categories"][0]["code"].as_str().unwrap();
    let (status, answer) = h
        .post(
            "/api/tickets",
            &json!({
                "channel": "camera", "category": service, "description": "视频分析告警",
                "source_ref": camera,
                "snapshot_jpeg": base64::engine::general_purpose::STANDARD.encode(&jpeg),
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let id = answer["ticket"]["id"].as_i64().unwrap();
    let client = Client {
        base: h.base(),
        http: reqwest::Client::new(),
        requests: AtomicUsize::new(0),
    };
    let (status, json, xml, _) = client.both(&format!("requests/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    check_list(&json, &xml, "service_requests", "request", REQUEST);
    let url = json[0]["media_url"].as_str().unwrap();
    assert_eq!(url, format!("{}/open311/v2/media/{id}.jpg", h.base()));
    // Fetched without any session: the same picture.
    let response = client.http.get(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert_eq!(response.bytes().await.unwrap().to_vec(), jpeg);
    let missing = client
        .http
        .get(format!("{}/open311/v2/media/999.jpg", h.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let body: Value = missing.json().await.unwrap();
    check(&body[0], ERROR, "error");
}

#[test]
fn the_schemas_refuse_what_the_specification_does_not_allow() {
    let validator = jsonschema::validator_for(&schema(ERROR)).unwrap();
    assert!(validator.is_valid(&json!({ "code": 404, "description": "not found" })));
    for bad in [
        json!({ "code": "404", "description": "code as text" }),
        json!({ "description": "no code" }),
        json!({ "code": 400, "description": "x", "message_zh": "not in the spec" }),
        json!([{ "code": 400, "description": "a list, not an error" }]),
    ] {
        assert!(!validator.is_valid(&bad), "{bad}");
    }
}
