//! A small cluster of offers written the way firms write them, for the search tests.
#![allow(dead_code)]

use wujin_domain::sheet::{Cells, offer_from_cells};
use wujin_domain::{Fen, OfferRecord, PriceRange, Uscc};
use wujin_match::{MatchIndex, OfferDoc, SearchQuery};

/// An offer as a firm would put it in a spreadsheet.
pub fn offer(ext: &str, title: &str, category: &str, description: &str, standards: &str) -> OfferRecord {
    let uscc = Uscc::complete("91330784MA2HD0001").unwrap().to_string();
    let cells = Cells(
        [
            ("external_id", ext.to_string()),
            ("org_uscc", uscc),
            ("title", title.into()),
            ("category", category.into()),
            ("description", description.into()),
            ("standards", standards.into()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect(),
    );
    offer_from_cells(&cells).unwrap()
}

/// Builds offers up with price (yuan), lead time and minimum order.
pub fn priced(mut r: OfferRecord, yuan: (i64, i64), lead_days: i32, moq: i64) -> OfferRecord {
    r.price = PriceRange::new(Fen(yuan.0 * 100), Fen(yuan.1 * 100));
    r.lead_time_days = Some(lead_days);
    r.moq = Some(moq);
    r
}

/// One organisation per offer: (offer, town, certificates).
pub struct Firm {
    pub offer: OfferRecord,
    pub town: &'static str,
    pub certificates: Vec<String>,
    /// How it has dealt on the platform (none by default).
    pub standing: wujin_match::Standing,
}

pub fn firm(offer: OfferRecord, town: &'static str, certificates: &[&str]) -> Firm {
    Firm {
        offer,
        town,
        certificates: certificates.iter().map(|s| s.to_string()).collect(),
        standing: Default::default(),
    }
}

/// Offer ids are 1.., organisation ids 101..
pub fn index_of(firms: &[Firm]) -> MatchIndex {
    let idx = MatchIndex::in_memory().unwrap();
    let docs: Vec<OfferDoc> = firms
        .iter()
        .enumerate()
        .map(|(i, f)| OfferDoc {
            offer_id: i as u64 + 1,
            org_id: 101 + i as u64,
            org_name: "永康市测试有限公司",
            town: Some(f.town),
            certificates: f.certificates.iter().map(String::as_str).collect(),
            sectors: &[],
            standing: f.standing,
            record: &f.offer,
            free: &[],
            declared: &[],
            tests: &[],
        })
        .collect();
    idx.upsert(&docs).unwrap();
    idx.commit().unwrap();
    idx
}

pub fn ids(idx: &MatchIndex, q: SearchQuery) -> Vec<u64> {
    idx.search(&SearchQuery { limit: 10, ..q }).unwrap().hits.iter().map(|h| h.offer_id).collect()
}

pub fn text(s: &str) -> SearchQuery {
    SearchQuery { text: s.into(), ..Default::default() }
}
