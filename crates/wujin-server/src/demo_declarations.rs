//! The demo's declarations of conformance: the cup maker's offers declared against the
//! editions they cite, each with a report from the demo lab: most good for a year, one
//! about to lapse (so its owner has been reminded). The report numbers are the demo's own;
//! the standards are the library's. Its certificates carry last days, one of them near.

use wujin_domain::declaration::{Declared, Lab};
use wujin_store::Store;
use wujin_store::files::NewFile;
use wujin_store::offers::{OfferFilter, Owner};

use crate::cli::Failure;
use crate::demo_people::fail;

/// A test report as small as a PDF can be and still open (the demo has no scanned pages).
const REPORT_PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// Declares up to four of `maker`'s offers that cite a standard in the library, signed by
/// `by`, with reports from `lab`; then sends the reminders due today.
pub async fn load(store: &Store, (maker, by): (i64, i64), lab: i64) -> Result<(), Failure> {
    let library = store.library().await.map_err(fail)?;
    let filter = OfferFilter { org_id: Some(maker), ..Default::default() };
    let (offers, _) = store.list_offers(&filter, None, 200).await.map_err(fail)?;
    let today = wujin_store::ties::today();
    let mut n = 0;
    for o in offers.iter().filter(|o| !o.record.standards.is_empty()) {
        for cited in &o.record.standards {
            let Some(e) = library.resolve(cited).filter(|e| &e.number == cited) else { continue };
            n += 1;
            // The last one lapses in three weeks: its owner has had the 30-day reminder.
            let valid_until = if n == 4 { today + time::Duration::days(20) } else { today + time::Duration::days(300) };
            let d = Declared {
                standard: e.number.clone(),
                report_no: format!("WJ-DEMO-{}-{n:03}", today.year()),
                lab: Lab::Org(lab),
                issued_on: today - time::Duration::days(65),
                valid_until: Some(valid_until),
            };
            let file = NewFile { name: "检测报告.pdf", mime: "application/pdf", bytes: REPORT_PDF };
            store.declare(maker, o.id, &d, file, by).await.map_err(fail)?;
            if n == 4 {
                break;
            }
        }
        if n == 4 {
            break;
        }
    }
    store.remind_declarations(today).await.map_err(fail)?;
    certificate_days(store, maker, by).await
}

/// The cup maker's certificates get last days: each good for two years but the first, which
/// lapses in three weeks (so its owner has had the 30-day reminder). No certificate numbers:
/// the demo would have to invent them.
async fn certificate_days(store: &Store, maker: i64, by: i64) -> Result<(), Failure> {
    let Some(org) = store.org(maker).await.map_err(fail)? else { return Ok(()) };
    let mut record = org.record.clone();
    if record.certificates.is_empty() {
        record.certificates.push(wujin_domain::certificate::HeldCertificate::code("ISO 9001"));
    }
    let today = wujin_store::ties::today();
    for (i, c) in record.certificates.iter_mut().enumerate() {
        c.valid_until = Some(today + time::Duration::days(if i == 0 { 20 } else { 730 }));
    }
    match store.save_org(maker, org.revision, &record, by).await.map_err(fail)? {
        wujin_store::demands::Write::Done(()) => {}
        other => return Err(fail(format!("certificate days: {other:?}"))),
    }
    store.remind_certificates(today).await.map_err(fail)?;
    Ok(())
}

/// Items a lab tests, by standard (the number without its year): the items these standards
/// are known for, named as labs name them, never with a clause number the demo would have to
/// invent. A standard not listed is offered as one whole-standard test.
const ITEMS: &[(&str, &[&str])] = &[
    ("GB/T 29606", &["保温效能", "密封性能", "耐冲击性能"]),
    ("GB 4806.9", &["重金属迁移量", "感官要求"]),
    ("GB 17565", &["防破坏性能", "防火性能"]),
    ("GB 17761", &["最高设计车速", "整车质量", "制动性能"]),
];

/// The demo lab's test items under its testing offers, and the cup maker's bookings of them
/// in every state (requested, confirmed, testing, reported, the last one rated).
pub async fn load_lab(store: &Store, (lab, tester): (i64, i64), (maker, by): (i64, i64)) -> Result<(), Failure> {
    use wujin_domain::testing::{TestItem, TestState};
    let library = store.library().await.map_err(fail)?;
    let filter = OfferFilter { org_id: Some(lab), group: Some("testing".into()), ..Default::default() };
    let (offers, _) = store.list_offers(&filter, None, 20).await.map_err(fail)?;
    let mut items = vec![];
    for o in &offers {
        for cited in &o.record.standards {
            let Some(e) = library.resolve(cited).filter(|e| &e.number == cited) else { continue };
            let known = ITEMS.iter().find(|(b, _)| *b == e.base()).map(|(_, n)| *n);
            // A whole-standard test costs what the offer asks; a single item a few hundred yuan.
            let whole = o.record.price.map(|p| p.min().0).unwrap_or(500_000);
            for (i, name) in known.unwrap_or(&["全项检测"]).iter().enumerate() {
                let item = TestItem {
                    standard: e.number.clone(),
                    name: name.to_string(),
                    clause: None,
                    method: "按标准规定的试验方法".into(),
                    sample: "3 件".into(),
                    price_fen: if known.is_some() { 30_000 + 20_000 * i as i64 } else { whole },
                    turnaround_days: 5 + 2 * i as i64,
                    in_scope: true,
                    weekly_capacity: 10,
                };
                items.push(store.add_test_item(lab, o.id, &item, tester).await.map_err(fail)?.id);
            }
        }
    }
    let today = wujin_store::ties::today();
    let steps: [&[TestState]; 4] = [
        &[],
        &[TestState::Confirmed],
        &[TestState::Confirmed, TestState::Received, TestState::Testing],
        &[TestState::Confirmed, TestState::Received, TestState::Testing, TestState::Reported],
    ];
    for (n, path) in steps.iter().enumerate() {
        // Each state on its own item while there are enough, else the items again.
        let Some(item) = items.get(n % items.len().max(1)) else { break };
        let booking = wujin_store::labs::NewBooking {
            lab_org_id: lab,
            org_id: maker,
            items: std::slice::from_ref(item),
            samples: 3,
            desired_on: today + time::Duration::days(7),
            notes: "500ml 保温杯样品",
            by,
        };
        let b = store.request_test(&booking).await.map_err(fail)?;
        let mut from = TestState::Requested;
        for &to in path.iter() {
            let date = (to == TestState::Confirmed).then(|| today + time::Duration::days(3));
            let report = (to == TestState::Reported).then_some({
                ("WJ-DEMO-LAB-001", NewFile { name: "检测报告.pdf", mime: "application/pdf", bytes: REPORT_PDF })
            });
            store.step_test(b.id, from, to, date, None, report, tester).await.map_err(fail)?;
            from = to;
        }
        // The cup maker rated the lab after its report, as firms do.
        if from == TestState::Reported {
            store.rate_test(b.id, 5, "报告清楚，周期准时", by).await.map_err(fail)?;
        }
    }
    Ok(())
}

/// The demo's change of standard, replayed as it happened on a platform: the e-bike safety
/// standard GB 17761-2024 replaced the 2018 edition (in force from 1 September 2025). The
/// 2018 edition is first in force, three e-bike makers' offers still cite it, and then the
/// platform admin records the 2024 edition as replacing it, which tells each of those firms
/// once. One of them has since moved its offer to the 2024 edition; two are still pending.
/// The library ends as it starts (2018 replaced by 2024); only the history is added.
pub async fn load_replacement(store: &Store, admin: i64) -> Result<(), Failure> {
    const OLD: &str = "GB 17761-2018";
    const NEW: &str = "GB 17761-2024";
    let library = store.library().await.map_err(fail)?;
    let (Some(old), Some(new)) = (library.resolve(OLD).cloned(), library.resolve(NEW).cloned()) else {
        return Ok(());
    };
    let in_force = wujin_domain::standard::Edition {
        status: wujin_domain::standard::StandardStatus::Current,
        replaced_by: None,
        ..old
    };
    store.put_standard(&in_force, &[], admin).await.map_err(fail)?;
    let filter = OfferFilter { standard: Some(NEW.into()), ..Default::default() };
    let (offers, _) = store.list_offers(&filter, None, 200).await.map_err(fail)?;
    let mut moved: Vec<&wujin_store::offers::Offer> = vec![];
    for o in &offers {
        if moved.len() < 3 && !moved.iter().any(|m| m.org_id == o.org_id) {
            moved.push(o);
        }
    }
    let cite = |o: &wujin_store::offers::Offer, from: &str, to: &str| {
        let mut record = o.record.clone();
        for s in record.standards.iter_mut().filter(|s| *s == from) {
            *s = to.to_string();
        }
        record
    };
    for o in &moved {
        save_offer(store, o, &cite(o, NEW, OLD), admin).await?;
    }
    store.put_standard(&new, &[OLD.to_string()], admin).await.map_err(fail)?;
    if let Some(o) = moved.first() {
        save_offer(store, o, &o.record, admin).await?;
    }
    Ok(())
}

/// Writes `record` over the stored offer `o` at its current revision.
async fn save_offer(
    store: &Store,
    o: &wujin_store::offers::Offer,
    record: &wujin_domain::OfferRecord,
    by: i64,
) -> Result<(), Failure> {
    let owner = Owner { org_id: o.org_id, uscc: &record.org_uscc, town: o.town.as_deref() };
    let current = store.offer(o.id).await.map_err(fail)?.ok_or_else(|| fail(format!("offer {}", o.id)))?;
    match store.save_offer(&owner, record, Some((o.id, current.revision)), by).await.map_err(fail)? {
        wujin_store::demands::Write::Done(_) => Ok(()),
        other => Err(fail(format!("offer {}: {other:?}", o.id))),
    }
}
