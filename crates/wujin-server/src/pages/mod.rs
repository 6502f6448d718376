//! Pages: the platform in the browser, rendered on the server from templates compiled into
//! the binary, with the stylesheet embedded too, so it works on a closed network. Chinese by
//! default; English by a switch remembered in a cookie. Every string comes from the message
//! catalogue. The core flows need no JavaScript: links and forms.

mod account;
pub mod accreditations;
pub mod capacity;
pub mod catalogue;
pub mod chain;
pub mod chart;
pub mod declarations;
pub mod demands;
pub mod english;
mod home;
mod idle;
pub mod labs;
pub mod mine;
pub mod my_standards;
mod offers;
mod overview;
pub mod pools;
mod profile;
mod registry;
pub mod reports;
pub mod search;
pub mod session;
pub mod standards;
pub mod supervision;
pub mod targets;
pub mod test_bookings;
mod upload;
pub mod webhooks;

use std::sync::OnceLock;

use axum::Router;
use axum::extract::Query;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use minijinja::value::Rest;
use minijinja::{Environment, State, Value, context};
use serde::Deserialize;
use wujin_domain::Lang;

use crate::api::AppState;

/// The cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "wujin_lang";

const CSS: &str = include_str!("../../pages/static/wujin.css");

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in [
            ("base.html", include_str!("../../pages/templates/base.html")),
            ("chain.html", include_str!("../../pages/templates/chain.html")),
            ("chain_outage.html", include_str!("../../pages/templates/chain_outage.html")),
            ("tie_actions.html", include_str!("../../pages/templates/tie_actions.html")),
            ("office_outage.html", include_str!("../../pages/templates/office_outage.html")),
            ("outage_tables.html", include_str!("../../pages/templates/outage_tables.html")),
            ("home.html", include_str!("../../pages/templates/home.html")),
            ("search.html", include_str!("../../pages/templates/search.html")),
            ("search_form.html", include_str!("../../pages/templates/search_form.html")),
            ("message.html", include_str!("../../pages/templates/message.html")),
            ("field.html", include_str!("../../pages/templates/field.html")),
            ("login.html", include_str!("../../pages/templates/login.html")),
            ("register.html", include_str!("../../pages/templates/register.html")),
            ("org.html", include_str!("../../pages/templates/org.html")),
            ("offer.html", include_str!("../../pages/templates/offer.html")),
            ("my_standards.html", include_str!("../../pages/templates/my_standards.html")),
            ("demands.html", include_str!("../../pages/templates/demands.html")),
            ("demand_new.html", include_str!("../../pages/templates/demand_new.html")),
            ("demand.html", include_str!("../../pages/templates/demand.html")),
            ("demand_cancel.html", include_str!("../../pages/templates/demand_cancel.html")),
            ("quotes.html", include_str!("../../pages/templates/quotes.html")),
            ("inbox.html", include_str!("../../pages/templates/inbox.html")),
            ("tokens.html", include_str!("../../pages/templates/tokens.html")),
            ("webhooks.html", include_str!("../../pages/templates/webhooks.html")),
            ("test_bookings.html", include_str!("../../pages/templates/test_bookings.html")),
            ("accreditations.html", include_str!("../../pages/templates/accreditations.html")),
            ("webhook.html", include_str!("../../pages/templates/webhook.html")),
            ("webhook_delivery.html", include_str!("../../pages/templates/webhook_delivery.html")),
            ("members.html", include_str!("../../pages/templates/members.html")),
            ("overview.html", include_str!("../../pages/templates/overview.html")),
            ("reports.html", include_str!("../../pages/templates/reports.html")),
            ("structure.html", include_str!("../../pages/templates/structure.html")),
            ("idle.html", include_str!("../../pages/templates/idle.html")),
            ("standards.html", include_str!("../../pages/templates/standards.html")),
            ("standard.html", include_str!("../../pages/templates/standard.html")),
            ("targets.html", include_str!("../../pages/templates/targets.html")),
            ("target.html", include_str!("../../pages/templates/target.html")),
            ("gaps.html", include_str!("../../pages/templates/gaps.html")),
            ("tasks.html", include_str!("../../pages/templates/tasks.html")),
            ("task.html", include_str!("../../pages/templates/task.html")),
            ("problems.html", include_str!("../../pages/templates/problems.html")),
            ("problem.html", include_str!("../../pages/templates/problem.html")),
            ("prices.html", include_str!("../../pages/templates/prices.html")),
            ("price.html", include_str!("../../pages/templates/price.html")),
            ("pools.html", include_str!("../../pages/templates/pools.html")),
            ("pool.html", include_str!("../../pages/templates/pool.html")),
            ("pool_new.html", include_str!("../../pages/templates/pool_new.html")),
            ("machines.html", include_str!("../../pages/templates/machines.html")),
            ("machine.html", include_str!("../../pages/templates/machine.html")),
            ("bookings.html", include_str!("../../pages/templates/bookings.html")),
            ("pool_progress.html", include_str!("../../pages/templates/pool_progress.html")),
            ("pager.html", include_str!("../../pages/templates/pager.html")),
            ("offer_form.html", include_str!("../../pages/templates/offer_form.html")),
            ("profile.html", include_str!("../../pages/templates/profile.html")),
            ("password.html", include_str!("../../pages/templates/password.html")),
            ("demands_open.html", include_str!("../../pages/templates/demands_open.html")),
            ("demand_line.html", include_str!("../../pages/templates/demand_line.html")),
            ("catalogue_upload.html", include_str!("../../pages/templates/catalogue_upload.html")),
        ] {
            env.add_template(name, source).expect("templates are checked by the page tests");
        }
        env.add_function("t", |state: &State, key: &str, args: Rest<Value>| -> String {
            let lang = match state.lookup("lang").and_then(|v| v.as_str().map(str::to_string)).as_deref() {
                Some("en") => Lang::En,
                _ => Lang::Zh,
            };
            // A whole number handed to a message is a count or a sum: its digits are grouped.
            let args: Vec<String> = args.iter().map(num).collect();
            catalogue::text(lang, key, &args)
        });
        env.add_filter("num", num);
        env
    })
}

/// `{{ n|num }}`: a whole number with grouped digits; anything else as it is.
fn num(v: &Value) -> String {
    match i64::try_from(v.clone()) {
        Ok(n) if v.is_integer() => grouped(n),
        _ => v.to_string(),
    }
}

/// The language of a page request: `?lang=` if given, else the remembered choice, else
/// Chinese.
pub fn page_lang(headers: &HeaderMap, query: Option<&str>) -> Lang {
    if let Some(q) = query {
        for (k, v) in form_urlencoded::parse(q.as_bytes()) {
            if k == "lang" {
                return if v.starts_with("en") { Lang::En } else { Lang::Zh };
            }
        }
    }
    let remembered = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| kv.trim().strip_prefix(LANG_COOKIE)?.strip_prefix('=').map(str::to_string));
    match remembered.as_deref() {
        Some("en") => Lang::En,
        _ => Lang::Zh,
    }
}

/// Renders `template` with `ctx` plus what every page needs (the language, the switch to
/// the other one, the path to come back to).
pub fn render(status: StatusCode, template: &str, lang: Lang, here: &str, ctx: Value) -> Response {
    let (code, other, html_lang, other_html_lang) = match lang {
        Lang::Zh => ("zh", "en", "zh-CN", "en"),
        Lang::En => ("en", "zh", "en", "zh-CN"),
    };
    let base = context! { lang => code, other_lang => other, html_lang, other_html_lang, here };
    let result = env().get_template(template).and_then(|t| t.render(context! { ..base, ..ctx }));
    match result {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            // Never a stack trace on a page: the detail goes to the log.
            tracing::error!(error = %e, template, "page rendering");
            (StatusCode::INTERNAL_SERVER_ERROR, Html(catalogue::text(lang, "error_title", &[]))).into_response()
        }
    }
}

/// A page with a title and one message (errors, not found).
pub fn message(status: StatusCode, lang: Lang, here: &str, title_key: &str, message: &str) -> Response {
    let title = catalogue::text(lang, title_key, &[]);
    render(status, "message.html", lang, here, context! { title, message })
}

/// A whole number with its digits grouped by thousands, as pages show every count and sum
/// ("18,953"). Money in forms is grouped too: [`wujin_domain::Fen::parse_yuan`] reads the
/// commas back.
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// Fen as yuan with two decimals and grouped digits, as a quote or a total reads
/// ("52,888.63").
pub fn yuan(fen: i64) -> String {
    wujin_domain::money::yuan(fen)
}

/// A price range as a catalogue shows it: without fen when every value is whole yuan
/// ("12–15", "12,000"), with two decimals on both ends otherwise ("12.50–15.00"); one value
/// when both ends are the same.
pub fn yuan_range(min: i64, max: i64) -> String {
    let whole = min % 100 == 0 && max % 100 == 0;
    let one = |fen: i64| if whole { grouped(fen / 100) } else { yuan(fen) };
    if min == max { one(min) } else { format!("{}–{}", one(min), one(max)) }
}

/// Items a list page shows at a time (demands, quotes, inbox).
pub const PAGE_SIZE: usize = 50;

/// One page of a list: the API parameters for the page the URL asks for (its cursor in the
/// query parameter `name`), and the links to the first and the next page.
pub struct ListPage {
    /// `limit=…&cursor=…` for the API handler.
    pub params: crate::api::params::Params,
    here: String,
    name: &'static str,
    on_first: bool,
}

impl ListPage {
    pub fn of(here: &str, query: Option<&str>, name: &'static str) -> ListPage {
        // A cursor this server could not have issued (an edited link) starts the list again.
        let cursor = query
            .and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned()))
            .filter(|c| crate::api::page::decode_cursor(Lang::Zh, Some(c)).is_ok());
        let mut params = std::collections::HashMap::from([("limit".to_string(), PAGE_SIZE.to_string())]);
        let on_first = cursor.is_none();
        params.extend(cursor.map(|c| ("cursor".to_string(), c)));
        ListPage { params: crate::api::params::Params(params), here: here.to_string(), name, on_first }
    }

    /// With extra API parameters (`scope=open`).
    pub fn with(mut self, key: &str, value: &str) -> ListPage {
        self.params.0.insert(key.to_string(), value.to_string());
        self
    }

    /// `first_href` and `next_href` for the page's pager, from the API's answer.
    pub fn links(&self, answer: &serde_json::Value) -> Value {
        let next = answer["next_cursor"].as_str().map(|c| {
            let q: String = form_urlencoded::Serializer::new(String::new()).append_pair(self.name, c).finish();
            let sep = if self.here.contains('?') { '&' } else { '?' };
            format!("{}{sep}{q}", self.here)
        });
        let first = (!self.on_first).then(|| self.here.clone());
        context! { first_href => first, next_href => next }
    }
}

/// What the layout shows of the signed-in person (nothing when nobody is).
pub fn user_ctx(user: &Option<session::PageUser>) -> Value {
    user.as_ref().map(|u| u.view()).unwrap_or(Value::from(()))
}

#[derive(Deserialize)]
struct Switch {
    to: Option<String>,
    back: Option<String>,
}

/// `/lang?to=en&back=/search?q=…`: remembers the language for a year and goes back.
async fn switch(Query(s): Query<Switch>) -> Response {
    let to = if s.to.as_deref() == Some("en") { "en" } else { "zh" };
    // Only a path on this site: never an open redirect.
    let back = s.back.filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains('\\')).unwrap_or("/".into());
    let mut resp = StatusCode::SEE_OTHER.into_response();
    let cookie = format!("{LANG_COOKIE}={to}; Path=/; Max-Age=31536000; SameSite=Lax");
    if let (Ok(c), Ok(l)) = (HeaderValue::from_str(&cookie), HeaderValue::from_str(&back)) {
        resp.headers_mut().insert(SET_COOKIE, c);
        resp.headers_mut().insert(LOCATION, l);
    }
    resp
}

async fn stylesheet() -> Response {
    ([(CONTENT_TYPE, "text/css; charset=utf-8"), (CACHE_CONTROL, "public, max-age=3600")], CSS).into_response()
}

/// The page routes, merged into the server's router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(account::login_page).post(account::login))
        .route("/register", get(account::register_page).post(account::register))
        .route("/logout", axum::routing::post(account::logout))
        .route("/account/password", get(account::password_page).post(account::change_password))
        .route("/orgs/{id}", get(registry::org))
        .route("/quotes", get(mine::quotes))
        .route("/inbox", get(mine::inbox_page))
        .route("/inbox/{id}/read", axum::routing::post(mine::inbox_read))
        .route("/tokens", get(mine::tokens_page))
        .route("/tokens/{action}", axum::routing::post(mine::tokens_act))
        .route("/accreditations", get(accreditations::queue))
        .route("/accreditations/{id}/{action}", axum::routing::post(accreditations::act))
        .route("/orgs/{id}/accreditations", axum::routing::post(accreditations::submit))
        .route("/test-bookings", get(test_bookings::page))
        .route("/test-bookings/{id}/{action}", axum::routing::post(test_bookings::act))
        .route("/webhooks", get(webhooks::list).post(webhooks::create))
        .route("/webhooks/{id}", get(webhooks::page))
        .route("/webhooks/{id}/deliveries/{delivery}", get(webhooks::delivery))
        .route("/webhooks/{id}/{action}", axum::routing::post(webhooks::act))
        .route("/orgs/{id}/members", get(mine::members_page))
        .route("/orgs/{id}/members/{action}", axum::routing::post(mine::members_act))
        .route("/orgs/{id}/chain", get(chain::mine))
        .route("/orgs/{id}/chain/outage", get(chain::outage))
        .route("/orgs/{id}/chain/{action}", axum::routing::post(chain::act))
        .route("/orgs/{id}/reports", get(reports::mine).post(reports::file))
        .route("/orgs/{id}/reports.xlsx", get(reports::mine_xlsx))
        .route("/overview", get(overview::overview))
        .route("/overview/structure", get(reports::structure))
        .route("/overview/capacity", get(idle::page))
        .route("/overview/capacity.xlsx", get(idle::download))
        .route("/overview/targets", get(targets::list).post(targets::create))
        .route("/overview/targets/{id}", get(targets::page))
        .route("/overview/targets/{id}/delete", axum::routing::post(targets::delete))
        .route("/overview/target-downloads/{file}", get(targets::download))
        .route("/overview/gaps", get(targets::gaps))
        .route("/overview/gaps.xlsx", get(targets::gaps_download))
        .route("/overview/structure.xlsx", get(reports::structure_xlsx))
        .route("/overview/outage", get(overview::outage))
        .route("/overview/charts/{file}", get(overview::chart_download))
        .route("/supervision/tasks", get(supervision::tasks).post(supervision::create_task))
        .route("/supervision/tasks.xlsx", get(supervision::tasks_download))
        .route("/supervision/tasks/{id}", get(supervision::task).post(supervision::update_task))
        .route("/supervision/problems", get(supervision::problems))
        .route("/supervision/problems.xlsx", get(supervision::ledger_download))
        .route("/supervision/inspections", axum::routing::post(supervision::record_inspection))
        .route("/supervision/problems/{id}", get(supervision::problem))
        .route("/supervision/problems/{id}/evidence", axum::routing::post(supervision::evidence))
        .route("/supervision/problems/{id}/{action}", axum::routing::post(supervision::act))
        .route("/standards", get(standards::list))
        .route("/standards/mine", get(my_standards::page))
        .route("/standards/{number}", get(standards::page))
        .route("/prices", get(pools::prices))
        .route("/prices/{id}", get(pools::price))
        .route("/prices/downloads/{file}", get(pools::price_download))
        .route("/pools", get(pools::list))
        .route("/pools/new", get(pools::new_page).post(pools::create))
        .route("/pools/{id}", get(pools::page))
        .route("/pools/{id}/commit", axum::routing::post(pools::commit))
        .route("/pools/{id}/allocations.xlsx", get(pools::allocations))
        .route("/pools/{id}/{action}", axum::routing::post(pools::act))
        .route("/machines", get(capacity::list))
        .route("/machines/{id}", get(capacity::page))
        .route("/machines/{id}/book", axum::routing::post(capacity::book))
        .route("/bookings", get(capacity::bookings))
        .route("/bookings/{id}/{action}", axum::routing::post(capacity::act))
        .route("/demands", get(demands::list))
        .route("/demands/open", get(demands::open_list))
        .route("/demands/new", get(demands::new_page).post(demands::create))
        .route("/demands/{id}", get(demands::page))
        .route("/demands/{id}/responses.xlsx", get(demands::download))
        .route("/demands/{id}/edit", get(demands::edit_page).post(demands::edit))
        .route("/demands/{id}/cancel", get(demands::cancel_page).post(demands::cancel))
        .route("/demands/{id}/{action}", axum::routing::post(demands::act))
        .route("/offers/{id}", get(registry::offer))
        .route("/offers/{id}/edit", get(offers::edit_page).post(offers::edit))
        .route("/offers/{id}/delete", axum::routing::post(offers::delete))
        .route("/offers/{id}/declare", axum::routing::post(declarations::declare))
        .route("/offers/{id}/book", axum::routing::post(labs::book))
        .route("/declarations/{id}/withdraw", axum::routing::post(declarations::withdraw))
        .route("/orgs/{id}/offers/new", get(offers::new_page).post(offers::create))
        .route("/orgs/{id}/edit", get(profile::edit_page).post(profile::edit))
        .route("/orgs/{id}/catalogue/upload", get(upload::form).post(upload::check))
        .route("/orgs/{id}/catalogue/upload/{upload}", get(upload::report).post(upload::confirm))
        .route("/orgs/{id}/catalogue/{file}", get(upload::template))
        .route("/search", get(search::search))
        .route("/lang", get(switch))
        .route("/static/wujin.css", get(stylesheet))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_with_grouped_digits_and_no_needless_fen() {
        assert_eq!(grouped(18_953), "18,953");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(-1_234_567), "-1,234,567");
        assert_eq!(yuan(5_288_863), "52,888.63");
        assert_eq!(yuan(1250), "12.50");
        assert_eq!(yuan_range(1200, 1500), "12–15");
        assert_eq!(yuan_range(1250, 1500), "12.50–15.00");
        assert_eq!(yuan_range(1_200_000, 1_200_000), "12,000");
        // What a page shows, a form reads back.
        assert_eq!(wujin_domain::Fen::parse_yuan(&yuan(5_288_863)).unwrap().0, 5_288_863);
    }

    #[test]
    fn a_count_handed_to_a_message_is_grouped() {
        let html = env()
            .render_str(
                r#"{{ t("results_count", 18953) }} · {{ 2_000_000|num }} · {{ "GB 4806.9"|num }}"#,
                context! { lang => "zh" },
            )
            .unwrap();
        assert_eq!(html, "找到 18,953 家企业 · 2,000,000 · GB 4806.9");
    }
}
