//! Export: what import reads, export writes — the same columns, the same list separators,
//! prices in yuan with their exact fen — so export then import changes nothing.

use std::io::Write;
use std::path::Path;

use rust_xlsxwriter::{Format as XlsxFormat, Workbook};
use serde_json::{Map, Value, json};
use wujin_domain::sheet::{Column, OFFER_COLUMNS, ORG_COLUMNS, offer_to_row, org_to_row};
use wujin_domain::tie::TIE_COLUMNS;
use wujin_store::ties::SupplierEnd;
use wujin_store::{Store, StoreError};

use super::import::Kind;
use super::progress::Progress;

/// Records read from the store per query.
const CHUNK: i64 = 5000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Xlsx,
    Jsonl,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("XLSX: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("XLSX is a binary file: name one with --out FILE.xlsx")]
    XlsxNeedsFile,
}

fn columns(kind: Kind) -> &'static [Column] {
    match kind {
        Kind::Orgs => ORG_COLUMNS,
        Kind::Offers => OFFER_COLUMNS,
        Kind::Ties => TIE_COLUMNS,
        Kind::Reports => wujin_domain::report::REPORT_COLUMNS,
        Kind::Prices => wujin_domain::pool::PRICE_COLUMNS,
        Kind::Standards => wujin_domain::standard::STANDARD_COLUMNS,
    }
}

/// The cells of a tie in [`TIE_COLUMNS`] order, as an import reads them back.
fn tie_to_row(t: &wujin_store::ties::Tie) -> Vec<String> {
    let (uscc, name, region) = match &t.supplier {
        SupplierEnd::Org { uscc, .. } => (uscc.clone(), String::new(), String::new()),
        SupplierEnd::Outside { name, region } => (String::new(), name.clone(), region.clone()),
    };
    vec![
        uscc,
        name,
        region,
        t.customer_uscc.clone(),
        t.input.clone(),
        t.share.map(|s| s.to_string()).unwrap_or_default(),
        t.buffer_weeks.map(|b| b.to_string()).unwrap_or_default(),
        t.since.to_string(),
        t.until.map(|d| d.to_string()).unwrap_or_default(),
    ]
}

/// Fields written as JSON arrays and as JSON numbers in JSON Lines.
const LIST_FIELDS: &[&str] = &["sectors", "chain", "certificates", "standards"];
const NUMBER_FIELDS: &[&str] = &["founded_year", "employees", "moq", "lead_time_days", "hours_per_week", "share"];

fn json_line(cols: &[Column], row: &[String]) -> String {
    let mut m = Map::new();
    for (c, v) in cols.iter().zip(row) {
        if v.is_empty() {
            continue;
        }
        let value = if LIST_FIELDS.contains(&c.key) {
            json!(v.split('；').collect::<Vec<_>>())
        } else if NUMBER_FIELDS.contains(&c.key) {
            v.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::from(v.as_str()))
        } else {
            Value::from(v.as_str())
        };
        m.insert(c.key.to_string(), value);
    }
    Value::Object(m).to_string()
}

/// Streams every record of `kind` out of the store, a chunk at a time, into `sink`.
async fn for_each_row(
    store: &Store,
    kind: Kind,
    quiet: bool,
    mut sink: impl FnMut(Vec<String>) -> Result<(), ExportError>,
) -> Result<u64, ExportError> {
    let total = match kind {
        Kind::Orgs => store.count_all(wujin_store::Table::Orgs).await?,
        Kind::Offers => store.count_all(wujin_store::Table::Offers).await?,
        Kind::Ties => {
            // The ties in the graph, all at once: a cluster's ties are thousands, not millions.
            let ties = store.ties_in_graph().await?;
            let mut progress = Progress::new("export", ties.len() as u64, quiet);
            for t in &ties {
                sink(tie_to_row(t))?;
            }
            progress.inc(ties.len() as u64);
            progress.finish();
            return Ok(ties.len() as u64);
        }
        Kind::Prices => {
            // Every series with all its values: a few series of a few hundred values each.
            let mut n = 0u64;
            for s in store.price_series().await? {
                for (day, value) in store.series_values(s.id, None, None).await? {
                    sink(wujin_domain::pool::price_to_row(&s.record, day, value))?;
                    n += 1;
                }
            }
            return Ok(n);
        }
        Kind::Standards => {
            // The whole library, oldest edition of a standard first, so that a re-import
            // meets each edition before the one that names it.
            let mut all = store.standards().await?;
            all.reverse();
            for s in &all {
                sink(wujin_domain::standard::standard_to_row(&s.edition))?;
            }
            return Ok(all.len() as u64);
        }
        Kind::Reports => {
            // Every current report, a firm's months together: the office's own figures back.
            let first = wujin_domain::report::Month::new(wujin_domain::report::FIRST_YEAR, 1).expect("a month");
            let reports = store.current_reports(first, first.plus(12 * 200)).await?;
            let mut ids: Vec<i64> = reports.iter().map(|r| r.org_id).collect();
            ids.dedup();
            let codes: std::collections::HashMap<i64, wujin_domain::Uscc> =
                store.orgs_by_ids(&ids).await?.into_iter().map(|o| (o.id, o.record.uscc)).collect();
            let mut progress = Progress::new("export", reports.len() as u64, quiet);
            for r in &reports {
                let Some(uscc) = codes.get(&r.org_id) else { continue };
                let record =
                    wujin_domain::report::ReportRecord { uscc: uscc.clone(), month: r.month, figures: r.figures };
                sink(wujin_domain::report::report_to_row(&record))?;
            }
            progress.inc(reports.len() as u64);
            progress.finish();
            return Ok(reports.len() as u64);
        }
    };
    let mut progress = Progress::new("export", total as u64, quiet);
    let mut after = 0;
    let mut n = 0;
    loop {
        let rows: Vec<(i64, Vec<String>)> = match kind {
            Kind::Orgs => {
                store.orgs_after(after, CHUNK).await?.into_iter().map(|o| (o.id, org_to_row(&o.record))).collect()
            }
            Kind::Offers => {
                store.offers_after(after, CHUNK).await?.into_iter().map(|o| (o.id, offer_to_row(&o.record))).collect()
            }
            Kind::Ties | Kind::Reports | Kind::Prices | Kind::Standards => break,
        };
        let Some((last, _)) = rows.last() else { break };
        after = *last;
        progress.inc(rows.len() as u64);
        for (_, row) in rows {
            sink(row)?;
            n += 1;
        }
    }
    progress.finish();
    Ok(n)
}

/// Writes every record of `kind` to `out` (a file, or standard output when None).
pub async fn export(
    store: &Store,
    kind: Kind,
    format: ExportFormat,
    out: Option<&Path>,
    quiet: bool,
) -> Result<u64, ExportError> {
    let cols = columns(kind);
    match format {
        ExportFormat::Xlsx => {
            let path = out.ok_or(ExportError::XlsxNeedsFile)?;
            let mut book = Workbook::new();
            let sheet = book.add_worksheet_with_constant_memory();
            let bold = XlsxFormat::new().set_bold();
            for (i, c) in cols.iter().enumerate() {
                sheet.write_string_with_format(0, i as u16, c.zh, &bold)?;
            }
            let mut r = 0u32;
            let n = for_each_row(store, kind, quiet, |row| {
                r += 1;
                for (i, v) in row.iter().enumerate() {
                    // Everything as text: credit codes and ids must not turn into numbers.
                    if !v.is_empty() {
                        sheet.write_string(r, i as u16, v)?;
                    }
                }
                Ok(())
            })
            .await?;
            book.save(path)?;
            Ok(n)
        }
        ExportFormat::Csv | ExportFormat::Jsonl => {
            let sink: Box<dyn Write> = match out {
                Some(p) => Box::new(std::fs::File::create(p)?),
                None => Box::new(std::io::stdout().lock()),
            };
            let mut w = std::io::BufWriter::with_capacity(1 << 20, sink);
            let n = if format == ExportFormat::Csv {
                // A BOM, so spreadsheet programs read the file as UTF-8.
                w.write_all(b"\xEF\xBB\xBF")?;
                let mut csv = csv::Writer::from_writer(&mut w);
                csv.write_record(cols.iter().map(|c| c.zh)).map_err(std::io::Error::other)?;
                let n = for_each_row(store, kind, quiet, |row| {
                    csv.write_record(&row).map_err(|e| std::io::Error::other(e).into())
                })
                .await?;
                csv.flush()?;
                n
            } else {
                for_each_row(store, kind, quiet, |row| {
                    writeln!(w, "{}", json_line(cols, &row))?;
                    Ok(())
                })
                .await?
            };
            w.flush()?;
            Ok(n)
        }
    }
}

/// Writes an empty file with the Chinese headers of `kind`: XLSX when the name ends in
/// .xlsx, CSV otherwise.
pub fn template(kind: Kind, path: &Path) -> Result<(), ExportError> {
    let cols = columns(kind);
    if path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("xlsx")) {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let bold = XlsxFormat::new().set_bold();
        for (i, c) in cols.iter().enumerate() {
            sheet.write_string_with_format(0, i as u16, c.zh, &bold)?;
            sheet.set_column_width(i as u16, 16)?;
        }
        book.save(path)?;
    } else {
        let mut f = std::fs::File::create(path)?;
        f.write_all(b"\xEF\xBB\xBF")?;
        let mut csv = csv::Writer::from_writer(f);
        csv.write_record(cols.iter().map(|c| c.zh)).map_err(std::io::Error::other)?;
        csv.flush()?;
    }
    Ok(())
}
