//! Import: every row is checked, and the valid ones written in one transaction that commits
//! only when no row had a problem.
//!
//! With any invalid row nothing is written unless the caller asks to skip invalid rows, in
//! which case the valid ones are written and the rest still reported. A file of offers is
//! streamed ([`import_rows`]): checked and written a block at a time inside the one
//! transaction, so that a million rows take the memory of a block, not of the file. Writing is an upsert
//! on the credit code (organisations), the external id (offers) or the tie's two sides and
//! input (ties), so running the same import twice leaves the store as once. A process killed mid-write leaves the store as it
//! was before the import: the transaction never committed.

use std::collections::HashMap;

use serde::Serialize;
use wujin_domain::messages::{Arg, Msg};
use wujin_domain::report::{REPORT_COLUMNS, report_from_cells};
use wujin_domain::sheet::{
    Header, HeaderError, Named, OFFER_COLUMNS, ORG_COLUMNS, offer_from_cells, offer_keeping, org_from_cells,
    org_keeping,
};
use wujin_domain::tie::{Supplier, TIE_COLUMNS, TieSource, tie_from_cells};
use wujin_domain::{FieldError, Lang, OfferRecord, OrgRecord, Uscc, msg};
use wujin_store::ties::{NewTie, SupplierRef};
use wujin_store::{Store, StoreError, UpsertStats, offers, orgs};

use super::progress::Progress;
use super::read::{Place, ReadError, Rows, Table};
use crate::messages;

/// Rows written per upsert call inside the one transaction; also the progress step.
const CHUNK: usize = 1000;
/// Rows of a streamed file checked (on every core) and written at a time.
const BLOCK: usize = 10_000;
/// The most problems a report keeps in full; the rest are counted, and all of them go to the
/// problems file when one is asked for (`wujin import --report FILE`).
pub const KEPT_PROBLEMS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Orgs,
    Offers,
    /// Supply ties, as an operator (the pilot office's survey) imports them: each stands as
    /// confirmed, source `operator`.
    Ties,
    /// Firms' monthly reports, as an office that collects spreadsheets imports them: a month
    /// already reported is corrected (its earlier figures stay as history).
    Reports,
    /// Price series and their dated values (the platform's index and material prices): a
    /// series is created by the first rows that describe it, a day already there corrected.
    Prices,
    /// Editions of standards: an edition already there is changed; one that `replaces`
    /// older editions marks them replaced, and firms citing those are told.
    Standards,
}

/// One thing wrong with one cell.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// The row as a spreadsheet shows it (the header is row 1).
    pub row: usize,
    /// The file's line the record starts on, where that is not its row (a CSV after a cell
    /// holding a line break).
    pub line: Option<usize>,
    /// The column as the file names it.
    pub column: String,
    pub field: &'static str,
    pub value: String,
    pub code: &'static str,
    pub message_zh: String,
    pub message_en: String,
}

impl Problem {
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.message_zh,
            Lang::En => &self.message_en,
        }
    }
}

/// What an import found and did.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub kind: Kind,
    pub encoding: &'static str,
    pub rows: usize,
    pub valid: usize,
    pub problems: Vec<Problem>,
    pub unknown_columns: Vec<String>,
    /// None when nothing was written.
    pub written: Option<UpsertStats>,
    /// Problems found beyond the [`KEPT_PROBLEMS`] kept, and rows that had only such.
    pub more_problems: usize,
    pub more_bad_rows: usize,
}

impl Report {
    /// The report of `table` before any row is checked.
    fn empty(kind: Kind, table: &Table, header: &Header) -> Report {
        Report {
            kind,
            encoding: table.encoding,
            rows: table.rows.len(),
            valid: 0,
            problems: vec![],
            unknown_columns: header.unknown.clone(),
            written: None,
            more_problems: 0,
            more_bad_rows: 0,
        }
    }

    /// How many rows had a problem: with `--skip-invalid`, the rows left out.
    pub fn bad_rows(&self) -> usize {
        let mut rows: Vec<usize> = self.problems.iter().map(|p| p.row).collect();
        rows.sort_unstable();
        rows.dedup();
        rows.len() + self.more_bad_rows
    }

    /// Every problem found, kept or only counted.
    pub fn problems_found(&self) -> usize {
        self.problems.len() + self.more_problems
    }

    /// Notes a problem (problems come in row order): kept while fewer than
    /// [`KEPT_PROBLEMS`] are, counted after.
    fn note(&mut self, p: Problem, last_counted_row: &mut Option<usize>) {
        if self.problems.len() < KEPT_PROBLEMS {
            self.problems.push(p);
            return;
        }
        self.more_problems += 1;
        if self.problems.last().map(|l| l.row) != Some(p.row) && *last_counted_row != Some(p.row) {
            self.more_bad_rows += 1;
            *last_counted_row = Some(p.row);
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}", .0)]
    Header(HeaderError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The file stopped being readable part-way (nothing is written then).
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The problems file could not be written.
    #[error("{0}")]
    ProblemsFile(String),
}

impl ImportError {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            ImportError::Header(h) => h.message(lang),
            ImportError::Read(r) => r.message(lang),
            e => e.to_string(),
        }
    }
}

/// Where every problem of an import goes as it is found: a CSV file (UTF-8 with a BOM, so a
/// spreadsheet opens it) with the row, the file's line, column, field, value, code and
/// message. Unlike the report, it keeps every problem however many there are.
pub struct ProblemsFile {
    writer: csv::Writer<std::io::BufWriter<std::fs::File>>,
    lang: Lang,
}

impl ProblemsFile {
    pub fn create(path: &std::path::Path, lang: Lang) -> Result<ProblemsFile, ImportError> {
        let fail = |e: &dyn std::fmt::Display| ImportError::ProblemsFile(format!("{}: {e}", path.display()));
        let mut file = std::io::BufWriter::new(std::fs::File::create(path).map_err(|e| fail(&e))?);
        std::io::Write::write_all(&mut file, b"\xEF\xBB\xBF").map_err(|e| fail(&e))?;
        let mut writer = csv::Writer::from_writer(file);
        writer.write_record(["row", "line", "column", "field", "value", "code", "message"]).map_err(|e| fail(&e))?;
        Ok(ProblemsFile { writer, lang })
    }

    fn write(&mut self, p: &Problem) -> Result<(), ImportError> {
        let line = p.line.unwrap_or(p.row).to_string();
        self.writer
            .write_record([&p.row.to_string(), &line, &p.column, p.field, &p.value, p.code, p.message(self.lang)])
            .map_err(|e| ImportError::ProblemsFile(e.to_string()))
    }

    fn finish(mut self) -> Result<(), ImportError> {
        self.writer.flush().map_err(|e| ImportError::ProblemsFile(e.to_string()))
    }
}

pub struct Options {
    pub skip_invalid: bool,
    pub quiet: bool,
    pub actor: String,
}

/// The file's own name for the column that holds `field`.
fn key_column(table: &Table, header: &Header, field: &str) -> String {
    header.fields.iter().position(|f| *f == Some(field)).and_then(|i| table.header.get(i).cloned()).unwrap_or_default()
}

fn line_of(at: Place) -> Option<usize> {
    (at.line != at.row).then_some(at.line)
}

fn problem(at: Place, header: &Table, fields: &Header, e: FieldError) -> Problem {
    let column = fields
        .fields
        .iter()
        .position(|f| *f == Some(e.field))
        .and_then(|i| header.header.get(i).cloned())
        .unwrap_or_else(|| e.field.to_string());
    Problem {
        row: at.row,
        line: line_of(at),
        column,
        field: e.field,
        value: e.value,
        code: e.code,
        message_zh: e.zh,
        message_en: e.en,
    }
}

/// A row whose key (credit code, external id) an earlier row of the file already had, valid
/// or not: the first row is the one the person meant, a later copy never silently wins.
fn duplicate(at: Place, first: usize, column: String, field: &'static str, value: &str) -> Problem {
    let (message_zh, message_en) = messages::both(&msg!("import_duplicate_row", first));
    Problem {
        row: at.row,
        line: line_of(at),
        column,
        field,
        value: value.to_string(),
        code: "duplicate",
        message_zh,
        message_en,
    }
}

/// A row's credit code as a key: the code as registered when it reads as one, else the cell
/// as typed (upper case), so that two rows with the same broken code are still one key.
fn uscc_key(cells: &wujin_domain::sheet::Cells, field: &str) -> Option<String> {
    let v = cells.get(field)?;
    Some(Uscc::parse(v).map(|u| u.to_string()).unwrap_or_else(|_| v.to_uppercase()))
}

/// The row that first had `key`, if an earlier row did; otherwise `row` becomes that row.
fn first_seen(seen: &mut HashMap<String, usize>, key: Option<&str>, row: usize) -> Option<usize> {
    let key = key?;
    match seen.get(key) {
        Some(first) => Some(*first),
        None => {
            seen.insert(key.to_string(), row);
            None
        }
    }
}

/// Checks rows on every core, keeping their order; `progress` hears each finished block.
/// Checking is a third of an import's own work, and the rows are independent.
fn parse_rows<T: Send>(
    rows: &[(Place, Vec<String>)],
    parse: impl Fn(&[String]) -> T + Sync,
    mut progress: impl FnMut(u64),
) -> Vec<T> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let mut out = Vec::with_capacity(rows.len());
    for block in rows.chunks(10_000) {
        let per = block.len().div_ceil(threads).max(1);
        let parse = &parse;
        let parts: Vec<Vec<T>> = std::thread::scope(|s| {
            let running: Vec<_> = block
                .chunks(per)
                .map(|part| s.spawn(move || part.iter().map(|(_, cells)| parse(cells)).collect::<Vec<T>>()))
                .collect();
            running.into_iter().map(|h| h.join().expect("a row check panicked")).collect()
        });
        out.extend(parts.into_iter().flatten());
        progress(block.len() as u64);
    }
    out
}

/// Checks every row of `table` as `kind` and, unless that found problems (and skipping was
/// not asked for), writes the valid rows in one transaction.
pub async fn import(store: &Store, kind: Kind, table: &Table, opts: &Options) -> Result<Report, ImportError> {
    if kind == Kind::Ties {
        return import_ties(store, table, opts).await;
    }
    if kind == Kind::Reports {
        return import_reports(store, table, opts).await;
    }
    if kind == Kind::Prices {
        return import_prices(store, table, opts).await;
    }
    if kind == Kind::Standards {
        return import_standards(store, table, opts).await;
    }
    if kind == Kind::Offers {
        let checked = check_offers(store, table, None, opts.quiet).await?;
        let mut report = checked.report;
        if report.problems.is_empty() || opts.skip_invalid {
            report.written = Some(write_offers(store, &checked.records, &checked.orgs, opts).await?);
        }
        return Ok(report);
    }
    let header = Header::read(ORG_COLUMNS, &table.header).map_err(ImportError::Header)?;
    let mut report = Report::empty(kind, table, &header);
    let key_column = |field: &str| key_column(table, &header, field);

    let mut check = Progress::new("check", table.rows.len() as u64, opts.quiet);
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut records: Vec<(OrgRecord, Named)> = vec![];
    let named = Named::of_header(ORG_COLUMNS, &header);
    let parsed = parse_rows(
        &table.rows,
        |c| {
            let cells = header.cells(c);
            (uscc_key(&cells, "uscc"), org_from_cells(&cells).map(|r| (r, named.for_row(&cells))))
        },
        |n| check.inc(n),
    );
    for ((at, _), (key, parsed)) in table.rows.iter().zip(parsed) {
        if let Some(first) = first_seen(&mut seen, key.as_deref(), at.row) {
            let value = key.unwrap_or_default();
            report.problems.push(duplicate(*at, first, key_column("uscc"), "uscc", &value));
            continue;
        }
        match parsed {
            Ok(r) => records.push(r),
            Err(errs) => report.problems.extend(errs.into_iter().map(|e| problem(*at, table, &header, e))),
        }
    }
    check.finish();
    report.valid = records.len();
    if report.problems.is_empty() || opts.skip_invalid {
        report.written = Some(write_orgs(store, &records, opts).await?);
    }
    Ok(report)
}

/// A firm's own catalogue sheet: every row is the firm's, whatever its credit code cell says,
/// and its external ids live in the firm's own namespace, so that one firm's sheet can never
/// name, and so never overwrite, another firm's offers.
#[derive(Debug, Clone)]
pub struct Firm {
    pub id: i64,
    pub uscc: Uscc,
}

impl Firm {
    /// The stored external id of the firm's own id `own` (its 货号): `firm-7/BX-500`.
    pub fn namespaced(&self, own: &str) -> String {
        format!("firm-{}/{own}", self.id)
    }

    /// Puts every row on the firm's credit code: the column is added where the sheet has
    /// none (the template has none), and overwritten where it has one.
    fn force(&self, table: &Table) -> Table {
        let code = self.uscc.to_string();
        let at = table.header.iter().position(|h| {
            let h = h.trim();
            h == "org_uscc" || h == "统一社会信用代码"
        });
        let mut header = table.header.clone();
        let at = at.unwrap_or_else(|| {
            header.push("统一社会信用代码".to_string());
            header.len() - 1
        });
        let rows = table
            .rows
            .iter()
            .map(|(place, cells)| {
                let mut cells = cells.clone();
                if cells.len() <= at {
                    cells.resize(at + 1, String::new());
                }
                cells[at] = code.clone();
                (*place, cells)
            })
            .collect();
        Table { header, rows, encoding: table.encoding }
    }
}

/// Offers checked and ready to write: the report, the valid rows, and the ids of the firms
/// they belong to.
pub struct CheckedOffers {
    pub report: Report,
    pub records: Vec<(OfferRecord, Named)>,
    pub orgs: HashMap<String, (i64, Option<String>)>,
}

/// Checks offer rows (on every core): the records that read well, and the problems of the
/// rest, a row whose external id an earlier row had (`seen`, kept across calls) among them.
/// `columns` names the file's columns for the problems.
fn check_offer_rows(
    rows: &[(Place, Vec<String>)],
    columns: &Table,
    header: &Header,
    library: &wujin_domain::standard::Library,
    seen: &mut HashMap<String, usize>,
    progress: impl FnMut(u64),
) -> (Vec<(Place, OfferRecord)>, Vec<Problem>) {
    let parsed = parse_rows(
        rows,
        |c| {
            let mut cells = header.cells(c);
            // Standards cited without a year read as the edition the library has in force.
            library.pin_cells(&mut cells);
            (cells.get("external_id").map(str::to_string), offer_from_cells(&cells))
        },
        progress,
    );
    let (mut records, mut problems) = (vec![], vec![]);
    for ((at, _), (key, parsed)) in rows.iter().zip(parsed) {
        if let Some(first) = first_seen(seen, key.as_deref(), at.row) {
            let column = key_column(columns, header, "external_id");
            problems.push(duplicate(*at, first, column, "external_id", &key.unwrap_or_default()));
            continue;
        }
        match parsed {
            Ok(r) => records.push((*at, r)),
            Err(errs) => problems.extend(errs.into_iter().map(|e| problem(*at, columns, header, e))),
        }
    }
    (records, problems)
}

/// Checks every row of `table` as an offer, writing nothing. With `firm`, the sheet is that
/// firm's own catalogue ([`Firm`]).
pub async fn check_offers(
    store: &Store,
    table: &Table,
    firm: Option<&Firm>,
    quiet: bool,
) -> Result<CheckedOffers, ImportError> {
    let forced;
    let table = match firm {
        Some(f) => {
            forced = f.force(table);
            &forced
        }
        None => table,
    };
    let header = Header::read(OFFER_COLUMNS, &table.header).map_err(ImportError::Header)?;
    let mut report = Report::empty(Kind::Offers, table, &header);
    let key_column = |field: &str| key_column(table, &header, field);
    let mut check = Progress::new("check", table.rows.len() as u64, quiet);
    let mut seen: HashMap<String, usize> = HashMap::new();
    let named = Named::of_header(OFFER_COLUMNS, &header);
    // Standards cited without a year read as the edition the stored library has in force.
    let library = store.library().await?;
    let (records, problems) = check_offer_rows(&table.rows, table, &header, &library, &mut seen, |n| check.inc(n));
    report.problems.extend(problems);
    check.finish();
    // An offer needs its organisation in the registry already.
    let mut codes: Vec<String> = records.iter().map(|(_, r)| r.org_uscc.to_string()).collect();
    codes.sort();
    codes.dedup();
    let orgs = store.org_ids_by_uscc(&codes).await?;
    let mut known = Vec::with_capacity(records.len());
    for (at, r) in records {
        if orgs.contains_key(r.org_uscc.as_str()) {
            // An offer's kind follows its category, which every offer row names.
            known.push((r, named));
        } else {
            report.problems.push(unknown_org(at, key_column("org_uscc"), r.org_uscc.to_string()));
        }
    }
    report.problems.sort_by_key(|p| p.row);
    report.valid = known.len();
    if let Some(f) = firm {
        for (r, _) in &mut known {
            r.external_id = f.namespaced(&r.external_id);
        }
    }
    Ok(CheckedOffers { report, records: known, orgs })
}

/// Whole records, as the demo and the benchmark make them: every column named.
pub fn whole<R>(
    records: impl IntoIterator<Item = R>,
    columns: &'static [wujin_domain::sheet::Column],
) -> Vec<(R, Named)> {
    let named = Named::all(columns);
    records.into_iter().map(|r| (r, named)).collect()
}

/// Writes organisations in one transaction with one audit row. Each record is laid over the
/// stored one as its row named it (a column the file did not have leaves the field as it is),
/// read in the same transaction.
pub async fn write_orgs(
    store: &Store,
    records: &[(OrgRecord, Named)],
    opts: &Options,
) -> Result<UpsertStats, StoreError> {
    let mut tx = store.begin().await?;
    let mut stats = UpsertStats::default();
    let mut progress = Progress::new("write", records.len() as u64, opts.quiet);
    for chunk in records.chunks(CHUNK) {
        let codes: Vec<String> = chunk.iter().map(|(r, _)| r.uscc.to_string()).collect();
        let stored = orgs::records_by_uscc(&mut tx, &codes).await?;
        let merged: Vec<OrgRecord> = chunk
            .iter()
            .map(|(r, named)| match stored.get(r.uscc.as_str()) {
                Some(old) => org_keeping(r.clone(), old, named),
                None => r.clone(),
            })
            .collect();
        stats += orgs::upsert(&mut tx, &merged).await?;
        progress.inc(chunk.len() as u64);
    }
    Store::audit(&mut tx, &opts.actor, "import", "orgs", None, &serde_json::to_value(stats).unwrap_or_default())
        .await?;
    tx.commit().await?;
    progress.finish();
    Ok(stats)
}

/// Writes offers in one transaction with one audit row, each laid over the stored one as its
/// row named it (see [`write_orgs`]). `orgs` maps credit codes to ids.
pub async fn write_offers(
    store: &Store,
    records: &[(OfferRecord, Named)],
    orgs: &HashMap<String, (i64, Option<String>)>,
    opts: &Options,
) -> Result<UpsertStats, StoreError> {
    let mut tx = store.begin().await?;
    let mut stats = UpsertStats::default();
    let mut progress = Progress::new("write", records.len() as u64, opts.quiet);
    for chunk in records.chunks(CHUNK) {
        stats += write_offer_chunk(&mut tx, chunk, orgs).await?;
        progress.inc(chunk.len() as u64);
    }
    Store::audit(&mut tx, &opts.actor, "import", "offers", None, &serde_json::to_value(stats).unwrap_or_default())
        .await?;
    tx.commit().await?;
    progress.finish();
    Ok(stats)
}

/// Writes one chunk of offers inside `tx`, each laid over the stored one as its row named it.
async fn write_offer_chunk(
    tx: &mut wujin_store::Tx,
    chunk: &[(OfferRecord, Named)],
    orgs: &HashMap<String, (i64, Option<String>)>,
) -> Result<UpsertStats, StoreError> {
    let ids: Vec<String> = chunk.iter().map(|(r, _)| r.external_id.clone()).collect();
    let stored = offers::records_by_external_id(tx, &ids).await?;
    let merged: Vec<OfferRecord> = chunk
        .iter()
        .map(|(r, named)| match stored.get(&r.external_id) {
            Some(old) => offer_keeping(r.clone(), old, named),
            None => r.clone(),
        })
        .collect();
    offers::upsert(tx, &merged, orgs).await
}

/// Imports a file's rows as they are read. Offers (the kind a file holds a million of) are
/// checked and written a block at a time inside one transaction, which commits only if no
/// row had a problem (or skipping was asked for): memory holds a block, the external ids
/// seen (a duplicate is found however far apart the rows are) and the first
/// [`KEPT_PROBLEMS`] problems, whatever the file's size. Other kinds are read whole and
/// imported by [`import`]. Every problem also goes to `problems`, when given, as it is found.
pub async fn import_rows(
    store: &Store,
    kind: Kind,
    rows: Rows,
    opts: &Options,
    mut problems: Option<ProblemsFile>,
) -> Result<Report, ImportError> {
    let report = if kind == Kind::Offers {
        stream_offers(store, rows, opts, problems.as_mut()).await?
    } else {
        let table = rows.into_table()?;
        let report = import(store, kind, &table, opts).await?;
        if let Some(file) = problems.as_mut() {
            for p in &report.problems {
                file.write(p)?;
            }
        }
        report
    };
    if let Some(file) = problems {
        file.finish()?;
    }
    Ok(report)
}

/// A block of a file's rows, read and checked.
struct Checked {
    rows: usize,
    records: Vec<(Place, OfferRecord)>,
    found: Vec<Problem>,
}

/// A file of at least this many offers, and at least as many as are stored, is loaded with
/// the offer tables' filter indexes set aside (see `offers::SetAside`).
pub const BULK_MIN_ROWS: u64 = 1_000;

async fn stream_offers(
    store: &Store,
    mut rows: Rows,
    opts: &Options,
    mut problems: Option<&mut ProblemsFile>,
) -> Result<Report, ImportError> {
    let header = Header::read(OFFER_COLUMNS, &rows.header).map_err(ImportError::Header)?;
    let named = Named::of_header(OFFER_COLUMNS, &header);
    // What problem() needs of the file: its column names.
    let columns = Table { header: rows.header.clone(), rows: vec![], encoding: rows.encoding };
    let mut report = Report::empty(Kind::Offers, &columns, &header);
    let library = store.library().await?;
    let mut orgs: HashMap<String, (i64, Option<String>)> = HashMap::new();
    let mut unknown: std::collections::HashSet<String> = Default::default();
    let mut last_counted = None;
    // A load at least the size of what is stored writes faster without the filter indexes,
    // built again at the end (see `offers::SetAside`).
    let bulk = rows.estimate >= BULK_MIN_ROWS
        && rows.estimate >= store.count_all(wujin_store::Table::Offers).await?.max(0) as u64;
    let mut tx = store.begin().await?;
    let aside = if bulk { Some(offers::set_indexes_aside(&mut tx).await?) } else { None };
    let mut stats = UpsertStats::default();
    let mut progress = Progress::new("import", rows.estimate, opts.quiet);
    // Reading and checking the next block (on its own thread, parsing on every core) goes on
    // while the database writes this one: one block waits between them, so memory still
    // holds a few blocks whatever the file's size.
    let (sender, mut checked) = tokio::sync::mpsc::channel::<Result<Checked, ImportError>>(1);
    // The rest of the import needs only the name of the credit code's column.
    let org_column = key_column(&columns, &header, "org_uscc");
    tokio::task::spawn_blocking(move || {
        let mut seen: HashMap<String, usize> = HashMap::new();
        loop {
            let block: Vec<(Place, Vec<String>)> = match rows.by_ref().take(BLOCK).collect::<Result<_, _>>() {
                Ok(block) => block,
                Err(e) => {
                    let _ = sender.blocking_send(Err(ImportError::from(e)));
                    return;
                }
            };
            if block.is_empty() {
                return;
            }
            let rows = block.len();
            let (records, found) = check_offer_rows(&block, &columns, &header, &library, &mut seen, |_| {});
            // The writer is gone (it failed): stop reading.
            if sender.blocking_send(Ok(Checked { rows, records, found })).is_err() {
                return;
            }
        }
    });
    while let Some(next) = checked.recv().await {
        let Checked { rows: block_rows, records, mut found } = next?;
        report.rows += block_rows;
        // An offer needs its organisation in the registry already.
        let mut codes: Vec<String> = records
            .iter()
            .map(|(_, r)| r.org_uscc.to_string())
            .filter(|c| !orgs.contains_key(c) && !unknown.contains(c))
            .collect();
        codes.sort();
        codes.dedup();
        if !codes.is_empty() {
            let known = store.org_ids_by_uscc(&codes).await?;
            for c in codes {
                match known.get(&c) {
                    Some(v) => {
                        orgs.insert(c, v.clone());
                    }
                    None => {
                        unknown.insert(c);
                    }
                }
            }
        }
        let mut valid: Vec<(OfferRecord, Named)> = Vec::with_capacity(records.len());
        for (at, r) in records {
            if orgs.contains_key(r.org_uscc.as_str()) {
                valid.push((r, named));
            } else {
                found.push(unknown_org(at, org_column.clone(), r.org_uscc.to_string()));
            }
        }
        found.sort_by_key(|p| p.row);
        for p in found {
            if let Some(file) = problems.as_deref_mut() {
                file.write(&p)?;
            }
            report.note(p, &mut last_counted);
        }
        report.valid += valid.len();
        // Once a row has a problem nothing will be kept (unless skipping): checking goes on,
        // so the report is whole, but writing stops.
        if report.problems.is_empty() || opts.skip_invalid {
            let mut left = block_rows as u64;
            for chunk in valid.chunks(CHUNK) {
                stats += write_offer_chunk(&mut tx, chunk, &orgs).await?;
                progress.inc(chunk.len() as u64);
                left -= chunk.len() as u64;
            }
            progress.inc(left);
        } else {
            progress.inc(block_rows as u64);
        }
    }
    progress.finish();
    if report.problems.is_empty() || opts.skip_invalid {
        if let Some(aside) = aside {
            let started = std::time::Instant::now();
            let n = aside.len();
            aside.restore(&mut tx).await?;
            tracing::info!(indexes = n, secs = started.elapsed().as_secs_f64(), "filter indexes built again");
        }
        Store::audit(&mut tx, &opts.actor, "import", "offers", None, &serde_json::to_value(stats).unwrap_or_default())
            .await?;
        tx.commit().await.map_err(StoreError::from)?;
        report.written = Some(stats);
    }
    Ok(report)
}

fn unknown_org(at: Place, column: String, value: String) -> Problem {
    let (message_zh, message_en) = messages::both(&msg!("import_unknown_org"));
    Problem {
        row: at.row,
        line: line_of(at),
        column,
        field: "org_uscc",
        value,
        code: "unknown_org",
        message_zh,
        message_en,
    }
}

/// Checks every row as a supply tie, then looks up the firms the valid rows name by credit
/// code: a code not in the registry is a problem of its row (an outside supplier is named by
/// name and region instead). Unless problems were found (and skipping was not asked for),
/// writes every valid tie in one transaction; a row saying an open tie again renews it.
async fn import_ties(store: &Store, table: &Table, opts: &Options) -> Result<Report, ImportError> {
    let header = Header::read(TIE_COLUMNS, &table.header).map_err(ImportError::Header)?;
    let mut report = Report::empty(Kind::Ties, table, &header);
    let mut check = Progress::new("check", table.rows.len() as u64, opts.quiet);
    let parsed = parse_rows(&table.rows, |c| tie_from_cells(&header.cells(c)), |n| check.inc(n));
    check.finish();
    let mut codes: Vec<String> = vec![];
    for r in parsed.iter().flatten() {
        codes.push(r.customer.to_string());
        if let Supplier::Member { uscc } = &r.supplier {
            codes.push(uscc.to_string());
        }
    }
    codes.sort_unstable();
    codes.dedup();
    let ids = store.org_ids_by_uscc(&codes).await?;
    let mut ties = vec![];
    for ((at, _), parsed) in table.rows.iter().zip(parsed) {
        let r = match parsed {
            Ok(r) => r,
            Err(errs) => {
                report.problems.extend(errs.into_iter().map(|e| problem(*at, table, &header, e)));
                continue;
            }
        };
        let customer = ids.get(&r.customer.to_string()).map(|(id, _)| *id);
        let supplier = match &r.supplier {
            Supplier::Member { uscc } => ids.get(&uscc.to_string()).map(|(id, _)| SupplierRef::Org(*id)),
            Supplier::Outside { name, region } => {
                Some(SupplierRef::Outside { name: name.clone(), region: region.clone() })
            }
        };
        let (Some(customer_org_id), Some(supplier)) = (customer, supplier) else {
            if customer.is_none() {
                report.problems.push(problem(
                    *at,
                    table,
                    &header,
                    wujin_domain::tie::unregistered("customer_uscc", r.customer.as_str()),
                ));
            }
            if let Supplier::Member { uscc } = &r.supplier
                && !ids.contains_key(&uscc.to_string())
            {
                report.problems.push(problem(
                    *at,
                    table,
                    &header,
                    wujin_domain::tie::unregistered("supplier_uscc", uscc.as_str()),
                ));
            }
            continue;
        };
        ties.push(NewTie::of(r, supplier, customer_org_id, TieSource::Operator, None));
    }
    report.valid = ties.len();
    if report.problems.is_empty() || opts.skip_invalid {
        let (inserted, updated) = store.write_ties(&ties, &opts.actor, wujin_store::ties::today()).await?;
        report.written = Some(UpsertStats { inserted: inserted as u64, updated: updated as u64, unchanged: 0 });
    }
    Ok(report)
}

/// Checks every row as a monthly report (a firm by credit code, once per month in a file),
/// then looks up the firms: a code not in the registry is a problem of its row. Unless
/// problems were found (and skipping was not asked for), files every valid report in one
/// transaction; a month already reported with other figures is corrected, the same figures
/// change nothing.
async fn import_reports(store: &Store, table: &Table, opts: &Options) -> Result<Report, ImportError> {
    let header = Header::read(REPORT_COLUMNS, &table.header).map_err(ImportError::Header)?;
    let mut report = Report::empty(Kind::Reports, table, &header);
    let today = wujin_store::ties::today();
    let mut check = Progress::new("check", table.rows.len() as u64, opts.quiet);
    let parsed = parse_rows(
        &table.rows,
        |c| {
            let cells = header.cells(c);
            let key = uscc_key(&cells, "uscc").map(|u| format!("{u} {}", cells.get("month").unwrap_or_default()));
            (key, report_from_cells(&cells, today))
        },
        |n| check.inc(n),
    );
    check.finish();
    let mut codes: Vec<String> =
        parsed.iter().filter_map(|(_, r)| r.as_ref().ok().map(|r| r.uscc.to_string())).collect();
    codes.sort_unstable();
    codes.dedup();
    let ids = store.org_ids_by_uscc(&codes).await?;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut rows = vec![];
    for ((at, _), (key, parsed)) in table.rows.iter().zip(parsed) {
        let r = match parsed {
            Ok(r) => r,
            Err(errs) => {
                report.problems.extend(errs.into_iter().map(|e| problem(*at, table, &header, e)));
                continue;
            }
        };
        // One report per firm and month in a file: a second would silently win.
        let key = key.map(|_| format!("{} {}", r.uscc, r.month));
        if let Some(first) = first_seen(&mut seen, key.as_deref(), at.row) {
            report.problems.push(duplicate(
                *at,
                first,
                key_column(table, &header, "month"),
                "month",
                &r.month.to_string(),
            ));
            continue;
        }
        match ids.get(&r.uscc.to_string()) {
            Some((org, _)) => rows.push((*org, r.month, r.figures)),
            None => report.problems.push(problem(
                *at,
                table,
                &header,
                wujin_domain::tie::unregistered("uscc", r.uscc.as_str()),
            )),
        }
    }
    report.valid = rows.len();
    if report.problems.is_empty() || opts.skip_invalid {
        let (created, corrected, unchanged) = store.file_reports(&rows, &opts.actor).await?;
        report.written =
            Some(UpsertStats { inserted: created as u64, updated: corrected as u64, unchanged: unchanged as u64 });
    }
    Ok(report)
}

/// Checks every row of a price sheet; a code the store does not know must be described
/// (name, unit, kind, source, frequency) by one of its rows, else each of its rows is a
/// problem; a day twice for one series is a problem of the second row. Unless problems were
/// found (and skipping was not asked for), writes every series and value in one transaction.
async fn import_prices(store: &Store, table: &Table, opts: &Options) -> Result<Report, ImportError> {
    use wujin_domain::pool::{PRICE_COLUMNS, price_from_cells};
    let header = Header::read(PRICE_COLUMNS, &table.header).map_err(ImportError::Header)?;
    let mut report = Report::empty(Kind::Prices, table, &header);
    let mut check = Progress::new("check", table.rows.len() as u64, opts.quiet);
    let parsed = parse_rows(&table.rows, |c| price_from_cells(&header.cells(c)), |n| check.inc(n));
    check.finish();
    let known: std::collections::HashSet<String> = store.series_codes().await?.into_iter().collect();
    let mut described: HashMap<String, wujin_domain::pool::SeriesRecord> = HashMap::new();
    for r in parsed.iter().flatten() {
        if let Some(s) = &r.series {
            described.insert(r.code.clone(), s.clone());
        }
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut values = vec![];
    for ((at, _), parsed) in table.rows.iter().zip(parsed) {
        let r = match parsed {
            Ok(r) => r,
            Err(errs) => {
                report.problems.extend(errs.into_iter().map(|e| problem(*at, table, &header, e)));
                continue;
            }
        };
        if !known.contains(&r.code) && !described.contains_key(&r.code) {
            let e = wujin_domain::pool::undescribed(&r.code);
            report.problems.push(problem(*at, table, &header, e));
            continue;
        }
        let key = format!("{} {}", r.code, r.date);
        if let Some(first) = first_seen(&mut seen, Some(&key), at.row) {
            report.problems.push(duplicate(
                *at,
                first,
                key_column(table, &header, "date"),
                "date",
                &r.date.to_string(),
            ));
            continue;
        }
        values.push((r.code, r.date, r.value_milli));
    }
    report.valid = values.len();
    if report.problems.is_empty() || opts.skip_invalid {
        let series: Vec<_> = described.into_values().collect();
        let (created, updated, written) = store.write_prices(&series, &values, &opts.actor).await?;
        report.written =
            Some(UpsertStats { inserted: (created + written) as u64, updated: updated as u64, unchanged: 0 });
    }
    Ok(report)
}

/// Checks every row of a standards sheet: a number twice is a problem of the second row; an
/// edition a row `replaces` must be in the library or on an earlier row. Unless problems were
/// found (and skipping was not asked for), writes every row in one transaction.
async fn import_standards(store: &Store, table: &Table, opts: &Options) -> Result<Report, ImportError> {
    use wujin_domain::standard::{STANDARD_COLUMNS, standard_from_cells};
    let header = Header::read(STANDARD_COLUMNS, &table.header).map_err(ImportError::Header)?;
    let mut report = Report::empty(Kind::Standards, table, &header);
    let mut check = Progress::new("check", table.rows.len() as u64, opts.quiet);
    let parsed = parse_rows(&table.rows, |c| standard_from_cells(&header.cells(c)), |n| check.inc(n));
    check.finish();
    let mut known: std::collections::HashSet<String> =
        store.standards().await?.into_iter().map(|s| s.edition.number).collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut rows = vec![];
    for ((at, _), parsed) in table.rows.iter().zip(parsed) {
        let r = match parsed {
            Ok(r) => r,
            Err(errs) => {
                report.problems.extend(errs.into_iter().map(|e| problem(*at, table, &header, e)));
                continue;
            }
        };
        let number = r.edition.number.clone();
        if let Some(first) = first_seen(&mut seen, Some(&number), at.row) {
            report.problems.push(duplicate(*at, first, key_column(table, &header, "number"), "number", &number));
            continue;
        }
        if let Some(missing) = r.replaces.iter().find(|o| !known.contains(*o)) {
            let e = wujin_domain::standard::unknown_replaced(missing);
            report.problems.push(problem(*at, table, &header, e));
            continue;
        }
        known.insert(number);
        rows.push((r.edition, r.replaces));
    }
    report.valid = rows.len();
    if report.problems.is_empty() || opts.skip_invalid {
        let (created, updated, _) = store.import_standards(&rows, &opts.actor).await?;
        report.written = Some(UpsertStats { inserted: created, updated, unchanged: 0 });
    }
    Ok(report)
}

/// Prints a report as people read it: a summary, then one line per problem.
/// `problems_file` is where every problem was written, if anywhere.
pub fn print_report(
    r: &Report,
    lang: Lang,
    problems_file: Option<&std::path::Path>,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let say = |m: Msg| messages::say(lang, &m);
    let kind = Arg::Key(match r.kind {
        Kind::Orgs => "import_kind_orgs",
        Kind::Offers => "import_kind_offers",
        Kind::Ties => "import_kind_ties",
        Kind::Reports => "import_kind_reports",
        Kind::Prices => "import_kind_prices",
        Kind::Standards => "import_kind_standards",
    });
    let bad_rows = r.bad_rows();
    writeln!(out, "{}", say(msg!("import_summary", kind, r.rows, r.encoding, r.valid, bad_rows)))?;
    if !r.unknown_columns.is_empty() {
        let list = r.unknown_columns.join(&say(msg!("list_separator")));
        writeln!(out, "{}", say(msg!("import_unknown_columns", list)))?;
    }
    if !r.problems.is_empty() {
        writeln!(out, "{}", say(msg!("import_problem_header")))?;
        for p in &r.problems {
            let row = match p.line {
                Some(line) => say(msg!("import_row_line", p.row, line)),
                None => p.row.to_string(),
            };
            writeln!(out, "{}\t{}\t{}\t{}", row, p.column, p.value, p.message(lang))?;
        }
    }
    if r.more_problems > 0 {
        let whole = match problems_file {
            Some(path) => say(msg!("import_problems_file", path.display())),
            None => say(msg!("import_problems_file_hint")),
        };
        writeln!(out, "{}", say(msg!("import_more_problems", r.more_problems, r.problems_found(), whole)))?;
    }
    // The last line says what happened, skipped rows included, for a script that reads it.
    let last = match &r.written {
        Some(s) if bad_rows > 0 => msg!("import_written_skipped", s.inserted, s.updated, s.unchanged, bad_rows),
        Some(s) => msg!("import_written", s.inserted, s.updated, s.unchanged),
        None => msg!("import_nothing_written", "--skip-invalid"),
    };
    writeln!(out, "{}", say(last))?;
    Ok(())
}
