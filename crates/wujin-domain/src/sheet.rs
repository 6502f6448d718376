//! The spreadsheet columns the cluster already uses, and the rules that turn one row of
//! them into a record — or into a list of what is wrong with it, cell by cell.
//!
//! CSV, XLSX and JSON Lines all end up here, so a row is judged the same whatever file it
//! came in; export writes the same columns back, so a round trip is lossless.

use std::collections::HashMap;

use crate::FieldError;
use crate::certificate::{self, HeldCertificate};
use crate::messages::{Arg, Msg};
use crate::money::Fen;
use crate::msg;
use crate::offer::{OfferRecord, PriceRange};
use crate::org::{Contact, OrgKind, OrgRecord, SizeClass};
use crate::taxonomy::{OfferKind, Taxonomy, compact_standard};
use crate::text::{char_len, fold, split_list};
use crate::uscc::Uscc;

/// One column: its key (the English header and API field), its Chinese header, whether a
/// row must fill it, and the longest value it takes, in characters.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub key: &'static str,
    pub zh: &'static str,
    pub required: bool,
    pub max_len: usize,
}

pub(crate) const fn col(key: &'static str, zh: &'static str, required: bool, max_len: usize) -> Column {
    Column { key, zh, required, max_len }
}

pub const ORG_COLUMNS: &[Column] = &[
    col("uscc", "统一社会信用代码", true, 18),
    col("name", "企业名称", true, 100),
    col("name_en", "英文名称", false, 200),
    col("kind", "类型", false, 20),
    col("town", "镇街", false, 30),
    col("sectors", "行业", false, 300),
    col("chain", "产业链环节", false, 100),
    col("size_class", "规模", false, 10),
    col("founded_year", "成立年份", false, 4),
    col("employees", "员工人数", false, 9),
    col("revenue_band", "营收规模", false, 30),
    col("certificates", "证书", false, 500),
    col("contact_name", "联系人", false, 50),
    col("phone", "电话", false, 30),
    col("email", "邮箱", false, 254),
    col("address", "地址", false, 200),
];

pub const OFFER_COLUMNS: &[Column] = &[
    col("external_id", "外部编号", true, 64),
    col("org_uscc", "统一社会信用代码", true, 18),
    col("kind", "类型", false, 20),
    col("title", "标题", true, 120),
    col("title_en", "英文标题", false, 200),
    col("description", "描述", false, 4000),
    col("category", "类目", true, 60),
    col("specs", "规格", false, 2000),
    col("standards", "执行标准", false, 500),
    col("price_min", "最低价(元)", false, 20),
    col("price_max", "最高价(元)", false, 20),
    col("unit", "单位", false, 20),
    col("moq", "起订量", false, 12),
    col("lead_time_days", "交期(天)", false, 6),
    col("hours_per_week", "每周机时", false, 4),
];

// A row's presence is one bit per column in [`Named`].
const _: () = assert!(ORG_COLUMNS.len() <= 64 && OFFER_COLUMNS.len() <= 64 && crate::tie::TIE_COLUMNS.len() <= 64);

/// What a file's header row says, or why it cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderError {
    Missing { key: &'static str, zh: &'static str },
    Duplicate(String),
}

impl HeaderError {
    pub fn msg(&self) -> Msg {
        match self {
            Self::Missing { key, zh } => msg!("header_missing", zh, key),
            Self::Duplicate(h) => msg!("header_twice", h),
        }
    }

    pub fn message(&self, lang: crate::Lang) -> String {
        crate::messages::domain().render(lang, &self.msg())
    }
}

impl std::fmt::Display for HeaderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(crate::Lang::En))
    }
}

impl std::error::Error for HeaderError {}

fn header_key(h: &str) -> String {
    fold(h)
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .replace(['（', '('], "(")
        .replace(['）', ')'], ")")
        .replace(' ', "")
}

/// Which file column holds which field. Headers may be Chinese or English, in any order;
/// "最低价" is read as "最低价(元)". Columns we do not know are listed, not fatal.
#[derive(Debug, Clone)]
pub struct Header {
    /// For each file column, the field it holds, if any.
    pub fields: Vec<Option<&'static str>>,
    pub unknown: Vec<String>,
}

impl Header {
    pub fn read(columns: &'static [Column], headers: &[String]) -> Result<Header, HeaderError> {
        let mut fields = Vec::with_capacity(headers.len());
        let mut unknown = vec![];
        for h in headers {
            let k = header_key(h);
            let found = columns.iter().find(|c| {
                let zh = header_key(c.zh);
                k == c.key || k == zh || zh.split('(').next() == Some(k.as_str())
            });
            match found {
                Some(c) if fields.contains(&Some(c.key)) => return Err(HeaderError::Duplicate(h.clone())),
                Some(c) => fields.push(Some(c.key)),
                None => {
                    if !k.is_empty() {
                        unknown.push(h.clone());
                    }
                    fields.push(None)
                }
            }
        }
        for c in columns.iter().filter(|c| c.required) {
            if !fields.contains(&Some(c.key)) {
                return Err(HeaderError::Missing { key: c.key, zh: c.zh });
            }
        }
        Ok(Header { fields, unknown })
    }

    /// Pairs one data row with the header. Empty cells are left out.
    pub fn cells(&self, row: &[String]) -> Cells {
        let mut map = HashMap::new();
        for (i, v) in row.iter().enumerate() {
            if let Some(Some(key)) = self.fields.get(i) {
                let v = fold(v);
                if !v.is_empty() {
                    map.insert(*key, v);
                }
            }
        }
        Cells(map)
    }
}

/// The filled cells of one row, by field key, already folded and trimmed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cells(pub HashMap<&'static str, String>);

impl Cells {
    /// A row built from named values rather than read from a file (a form, an API body):
    /// folded and trimmed as a file's cells are, the empty ones left out.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (&'static str, Option<String>)>) -> Cells {
        Cells(
            pairs.into_iter().filter_map(|(k, v)| Some((k, fold(v?.trim())))).filter(|(_, v)| !v.is_empty()).collect(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|s| s.as_str())
    }
}

/// The columns an input named: a file's header, the keys of an API body (a JSON `null`
/// included). This is what makes a partial update safe: a column the input does not name
/// leaves a stored record's field as it is, while a named column sets it, and a named empty
/// cell (or `null`) clears it. Required fields cannot be cleared: an empty required cell is
/// refused by the row's own rules before any merge.
#[derive(Debug, Clone, Copy)]
pub struct Named {
    columns: &'static [Column],
    /// Bit `i` stands for `columns[i]`: a row's worth of presence in one word, so a million
    /// rows can each carry their own.
    bits: u64,
}

impl Named {
    /// The given keys of `columns`; keys that are not columns are ignored.
    pub fn new(columns: &'static [Column], keys: impl IntoIterator<Item = &'static str>) -> Named {
        let mut n = Named { columns, bits: 0 };
        for k in keys {
            if let Some(i) = columns.iter().position(|c| c.key == k) {
                n.bits |= 1 << i;
            }
        }
        n
    }

    /// Every column a file's header maps to a field.
    pub fn of_header(columns: &'static [Column], h: &Header) -> Named {
        Named::new(columns, h.fields.iter().flatten().copied())
    }

    /// Every column of a kind of row: what a full record (a new one, a whole form) names.
    pub fn all(columns: &'static [Column]) -> Named {
        Named::new(columns, columns.iter().map(|c| c.key))
    }

    pub fn has(&self, key: &str) -> bool {
        self.columns.iter().position(|c| c.key == key).is_some_and(|i| self.bits & (1 << i) != 0)
    }

    /// What one row names: the input's columns, less the kind where the row leaves it empty.
    /// A kind cannot be cleared (every record has one): an empty kind cell keeps the stored
    /// kind, as a new record takes the default (manufacturer, or an offer's category's kind).
    pub fn for_row(&self, cells: &Cells) -> Named {
        match self.columns.iter().position(|c| c.key == "kind") {
            Some(i) if cells.get("kind").is_none() => Named { bits: self.bits & !(1 << i), ..*self },
            _ => *self,
        }
    }

    fn pick<T: Clone>(&self, key: &str, new: T, old: &T) -> T {
        if self.has(key) { new } else { old.clone() }
    }
}

/// `new` as read from an input that named only `named`, laid over the stored `old`: every
/// field whose column was not named keeps its stored value. The key (the credit code) is
/// the same on both by construction. Pass the row's own [`Named::for_row`], so that an empty
/// kind cell keeps the stored kind.
pub fn org_keeping(new: OrgRecord, old: &OrgRecord, named: &Named) -> OrgRecord {
    OrgRecord {
        uscc: new.uscc,
        name: named.pick("name", new.name, &old.name),
        name_en: named.pick("name_en", new.name_en, &old.name_en),
        kind: named.pick("kind", new.kind, &old.kind),
        town: named.pick("town", new.town, &old.town),
        sectors: named.pick("sectors", new.sectors, &old.sectors),
        chain: named.pick("chain", new.chain, &old.chain),
        size_class: named.pick("size_class", new.size_class, &old.size_class),
        founded_year: named.pick("founded_year", new.founded_year, &old.founded_year),
        employees: named.pick("employees", new.employees, &old.employees),
        revenue_band: named.pick("revenue_band", new.revenue_band, &old.revenue_band),
        certificates: if named.has("certificates") {
            certificates_keeping(new.certificates, &old.certificates)
        } else {
            old.certificates.clone()
        },
        contact: Contact {
            name: named.pick("contact_name", new.contact.name, &old.contact.name),
            phone: named.pick("phone", new.contact.phone, &old.contact.phone),
            email: named.pick("email", new.contact.email, &old.contact.email),
            address: named.pick("address", new.contact.address, &old.contact.address),
        },
    }
}

/// A sheet writes a certificate's code and last day only: one it names keeps the number and
/// issuer stored for its code.
fn certificates_keeping(new: Vec<HeldCertificate>, old: &[HeldCertificate]) -> Vec<HeldCertificate> {
    new.into_iter()
        .map(|mut c| {
            if let Some(o) = old.iter().find(|o| o.code == c.code)
                && c.number.is_none()
                && c.issuer.is_none()
            {
                c.number.clone_from(&o.number);
                c.issuer.clone_from(&o.issuer);
            }
            c
        })
        .collect()
}

/// An offer read from an input that named only `named`, laid over the stored `old` (see
/// [`org_keeping`]). The two price columns are one range: naming either sets the range as the
/// row gives it. The kind follows a named category.
pub fn offer_keeping(new: OfferRecord, old: &OfferRecord, named: &Named) -> OfferRecord {
    let price_named = named.has("price_min") || named.has("price_max");
    let kind = if named.has("kind") || named.has("category") { new.kind } else { old.kind };
    OfferRecord {
        external_id: new.external_id,
        org_uscc: new.org_uscc,
        kind,
        title: named.pick("title", new.title, &old.title),
        title_en: named.pick("title_en", new.title_en, &old.title_en),
        description: named.pick("description", new.description, &old.description),
        category: named.pick("category", new.category, &old.category),
        specs: named.pick("specs", new.specs, &old.specs),
        standards: named.pick("standards", new.standards, &old.standards),
        price: if price_named { new.price } else { old.price },
        unit: named.pick("unit", new.unit, &old.unit),
        moq: named.pick("moq", new.moq, &old.moq),
        lead_time_days: named.pick("lead_time_days", new.lead_time_days, &old.lead_time_days),
        // Machine hours belong to capacity offers only: a category that moves the offer to
        // another kind takes the stored hours with it.
        hours_per_week: named
            .pick("hours_per_week", new.hours_per_week, &old.hours_per_week)
            .filter(|_| kind == OfferKind::Capacity),
    }
}

/// Collects errors while a row is checked, so one pass reports every broken cell.
pub(crate) struct Check<'a> {
    cells: &'a Cells,
    columns: &'static [Column],
    pub(crate) errors: Vec<FieldError>,
}

impl<'a> Check<'a> {
    pub(crate) fn new(cells: &'a Cells, columns: &'static [Column]) -> Self {
        let mut c = Check { cells, columns, errors: vec![] };
        for column in columns {
            match cells.get(column.key) {
                None if column.required => c.errors.push(FieldError::new(
                    column.key,
                    "",
                    "required",
                    msg!("cell_required", column.zh, column.key),
                )),
                Some(v) if char_len(v) > column.max_len => c.errors.push(FieldError::new(
                    column.key,
                    v,
                    "too_long",
                    msg!("cell_too_long", column.zh, column.key, column.max_len),
                )),
                _ => {}
            }
        }
        c
    }

    fn column(&self, key: &str) -> &'static Column {
        self.columns.iter().find(|c| c.key == key).expect("known column")
    }

    /// The cell's value, unless it is missing or already reported as too long.
    pub(crate) fn text(&self, key: &str) -> Option<&'a str> {
        let v = self.cells.get(key)?;
        (char_len(v) <= self.column(key).max_len).then_some(v)
    }

    pub(crate) fn fail(&mut self, key: &'static str, value: &str, code: &'static str, msg: Msg) {
        self.errors.push(FieldError::new(key, value, code, msg));
    }

    /// `value` is not one the taxonomy knows for `key`; `what` names the list it is not in.
    fn unknown(&mut self, key: &'static str, value: &str, what: Arg) {
        self.fail(key, value, "unknown_value", msg!("unknown_value", what, value));
    }

    /// As [`Check::unknown`], naming the accepted values closest to `value` from `choices`.
    pub(crate) fn unknown_near<'e>(
        &mut self,
        key: &'static str,
        value: &str,
        what: Arg,
        choices: impl Iterator<Item = &'e crate::taxonomy::Entry>,
    ) {
        let near = Taxonomy::nearest(choices, value, 3);
        let names = Arg::Words {
            zh: near.iter().map(|e| e.zh.as_str()).collect::<Vec<_>>().join("、"),
            en: near.iter().map(|e| e.en.as_str()).collect::<Vec<_>>().join(", "),
        };
        self.fail(key, value, "unknown_value", msg!("unknown_value_near", what, value, names));
    }

    pub(crate) fn int(&mut self, key: &'static str, range: std::ops::RangeInclusive<i64>) -> Option<i64> {
        let v = self.text(key)?;
        let cleaned: String = v.chars().filter(|&c| c != ',').collect();
        match cleaned.parse::<i64>() {
            Ok(n) if range.contains(&n) => Some(n),
            _ => {
                let col = self.column(key);
                self.fail(key, v, "out_of_range", msg!("cell_range", col.zh, key, range.start(), range.end()));
                None
            }
        }
    }

    fn list(&mut self, key: &'static str, max_items: usize) -> Vec<String> {
        let Some(v) = self.text(key) else { return vec![] };
        let items = split_list(v);
        if items.len() > max_items {
            let col = self.column(key);
            self.fail(key, v, "too_many", msg!("cell_items", col.zh, key, max_items));
            return vec![];
        }
        items
    }

    pub(crate) fn optional(&self, key: &str) -> Option<String> {
        self.text(key).map(str::to_string)
    }
}

fn valid_phone(p: &str) -> bool {
    let digits: String = p.trim_start_matches("+86").chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    // Mobile: 11 digits starting with 1. Landline: area code starting with 0, 10 to 12 digits
    // in all (0579-87123456).
    (digits.len() == 11 && digits.starts_with('1')) || (digits.starts_with('0') && (10..=12).contains(&digits.len()))
}

fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.contains(char::is_whitespace)
        && !domain.contains('@')
}

/// Checks an organisation row and builds the record, or returns every broken cell.
pub fn org_from_cells(cells: &Cells) -> Result<OrgRecord, Vec<FieldError>> {
    let t = Taxonomy::get();
    let mut c = Check::new(cells, ORG_COLUMNS);

    let uscc = c.text("uscc").and_then(|v| match Uscc::parse(v) {
        Ok(u) => Some(u),
        Err(e) => {
            c.fail("uscc", v, "invalid_uscc", e.msg());
            None
        }
    });
    let name = c.text("name").map(str::to_string);
    if let Some(n) = &name
        && char_len(n) < 2
    {
        c.fail("name", n, "too_short", msg!("org_name_short", 2));
    }
    let kind = match c.text("kind") {
        None => Some(OrgKind::Manufacturer),
        Some(v) => match t.org_kind(v).and_then(|e| OrgKind::from_code(&e.code)) {
            Some(k) => Some(k),
            None => {
                c.unknown("kind", v, Arg::Key("what_org_kind"));
                None
            }
        },
    };
    let town = match c.text("town") {
        None => None,
        Some(v) => match t.town(v) {
            Some(e) => Some(e.code.clone()),
            None => {
                c.unknown_near("town", v, Arg::Key("what_town"), t.towns.iter());
                None
            }
        },
    };
    let mut sectors: Vec<&crate::taxonomy::Sector> = vec![];
    for s in c.list("sectors", 10) {
        match t.sector(&s) {
            Some(sec) if !sectors.iter().any(|x| x.entry.code == sec.entry.code) => sectors.push(sec),
            Some(_) => {}
            None => c.unknown_near("sectors", &s, Arg::Key("what_sector"), t.sector_values().map(|x| &x.entry)),
        }
    }
    // A pillar as a whole (杯业) is kept only where the row names none of its classes: a
    // class (C3382) refines it.
    let sectors: Vec<String> = sectors
        .iter()
        .filter(|s| !s.is_pillar() || !sectors.iter().any(|x| !x.is_pillar() && x.pillar == s.entry.code))
        .map(|s| s.entry.code.clone())
        .collect();
    let mut chain = vec![];
    for s in c.list("chain", 6) {
        match t.chain_stage(&s) {
            Some(e) if !chain.contains(&e.code) => chain.push(e.code.clone()),
            Some(_) => {}
            None => c.unknown("chain", &s, Arg::Key("what_chain")),
        }
    }
    let size_class = c.text("size_class").and_then(|v| {
        let found = t.size_class(v).and_then(|e| SizeClass::from_code(&e.code));
        if found.is_none() {
            c.unknown("size_class", v, Arg::Key("what_size_class"));
        }
        found
    });
    let founded_year = c.int("founded_year", 1900..=2100).map(|y| y as i32);
    let employees = c.int("employees", 0..=1_000_000);
    let revenue_band = c.text("revenue_band").and_then(|v| {
        let found = t.revenue_band(v).map(|e| e.code.clone());
        if found.is_none() {
            c.unknown("revenue_band", v, Arg::Key("what_revenue_band"));
        }
        found
    });
    // `ISO9001@2027-05-01`: a certificate with its last day. Named twice, the later wins.
    let mut certificates: Vec<HeldCertificate> = vec![];
    for s in c.list("certificates", 30) {
        let (written, day) = certificate::split_item(&s);
        let Some(e) = t.certificate(written) else {
            c.unknown_near("certificates", written, Arg::Key("what_certificate"), t.certificates.iter());
            continue;
        };
        let valid_until = match day {
            None => None,
            Some(d) => match certificate::parse_until(d) {
                Some(d) => Some(d),
                None => {
                    c.fail("certificates", &s, "invalid_date", msg!("certificate_day", e.code.as_str(), d));
                    continue;
                }
            },
        };
        certificates.retain(|h| h.code != e.code);
        certificates.push(HeldCertificate { valid_until, ..HeldCertificate::code(e.code.clone()) });
    }
    let phone = c.optional("phone");
    if let Some(p) = &phone
        && !valid_phone(p)
    {
        c.fail("phone", p, "invalid_phone", msg!("phone_form", "0579-87123456"));
    }
    let email = c.optional("email");
    if let Some(e) = &email
        && !valid_email(e)
    {
        c.fail("email", e, "invalid_email", msg!("email_form"));
    }
    let contact = Contact { name: c.optional("contact_name"), phone, email, address: c.optional("address") };
    let name_en = c.optional("name_en");

    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    Ok(OrgRecord {
        uscc: uscc.expect("checked"),
        name: name.expect("checked"),
        name_en,
        kind: kind.expect("checked"),
        town,
        sectors,
        chain,
        size_class,
        founded_year,
        employees,
        revenue_band,
        certificates,
        contact,
    })
}

/// Whether a string looks like a standard number: an issuer (GB, GB/T, GA/T, QB/T, ISO, EN …),
/// then digits and dots, then an optional year. Returns the canonical spelling.
pub fn normalise_standard(input: &str) -> Option<String> {
    if let Some(s) = Taxonomy::get().standard(input) {
        // A reference without a year means the edition in the library.
        return Some(s.number.clone());
    }
    let compact = compact_standard(input);
    let split = compact.find(|c: char| c.is_ascii_digit())?;
    let (issuer, rest) = compact.split_at(split);
    let issuer_ok = !issuer.is_empty()
        && issuer.len() <= 8
        && issuer.chars().all(|c| c.is_ascii_uppercase() || c == '/')
        && !issuer.starts_with('/')
        && !issuer.ends_with("//");
    let (number, year) = match rest.split_once('-') {
        Some((n, y)) => (n, Some(y)),
        None => (rest, None),
    };
    let number_ok = !number.is_empty()
        && number.len() <= 20
        && number.chars().all(|c| c.is_ascii_digit() || c == '.')
        && !number.ends_with('.');
    let year_ok = year.is_none_or(|y| (y.len() == 4 || y.len() == 2) && y.bytes().all(|b| b.is_ascii_digit()));
    if !(issuer_ok && number_ok && year_ok) {
        return None;
    }
    Some(match year {
        Some(y) => format!("{issuer} {number}-{y}"),
        None => format!("{issuer} {number}"),
    })
}

fn parse_specs(c: &mut Check, v: &str) -> Vec<(String, String)> {
    let mut specs: Vec<(String, String)> = vec![];
    for item in v.split(['；', ';']).map(str::trim).filter(|s| !s.is_empty()) {
        let pair = item.split_once('=').or_else(|| item.split_once('：')).or_else(|| item.split_once(':'));
        match pair {
            Some((k, val)) if !k.trim().is_empty() && char_len(k.trim()) <= 30 && char_len(val.trim()) <= 100 => {
                let k = k.trim().to_string();
                if specs.iter().any(|(x, _)| *x == k) {
                    c.fail("specs", item, "duplicate_key", msg!("spec_twice", &k));
                } else {
                    specs.push((k, val.trim().to_string()));
                }
            }
            _ => c.fail("specs", item, "invalid_specs", msg!("spec_form", 30, 100)),
        }
    }
    if specs.len() > 40 {
        c.fail("specs", v, "too_many", msg!("spec_items", 40));
    }
    specs
}

/// Checks an offer row and builds the record, or returns every broken cell.
pub fn offer_from_cells(cells: &Cells) -> Result<OfferRecord, Vec<FieldError>> {
    let t = Taxonomy::get();
    let mut c = Check::new(cells, OFFER_COLUMNS);

    let external_id = c.text("external_id").map(str::to_string);
    if let Some(id) = &external_id
        && id.chars().any(|ch| ch.is_control() || ch.is_whitespace())
    {
        c.fail("external_id", id, "invalid_external_id", msg!("external_id_form"));
    }
    let org_uscc = c.text("org_uscc").and_then(|v| match Uscc::parse(v) {
        Ok(u) => Some(u),
        Err(e) => {
            c.fail("org_uscc", v, "invalid_uscc", e.msg());
            None
        }
    });
    let category = c.text("category").and_then(|v| {
        let found = t.category(v);
        if found.is_none() {
            c.unknown_near("category", v, Arg::Key("what_category"), t.categories.iter().map(|x| &x.entry));
        }
        found
    });
    let kind = match (c.text("kind"), category) {
        (None, cat) => cat.map(|cat| cat.kind),
        (Some(v), cat) => match t.offer_kind(v) {
            None => {
                c.unknown("kind", v, Arg::Key("what_offer_kind"));
                None
            }
            Some(k) => {
                if let Some(cat) = cat
                    && cat.kind != k
                {
                    c.fail(
                        "category",
                        &cat.entry.code,
                        "kind_mismatch",
                        msg!("kind_mismatch", cat.entry.arg(), k.arg()),
                    );
                }
                Some(k)
            }
        },
    };
    let mut standards = vec![];
    for s in c.list("standards", 20) {
        match normalise_standard(&s) {
            Some(n) if !standards.contains(&n) => standards.push(n),
            Some(_) => {}
            None => c.fail("standards", &s, "invalid_standard", msg!("standard_form", &s, "GB/T 29606-2013")),
        }
    }
    let price_of = |c: &mut Check, key: &'static str| {
        c.text(key).and_then(|v| match Fen::parse_yuan(v) {
            Ok(f) => Some(f),
            Err(e) => {
                c.fail(key, v, "invalid_price", msg!("price_invalid", key, Arg::Key(e.msg().key)));
                None
            }
        })
    };
    let min = price_of(&mut c, "price_min");
    let max = price_of(&mut c, "price_max");
    let price = match (min, max) {
        (None, None) => None,
        (Some(p), None) | (None, Some(p)) => PriceRange::new(p, p),
        (Some(lo), Some(hi)) => {
            let r = PriceRange::new(lo, hi);
            if r.is_none() {
                c.fail("price_max", c.cells.get("price_max").unwrap_or(""), "price_range", msg!("price_range"));
            }
            r
        }
    };
    let unit = c.text("unit").and_then(|v| {
        let found = t.unit(v).map(|u| u.code.clone());
        if found.is_none() {
            c.unknown_near("unit", v, Arg::Key("what_unit"), t.units.iter());
        }
        found
    });
    let moq = c.int("moq", 1..=1_000_000_000);
    let lead_time_days = c.int("lead_time_days", 0..=3650).map(|d| d as i32);
    let hours_per_week = c.int("hours_per_week", 1..=168).map(|h| h as i32);
    if hours_per_week.is_some() && kind.is_some_and(|k| k != OfferKind::Capacity) {
        c.fail("hours_per_week", c.cells.get("hours_per_week").unwrap_or(""), "capacity_only", msg!("capacity_only"));
    }
    let specs = match c.text("specs") {
        Some(v) => parse_specs(&mut c, v),
        None => vec![],
    };
    let title = c.optional("title");
    let title_en = c.optional("title_en");
    let description = c.optional("description").unwrap_or_default();

    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    Ok(OfferRecord {
        external_id: external_id.expect("checked"),
        org_uscc: org_uscc.expect("checked"),
        kind: kind.expect("checked"),
        title: title.expect("checked"),
        title_en,
        description,
        category: category.expect("checked").entry.code.clone(),
        specs,
        standards,
        price,
        unit,
        moq,
        lead_time_days,
        hours_per_week,
    })
}

/// The cells an export writes for an organisation, in [`ORG_COLUMNS`] order.
pub fn org_to_row(o: &OrgRecord) -> Vec<String> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let num = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    vec![
        o.uscc.to_string(),
        o.name.clone(),
        opt(&o.name_en),
        o.kind.code().to_string(),
        opt(&o.town),
        o.sectors.join("；"),
        o.chain.join("；"),
        o.size_class.map(|s| s.code().to_string()).unwrap_or_default(),
        num(o.founded_year.map(i64::from)),
        num(o.employees),
        opt(&o.revenue_band),
        o.certificates.iter().map(HeldCertificate::cell).collect::<Vec<_>>().join("；"),
        opt(&o.contact.name),
        opt(&o.contact.phone),
        opt(&o.contact.email),
        opt(&o.contact.address),
    ]
}

/// The cells an export writes for an offer, in [`OFFER_COLUMNS`] order.
pub fn offer_to_row(o: &OfferRecord) -> Vec<String> {
    let num = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    vec![
        o.external_id.clone(),
        o.org_uscc.to_string(),
        o.kind.code().to_string(),
        o.title.clone(),
        o.title_en.clone().unwrap_or_default(),
        o.description.clone(),
        o.category.clone(),
        o.specs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("；"),
        o.standards.join("；"),
        o.price.map(|p| p.min().to_yuan_string()).unwrap_or_default(),
        o.price.map(|p| p.max().to_yuan_string()).unwrap_or_default(),
        o.unit.clone().unwrap_or_default(),
        num(o.moq),
        num(o.lead_time_days.map(i64::from)),
        num(o.hours_per_week.map(i64::from)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(pairs: &[(&'static str, &str)]) -> Cells {
        Cells(pairs.iter().map(|(k, v)| (*k, v.to_string())).collect())
    }

    #[test]
    fn chinese_and_english_headers_in_any_order() {
        let h = Header::read(ORG_COLUMNS, &["企业名称".into(), "USCC".into(), "镇街".into(), "备注".into()]).unwrap();
        assert_eq!(h.fields, vec![Some("name"), Some("uscc"), Some("town"), None]);
        assert_eq!(h.unknown, vec!["备注".to_string()]);
        let h = Header::read(
            OFFER_COLUMNS,
            &["外部编号".into(), "统一社会信用代码".into(), "标题".into(), "类目".into(), "最低价".into()],
        )
        .unwrap();
        assert_eq!(h.fields[4], Some("price_min"));
    }

    #[test]
    fn a_missing_required_column_is_named() {
        let err = Header::read(ORG_COLUMNS, &["企业名称".into()]).unwrap_err();
        assert_eq!(err, HeaderError::Missing { key: "uscc", zh: "统一社会信用代码" });
    }

    #[test]
    fn a_full_org_row_is_accepted_and_names_resolve_to_codes() {
        let code = Uscc::complete("91330784MA2D8K9G2").unwrap();
        let o = org_from_cells(&cells(&[
            ("uscc", code.as_str()),
            ("name", "永康市恒达杯业有限公司"),
            ("kind", "制造企业"),
            ("town", "石柱镇"),
            ("sectors", "C3382、金属制厨房用器具制造"),
            ("size_class", "小型"),
            ("certificates", "ISO9001@2027-05-01；LFGB"),
            ("phone", "0579-87123456"),
        ]))
        .unwrap();
        assert_eq!(o.town.as_deref(), Some("330784105"));
        assert_eq!(o.sectors, vec!["C3382", "C3381"]);
        let codes: Vec<&str> = o.certificates.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes, ["ISO 9001", "LFGB"]);
        assert_eq!(o.certificates[0].valid_until, time::Date::from_calendar_date(2027, time::Month::May, 1).ok());
        assert_eq!(o.certificates[1].valid_until, None);

        // A renewal names the new day; the number given through the API stays.
        let mut stored = o.clone();
        stored.certificates[0].number = Some("00124Q31234R0M".into());
        let row = cells(&[
            ("uscc", code.as_str()),
            ("name", "永康市恒达杯业有限公司"),
            ("certificates", "ISO 9001@2030-05-01"),
        ]);
        let renewed =
            org_keeping(org_from_cells(&row).unwrap(), &stored, &Named::new(ORG_COLUMNS, vec!["certificates"]));
        assert_eq!(renewed.certificates.len(), 1, "LFGB was left off the list");
        assert_eq!(renewed.certificates[0].number.as_deref(), Some("00124Q31234R0M"));
        assert_eq!(renewed.certificates[0].cell(), "ISO 9001@2030-05-01");

        let bad =
            org_from_cells(&cells(&[("uscc", code.as_str()), ("name", "恒达"), ("certificates", "CCC@2027-13-01")]))
                .unwrap_err();
        assert_eq!((bad[0].field, bad[0].code), ("certificates", "invalid_date"), "{bad:?}");
        assert!(bad[0].zh.contains("CCC@YYYY-MM-DD") || bad[0].zh.contains("代码@YYYY-MM-DD"), "{}", bad[0].zh);
        assert_eq!(o.size_class, Some(SizeClass::Small));
    }

    #[test]
    fn every_broken_cell_is_reported_at_once() {
        let errs = org_from_cells(&cells(&[
            ("uscc", "91350100M000100Y4Z"),
            ("name", "某"),
            ("town", "杭州"),
            ("sectors", "C9999"),
            ("employees", "-3"),
            ("email", "not-an-email"),
        ]))
        .unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["uscc", "name", "town", "sectors", "employees", "email"]);
        assert!(errs[0].zh.contains("应为 3"));
        assert!(errs[2].zh.contains("杭州"));
    }

    #[test]
    fn over_long_fields_are_refused() {
        let long = "长".repeat(101);
        let errs = org_from_cells(&cells(&[("uscc", "91330100799655058B"), ("name", &long)])).unwrap_err();
        assert_eq!(errs[0].code, "too_long");
        assert_eq!(errs[0].field, "name");
    }

    #[test]
    fn an_offer_row_parses_prices_specs_and_standards() {
        let o = offer_from_cells(&cells(&[
            ("external_id", "HD-001"),
            ("org_uscc", "91330100799655058B"),
            ("title", "304不锈钢真空保温杯 500ml"),
            ("category", "真空杯"),
            ("specs", "材质=304不锈钢；容量=500ml"),
            ("standards", "GB/T29606、gb 4806.9、QB/T 2332-2017"),
            ("price_min", "12.5"),
            ("price_max", "18"),
            ("unit", "只"),
            ("moq", "1,000"),
        ]))
        .unwrap();
        assert_eq!(o.kind, OfferKind::Product);
        assert_eq!(o.category, "cups.vacuum_cup");
        assert_eq!(o.standards, vec!["GB/T 29606-2013", "GB 4806.9-2023", "QB/T 2332-2017"]);
        assert_eq!(o.price, PriceRange::new(Fen(1250), Fen(1800)));
        assert_eq!(o.unit.as_deref(), Some("pcs"));
        assert_eq!(o.moq, Some(1000));
        assert_eq!(o.specs[0], ("材质".to_string(), "304不锈钢".to_string()));
    }

    #[test]
    fn offer_rules_name_the_field() {
        let errs = offer_from_cells(&cells(&[
            ("external_id", "X 1"),
            ("org_uscc", "91330100799655058B"),
            ("kind", "服务"),
            ("title", "保温杯"),
            ("category", "保温杯"),
            ("price_min", "20"),
            ("price_max", "10.001"),
            ("standards", "不是标准"),
        ]))
        .unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            fields,
            vec![
                ("external_id", "invalid_external_id"),
                ("category", "kind_mismatch"),
                ("standards", "invalid_standard"),
                ("price_max", "invalid_price"),
            ]
        );
    }

    #[test]
    fn rows_round_trip_through_export_cells() {
        let o = offer_from_cells(&cells(&[
            ("external_id", "YK-9"),
            ("org_uscc", "91330100799655058B"),
            ("title", "800T铝合金压铸产能"),
            ("category", "cap.die_casting"),
            ("specs", "设备=800T压铸机"),
            ("price_min", "350.05"),
            ("unit", "机时"),
            ("hours_per_week", "60"),
        ]))
        .unwrap();
        let row = offer_to_row(&o);
        let h =
            Header::read(OFFER_COLUMNS, &OFFER_COLUMNS.iter().map(|c| c.zh.to_string()).collect::<Vec<_>>()).unwrap();
        assert_eq!(offer_from_cells(&h.cells(&row)).unwrap(), o);
    }

    fn full_org() -> OrgRecord {
        org_from_cells(&cells(&[
            ("uscc", "91330100799655058B"),
            ("name", "永康市恒达杯业有限公司"),
            ("kind", "服务机构"),
            ("town", "石柱镇"),
            ("sectors", "C3382"),
            ("size_class", "小型"),
            ("employees", "120"),
            ("phone", "0579-87123456"),
            ("address", "石柱镇工业区 8 号"),
        ]))
        .unwrap()
    }

    #[test]
    fn a_partial_row_keeps_what_it_does_not_name() {
        let old = full_org();
        let row = cells(&[("uscc", "91330100799655058B"), ("name", "永康市恒达杯业股份有限公司")]);
        let new = org_from_cells(&row).unwrap();
        let named = Named::new(ORG_COLUMNS, ["uscc", "name"]).for_row(&row);
        let merged = org_keeping(new, &old, &named);
        assert_eq!(merged.name, "永康市恒达杯业股份有限公司");
        assert_eq!(
            (merged.kind, &merged.town, merged.employees, &merged.contact, &merged.sectors),
            (old.kind, &old.town, old.employees, &old.contact, &old.sectors),
            "town, kind, employees, contact and sectors stay as stored"
        );
    }

    #[test]
    fn a_named_empty_cell_clears_an_optional_field_but_never_the_kind() {
        let old = full_org();
        let row = cells(&[("uscc", "91330100799655058B"), ("name", "永康市恒达杯业有限公司")]);
        let named = Named::new(ORG_COLUMNS, ["uscc", "name", "phone", "employees", "kind"]).for_row(&row);
        let merged = org_keeping(org_from_cells(&row).unwrap(), &old, &named);
        assert_eq!((merged.contact.phone, merged.employees), (None, None));
        assert_eq!(merged.kind, OrgKind::ServiceProvider, "an empty kind cell keeps the kind");
        assert_eq!(merged.contact.address, old.contact.address);
    }

    #[test]
    fn an_offer_keeps_its_price_unless_a_price_column_is_named() {
        let row = |extra: &[(&'static str, &str)]| {
            let mut pairs = vec![
                ("external_id", "YK-9"),
                ("org_uscc", "91330100799655058B"),
                ("title", "800T铝合金压铸产能"),
                ("category", "cap.die_casting"),
            ];
            pairs.extend_from_slice(extra);
            cells(&pairs)
        };
        let old =
            offer_from_cells(&row(&[("price_min", "350"), ("hours_per_week", "60"), ("description", "两台")])).unwrap();
        let base = Named::new(OFFER_COLUMNS, ["external_id", "org_uscc", "title", "category"]);
        let merged = offer_keeping(offer_from_cells(&row(&[])).unwrap(), &old, &base);
        assert_eq!((merged.price, merged.hours_per_week, merged.description.as_str()), (old.price, Some(60), "两台"));
        let cleared =
            Named::new(OFFER_COLUMNS, ["external_id", "org_uscc", "title", "category", "price_max", "description"]);
        let merged = offer_keeping(offer_from_cells(&row(&[])).unwrap(), &old, &cleared);
        assert_eq!((merged.price, merged.description.as_str()), (None, ""));
    }

    #[test]
    fn a_pillar_name_is_a_sector_of_its_own_and_a_class_refines_it() {
        let row = |sectors: &str| {
            org_from_cells(&cells(&[
                ("uscc", "91330100799655058B"),
                ("name", "永康市某杯业有限公司"),
                ("sectors", sectors),
            ]))
        };
        assert_eq!(row("杯业").unwrap().sectors, vec!["cups"], "stored as the pillar, no class guessed");
        assert_eq!(row("电动工具、门业、金属材料").unwrap().sectors, vec!["power_tools", "doors", "metal_materials"]);
        assert_eq!(row("保温杯业").unwrap().sectors, vec!["cups"], "an alias kept in the taxonomy");
        assert_eq!(row("杯业；C3382").unwrap().sectors, vec!["C3382"], "a class of the pillar refines it");
        assert_eq!(row("杯业；C3312").unwrap().sectors, vec!["cups", "C3312"], "a class of another pillar does not");
        let t = Taxonomy::get();
        assert!(t.sector("cups").unwrap().is_pillar() && !t.sector("C3382").unwrap().is_pillar());
        let under = t.sectors_under("杯业");
        assert!(under.contains(&"cups".to_string()) && under.contains(&"C3382".to_string()), "{under:?}");
        assert!(!under.contains(&"C3312".to_string()), "{under:?}");
    }

    #[test]
    fn a_refused_value_names_the_closest_accepted_ones() {
        let errs = org_from_cells(&cells(&[
            ("uscc", "91330100799655058B"),
            ("name", "永康市某公司"),
            ("sectors", "杯业车"),
            ("town", "石柱"),
        ]))
        .unwrap_err();
        let sector = errs.iter().find(|e| e.field == "sectors").unwrap();
        assert!(sector.zh.starts_with("未知的行业：杯业车 — 可用：杯业"), "{}", sector.zh);
        assert!(sector.zh.contains("车业"), "{}", sector.zh);
        let town = errs.iter().find(|e| e.field == "town").unwrap();
        assert!(town.zh.contains("可用：石柱镇"), "{}", town.zh);
        let errs = offer_from_cells(&cells(&[
            ("external_id", "A-1"),
            ("org_uscc", "91330100799655058B"),
            ("title", "保温杯"),
            ("category", "保温杯子"),
            ("unit", "个只"),
        ]))
        .unwrap_err();
        assert!(errs.iter().any(|e| e.field == "category" && e.en.contains("accepted:")), "{errs:?}");
        assert!(errs.iter().any(|e| e.field == "unit" && e.zh.contains("可用：")), "{errs:?}");
    }
}
