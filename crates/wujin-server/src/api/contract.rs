//! The OpenAPI document as served: what utoipa derives from the handlers, completed with
//! what holds for every route by construction, so that the document says exactly what the
//! server does (`shared/API.md`, "The contract"):
//!
//! - every path parameter is declared on every operation, as a whole number ≥ 1 (the server
//!   answers 400 `invalid_id` otherwise);
//! - `limit` is 1..=100 and every `…_id` filter ≥ 1, as the list readers enforce;
//! - every error an operation can answer is listed with the error shape: 400 for a bad
//!   parameter, 401/403 for a caller who may not, 404 for an unknown id or route, 409 for a
//!   write against a stale revision or the wrong state, 413/414 at the transport's limits
//!   ([`super::guard`]), 415 for a body that is not JSON, 422 for JSON of the wrong shape,
//!   429 when sign-in is throttled, 503 when the store or the index cannot answer in time.
//!
//! Doing this once here, rather than on each of some forty handlers, keeps the rule in one
//! place: a new route is documented completely the day it is added.

use serde_json::{Map, Value, json};

fn error(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    })
}

/// The errors an operation can answer, by what it is: a read or a write, with path ids or
/// not, with a body or not.
fn errors(method: &str, path: &str, has_ids: bool, has_body: bool) -> Vec<(&'static str, &'static str)> {
    let mut out = vec![
        ("400", "A parameter or field is not valid; `field` names it."),
        ("401", "Not signed in, where the operation needs it."),
        ("403", "Signed in, but not allowed (or a cross-site write: `cross_site`)."),
        ("404", "No such id, or not one the caller may know of."),
        ("414", "The address is longer than the server reads."),
        (
            "503",
            "The store or the search index cannot answer now, or every database connection is busy (`busy`, with `Retry-After`).",
        ),
    ];
    if method != "get" {
        out.extend([
            ("409", "The revision sent is not the current one, or the record is in another state."),
            ("413", "The body is longer than the server reads."),
            ("415", "A body that is not `application/json`."),
        ]);
    }
    if has_body || method != "get" {
        out.push(("422", "JSON of the wrong shape or type; `field` is a JSON pointer to it."));
    }
    if (method == "post" && (path.ends_with("/sessions") || path.ends_with("/accounts"))) || has_ids || method != "get"
    {
        out.push(("429", "Too many attempts; try again after `Retry-After` seconds."));
    }
    out
}

fn id_schema() -> Value {
    json!({"type": "integer", "format": "int64", "minimum": 1})
}

fn complete_operation(method: &str, path: &str, names: &[String], op: &mut Map<String, Value>) {
    let params = op.entry("parameters").or_insert_with(|| json!([]));
    if let Some(list) = params.as_array_mut() {
        for p in list.iter_mut() {
            let name = p["name"].as_str().unwrap_or("").to_string();
            let place = p["in"].as_str().unwrap_or("").to_string();
            if place == "path" {
                p["schema"] = id_schema();
                p["required"] = json!(true);
            } else if place == "query" && name == "limit" {
                // Every list pages by 1..=100 (20 unless asked); the change feed by up to
                // 1,000 (100 unless asked), API.md's exception for feeds.
                let (max, default) = if path == "/api/v1/changes" {
                    (super::changes::MAX_LIMIT, super::changes::DEFAULT_LIMIT)
                } else {
                    (100, 20)
                };
                p["schema"] =
                    json!({"type": "integer", "format": "int64", "minimum": 1, "maximum": max, "default": default});
            } else if place == "query" && (name == "id" || name.ends_with("_id")) {
                p["schema"] = id_schema();
            } else if place == "query" && !super::params::MAY_BE_EMPTY.contains(&name.as_str()) {
                // The API refuses an empty parameter (see `params`): say so.
                if let Some(schema) = p.get_mut("schema").and_then(Value::as_object_mut)
                    && schema.get("type").and_then(Value::as_str) == Some("string")
                {
                    schema.insert("minLength".into(), json!(1));
                }
            }
        }
        for name in names {
            let declared = list.iter().any(|p| p["in"] == "path" && p["name"] == name.as_str());
            if !declared {
                list.push(json!({
                    "name": name, "in": "path", "required": true, "schema": id_schema(),
                    "description": "An id this server issued: a whole number from 1."
                }));
            }
        }
    }
    let has_body = op.contains_key("requestBody");
    let responses = op.entry("responses").or_insert_with(|| json!({}));
    if let Some(r) = responses.as_object_mut() {
        for (code, description) in errors(method, path, !names.is_empty(), has_body) {
            match r.get_mut(code) {
                Some(existing) => {
                    if existing.get("content").is_none() {
                        existing["content"] = error(description)["content"].clone();
                    }
                    if existing.get("description").and_then(Value::as_str).is_none_or(str::is_empty) {
                        existing["description"] = json!(description);
                    }
                }
                None => {
                    r.insert(code.to_string(), error(description));
                }
            }
        }
    }
}

/// Completes `doc` (an OpenAPI 3.1 document as JSON) in place.
pub fn complete(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for (path, item) in paths.iter_mut() {
        if !path.starts_with("/api/") {
            continue;
        }
        let names: Vec<String> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(str::to_string)
            .collect();
        let Some(item) = item.as_object_mut() else { continue };
        for method in ["get", "post", "put", "patch", "delete"] {
            if let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) {
                complete_operation(method, path, &names, op);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_id_is_declared_and_errors_are_listed() {
        let mut doc = json!({"paths": {"/api/v1/offers/{id}": {"patch": {"responses": {"200": {"description": "ok"}, "409": {}}}}}});
        complete(&mut doc);
        let op = &doc["paths"]["/api/v1/offers/{id}"]["patch"];
        assert_eq!(op["parameters"][0]["name"], "id");
        assert_eq!(op["parameters"][0]["schema"]["minimum"], 1);
        for code in ["400", "401", "403", "404", "409", "413", "415", "422"] {
            assert_eq!(
                op["responses"][code]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody",
                "{code}"
            );
        }
    }
}
