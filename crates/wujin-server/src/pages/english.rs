//! English pages name firms by the English names they gave themselves.
//!
//! The API answers with the registered (Chinese) names; a page about demands, quotes or
//! engagements names many firms, so the English names are looked up once for the whole
//! page and laid over the Chinese ones wherever an object holds a firm's id beside its name.

use std::collections::HashMap;

use serde_json::Value as Json;
use wujin_domain::Lang;

use crate::api::AppState;

/// The shapes in which the API names a firm: `{"org_id", "org_name"}` and
/// `{"org": {"id", "name"}}`.
fn visit(v: &mut Json, f: &mut dyn FnMut(i64, &mut Json)) {
    match v {
        Json::Object(map) => {
            if let Some(id) = map.get("org_id").and_then(Json::as_i64)
                && let Some(name) = map.get_mut("org_name")
            {
                f(id, name);
            }
            for (_, child) in map.iter_mut() {
                visit(child, f);
            }
            if let Some(Json::Object(org)) = map.get_mut("org")
                && let Some(id) = org.get("id").and_then(Json::as_i64)
                && let Some(name) = org.get_mut("name")
            {
                f(id, name);
            }
        }
        Json::Array(items) => items.iter_mut().for_each(|i| visit(i, f)),
        _ => {}
    }
}

/// On an English page, the firms named in `values` take their English names, where they
/// have one. A Chinese page is left as it is.
pub async fn firm_names(app: &AppState, lang: Lang, values: &mut [&mut Json]) {
    if lang != Lang::En {
        return;
    }
    let mut ids = vec![];
    for v in values.iter_mut() {
        visit(v, &mut |id, _| ids.push(id));
    }
    ids.sort_unstable();
    ids.dedup();
    let english: HashMap<i64, String> = app.store.org_names_en(&ids).await.unwrap_or_default();
    if english.is_empty() {
        return;
    }
    for v in values.iter_mut() {
        visit(v, &mut |id, name| {
            if let Some(en) = english.get(&id) {
                *name = Json::String(en.clone());
            }
        });
    }
}

/// One firm's name in the page's language.
pub async fn firm_name(app: &AppState, lang: Lang, id: i64) -> String {
    match app.store.org(id).await {
        Ok(Some(o)) => match lang {
            Lang::En => o.record.name_en.filter(|n| !n.trim().is_empty()).unwrap_or(o.record.name),
            Lang::Zh => o.record.name,
        },
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_shapes_of_a_named_firm_are_found_at_any_depth() {
        let mut v = serde_json::json!({"items": [
            {"org_id": 3, "org_name": "永康市恒达杯业有限公司"},
            {"org": {"id": 4, "name": "永康市飞翔工贸有限公司"}, "why": {"org_id": "x"}}
        ]});
        let mut seen = vec![];
        visit(&mut v, &mut |id, name| {
            seen.push(id);
            *name = Json::String(format!("firm {id}"));
        });
        assert_eq!(seen, vec![3, 4]);
        assert_eq!(v["items"][1]["org"]["name"], "firm 4");
    }
}
