//! What the API returns: records with their codes resolved to display names in the
//! request's language, money as integer fen with a currency, times as RFC 3339.

use serde::Serialize;
use utoipa::ToSchema;
use wujin_domain::{Lang, Taxonomy};
use wujin_store::offers::Offer;
use wujin_store::orgs::Org;

/// A code with its display name (`{"code": "330784105", "name": "石柱镇"}`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Named {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Money {
    pub amount_fen: i64,
    pub currency: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Quantity {
    pub value: i64,
    pub unit: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Contact {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgView {
    pub id: i64,
    pub revision: i64,
    /// 统一社会信用代码 (GB 32100-2015).
    pub uscc: String,
    /// Whether positions 9–17 also pass the older organisation-code check; a hint, not a verdict.
    pub uscc_organisation_code_checks: bool,
    pub name: String,
    pub name_en: Option<String>,
    pub kind: Named,
    pub town: Option<Named>,
    pub sectors: Vec<Named>,
    pub chain: Vec<Named>,
    pub size_class: Option<Named>,
    pub founded_year: Option<i32>,
    pub employees: Option<i64>,
    pub revenue_band: Option<Named>,
    /// Certificates held, with whether each is in force today.
    pub certificates: Vec<CertificateView>,
    pub contact: Contact,
    pub created_at: String,
    pub updated_at: String,
}

/// A certificate an organisation holds (ISO 9001, CCC …): what the firm gave of it, and
/// whether it counts today. A lapsed one stays listed until the firm renews or removes it,
/// and does not count in search or matching.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificateView {
    pub code: String,
    pub name: String,
    pub number: Option<String>,
    pub issuer: Option<String>,
    /// Its last day (YYYY-MM-DD); none when the firm did not give one.
    pub valid_until: Option<String>,
    pub in_force: bool,
}

impl CertificateView {
    pub fn new(c: &wujin_domain::certificate::HeldCertificate, lang: Lang, today: time::Date) -> Self {
        let n = named(&c.code, Taxonomy::get().certificate(&c.code), lang);
        CertificateView {
            code: n.code,
            name: n.name,
            number: c.number.clone(),
            issuer: c.issuer.clone(),
            valid_until: c.valid_until.map(|d| d.to_string()),
            in_force: c.in_force(today),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgRef {
    pub id: i64,
    pub name: String,
    pub uscc: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Spec {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StandardRef {
    /// As published, e.g. `GB/T 29606-2013`.
    pub number: String,
    /// The standard's title when it is in the library.
    pub title: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Price {
    pub min: Money,
    pub max: Money,
    /// The unit the price is per.
    pub per: Option<Named>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfferView {
    pub id: i64,
    pub revision: i64,
    pub org_id: i64,
    pub org: OrgRef,
    pub external_id: String,
    /// `product`, `service` or `capacity`, with its display name.
    pub kind: Named,
    pub title: String,
    pub title_en: Option<String>,
    pub description: String,
    pub category: Named,
    /// The service family of a service offer.
    pub family: Option<Named>,
    /// The process of a capacity offer.
    pub process: Option<Named>,
    pub town: Option<Named>,
    pub specs: Vec<Spec>,
    pub standards: Vec<StandardRef>,
    pub price: Option<Price>,
    pub unit: Option<Named>,
    pub moq: Option<Quantity>,
    pub lead_time_days: Option<i32>,
    pub hours_per_week: Option<i32>,
    pub created_at: String,
    pub updated_at: String,
}

pub fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.replace_nanosecond(0).ok())
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

fn named(code: &str, entry: Option<&wujin_domain::taxonomy::Entry>, lang: Lang) -> Named {
    Named { code: code.to_string(), name: entry.map(|e| e.name(lang).to_string()).unwrap_or_else(|| code.to_string()) }
}

impl OrgView {
    pub fn new(o: &Org, lang: Lang) -> OrgView {
        let t = Taxonomy::get();
        let r = &o.record;
        OrgView {
            id: o.id,
            revision: o.revision,
            uscc: r.uscc.to_string(),
            uscc_organisation_code_checks: r.uscc.organisation_code_checks(),
            name: r.name.clone(),
            name_en: r.name_en.clone(),
            kind: named(r.kind.code(), t.org_kind(r.kind.code()), lang),
            town: r.town.as_deref().map(|c| named(c, t.town(c), lang)),
            sectors: r.sectors.iter().map(|c| named(c, t.sector(c).map(|s| &s.entry), lang)).collect(),
            chain: r.chain.iter().map(|c| named(c, t.chain_stage(c), lang)).collect(),
            size_class: r.size_class.map(|s| named(s.code(), t.size_class(s.code()), lang)),
            founded_year: r.founded_year,
            employees: r.employees,
            revenue_band: r.revenue_band.as_deref().map(|c| named(c, t.revenue_band(c), lang)),
            certificates: {
                let today = wujin_store::ties::today();
                r.certificates.iter().map(|c| CertificateView::new(c, lang, today)).collect()
            },
            contact: Contact {
                name: r.contact.name.clone(),
                phone: r.contact.phone.clone(),
                email: r.contact.email.clone(),
                address: r.contact.address.clone(),
            },
            created_at: rfc3339(o.created_at),
            updated_at: rfc3339(o.updated_at),
        }
    }
}

impl OfferView {
    /// The offer as the API shows it; its standards' titles come from the stored `library`,
    /// so an edition an admin added has its title without a release.
    pub fn new(o: &Offer, lang: Lang, library: &wujin_domain::standard::Library) -> OfferView {
        let t = Taxonomy::get();
        let r = &o.record;
        let cat = t.category(&r.category);
        let unit = r.unit.as_deref().map(|c| named(c, t.unit(c), lang));
        let money = |fen: i64| Money { amount_fen: fen, currency: "CNY".into() };
        OfferView {
            id: o.id,
            revision: o.revision,
            org_id: o.org_id,
            org: OrgRef { id: o.org_id, name: o.org_name.clone(), uscc: r.org_uscc.to_string() },
            external_id: r.external_id.clone(),
            kind: named(r.kind.code(), t.offer_kinds.iter().find(|k| k.code == r.kind.code()), lang),
            title: r.title.clone(),
            title_en: r.title_en.clone(),
            description: r.description.clone(),
            category: named(&r.category, cat.map(|c| &c.entry), lang),
            family: cat.and_then(|c| c.family.as_deref()).map(|f| named(f, t.family(f).map(|x| &x.entry), lang)),
            process: cat.and_then(|c| c.process.as_deref()).map(|p| named(p, t.process(p), lang)),
            town: o.town.as_deref().map(|c| named(c, t.town(c), lang)),
            specs: r.specs.iter().map(|(k, v)| Spec { key: k.clone(), value: v.clone() }).collect(),
            standards: r
                .standards
                .iter()
                .map(|n| StandardRef {
                    number: n.clone(),
                    title: library.resolve(n).map(|e| match lang {
                        Lang::Zh => e.title_zh.clone(),
                        Lang::En => e.title_en.clone(),
                    }),
                })
                .collect(),
            price: r.price.map(|p| Price {
                min: money(p.min().0),
                max: money(p.max().0),
                per: r.unit.as_deref().map(|c| named(c, t.unit(c), lang)),
            }),
            moq: r.moq.map(|v| Quantity { value: v, unit: r.unit.clone().unwrap_or_else(|| "pcs".into()) }),
            unit,
            lead_time_days: r.lead_time_days,
            hours_per_week: r.hours_per_week,
            created_at: rfc3339(o.created_at),
            updated_at: rfc3339(o.updated_at),
        }
    }
}

/// A page of organisations.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgPage {
    pub items: Vec<OrgView>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    pub total: i64,
}

/// A page of offers. `total` is exact up to 10,000; past that it is left out and
/// `total_at_least` says so (counting every hit of a broad filter costs more than the page).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfferPage {
    pub items: Vec<OfferView>,
    pub next_cursor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_at_least: Option<i64>,
}
