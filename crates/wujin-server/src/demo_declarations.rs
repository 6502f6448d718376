//! The demo's declarations of conformance: the cup maker's offers declared against the
//! editions they cite, each with a report from the demo lab: most good for a year, one
//! about to lapse (so its owner has been reminded). The report numbers are the demo's own;
//! the standards are the library's.

use wujin_domain::declaration::{Declared, Lab};
use wujin_store::Store;
use wujin_store::files::NewFile;
use wujin_store::offers::OfferFilter;

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
    Ok(())
}
