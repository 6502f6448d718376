//! Reading a registry file: CSV (UTF-8 or GBK/GB18030, detected), XLSX/XLS/ODS, or JSON
//! Lines, into a header and rows of text cells.
//!
//! Chinese office software saves CSV as GBK, so a file that is not valid UTF-8 is decoded
//! as GB18030 (a superset of GBK); a file that is neither is refused rather than guessed.

use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto, open_workbook_auto_from_rs};
use wujin_domain::messages::Msg;
use wujin_domain::{Lang, msg};

/// The largest file we read: far above any cluster's registry, far below the machine.
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;
/// The most columns a row may have.
pub const MAX_COLUMNS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Jsonl,
}

impl Format {
    pub fn from_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase()).as_deref() {
            Some("xlsx" | "xlsm" | "xls" | "ods") => Format::Xlsx,
            Some("jsonl" | "ndjson" | "json") => Format::Jsonl,
            _ => Format::Csv,
        }
    }
}

/// A whole file that could not be read (as opposed to one bad row).
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    TooLarge,
    Encoding,
    Empty,
    TooWide { row: usize },
    Csv(String),
    Sheet(String),
    Json { line: usize, message: String },
}

impl ReadError {
    /// What to tell the person whose file it is (the parsers' own details, in English, are
    /// passed on as they are: they name the place in the file).
    pub fn msg(&self) -> Msg {
        match self {
            Self::Io(e) => msg!("file_unreadable", e),
            Self::TooLarge => msg!("file_too_large", MAX_FILE_BYTES / 1024 / 1024),
            Self::Encoding => msg!("file_encoding"),
            Self::Empty => msg!("file_empty"),
            Self::TooWide { row } => msg!("file_too_wide", row, MAX_COLUMNS),
            Self::Csv(e) => msg!("file_csv", e),
            Self::Sheet(e) => msg!("file_sheet", e),
            Self::Json { line, message } => msg!("file_json", line, message),
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        crate::messages::say(lang, &self.msg())
    }
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> Self {
        ReadError::Io(e)
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for ReadError {}

/// Where a record sits: the row a spreadsheet (Excel, WPS) shows it on, the header being row
/// 1, and the line of the file it starts on. They differ in a CSV after a cell that holds a
/// line break: the spreadsheet shows that cell in one row, a text editor on several lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Place {
    pub row: usize,
    pub line: usize,
}

/// What a file holds: the header cells and the data rows, each with its place in the file so
/// reports point where people look.
#[derive(Debug, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<(Place, Vec<String>)>,
    /// "UTF-8", "GB18030", "XLSX", "JSON Lines": said in the report.
    pub encoding: &'static str,
}

pub fn read(path: &Path, format: Format) -> Result<Table, ReadError> {
    if std::fs::metadata(path)?.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge);
    }
    match format {
        Format::Csv => read_csv(&std::fs::read(path)?),
        Format::Xlsx => read_sheet(path),
        Format::Jsonl => read_jsonl(&std::fs::read(path)?),
    }
}

/// Decodes CSV bytes: UTF-8 (with or without BOM) first, GB18030 otherwise.
pub fn decode_text(bytes: &[u8]) -> Result<(String, &'static str), ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((s.to_string(), "UTF-8")),
        Err(_) => {
            let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
            if had_errors {
                return Err(ReadError::Encoding);
            }
            Ok((text.into_owned(), "GB18030"))
        }
    }
}

pub fn read_csv(bytes: &[u8]) -> Result<Table, ReadError> {
    let (text, encoding) = decode_text(bytes)?;
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.matches('\t').count() > first_line.matches(',').count() { b'\t' } else { b',' };
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut table = Table { encoding, ..Default::default() };
    // A record's line is the file's line it starts on: count newlines up to its start (blank
    // lines count too). Its row is what a spreadsheet shows: the same, less the line breaks
    // held inside earlier cells, which a spreadsheet shows within one row.
    let (mut line, mut counted, mut held) = (1usize, 0usize, 0usize);
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| ReadError::Csv(e.to_string()))?;
        let mut start = rec.position().map(|p| p.byte() as usize).unwrap_or(counted).min(text.len());
        // The reader's position may sit before the blank lines it skipped.
        while matches!(text.as_bytes().get(start), Some(b'\n' | b'\r')) {
            start += 1;
        }
        line += text.as_bytes()[counted..start].iter().filter(|&&b| b == b'\n').count();
        counted = start;
        let line_no = line.max(i + 1);
        let place = Place { row: (line_no - held).max(i + 1), line: line_no };
        if rec.len() > MAX_COLUMNS {
            return Err(ReadError::TooWide { row: place.row });
        }
        let cells: Vec<String> = rec.iter().map(str::to_string).collect();
        held += cells.iter().map(|c| c.matches('\n').count()).sum::<usize>();
        if i == 0 {
            table.header = cells;
        } else if cells.iter().any(|c| !c.trim().is_empty()) {
            table.rows.push((place, cells));
        }
    }
    if table.header.is_empty() {
        return Err(ReadError::Empty);
    }
    Ok(table)
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        // Spreadsheets store whole numbers as floats; write them back without ".0".
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn read_sheet(path: &Path) -> Result<Table, ReadError> {
    read_book(open_workbook_auto(path).map_err(|e| ReadError::Sheet(e.to_string()))?)
}

/// A file sent over the network (a firm's catalogue upload): a workbook when its bytes say
/// so (XLSX is a zip, XLS an OLE file), whatever its name; otherwise CSV text.
pub fn read_upload(bytes: &[u8]) -> Result<Table, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    let workbook = bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    if workbook {
        let book =
            open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).map_err(|e| ReadError::Sheet(e.to_string()))?;
        read_book(book)
    } else {
        read_csv(bytes)
    }
}

fn read_book<RS: std::io::Read + std::io::Seek>(mut book: calamine::Sheets<RS>) -> Result<Table, ReadError> {
    let first = book.sheet_names().first().cloned().ok_or(ReadError::Empty)?;
    let range = book.worksheet_range(&first).map_err(|e| ReadError::Sheet(e.to_string()))?;
    let mut table = Table { encoding: "XLSX", ..Default::default() };
    for (i, row) in range.rows().enumerate() {
        if row.len() > MAX_COLUMNS {
            return Err(ReadError::TooWide { row: i + 1 });
        }
        let cells: Vec<String> = row.iter().map(cell_text).collect();
        if i == 0 {
            table.header = cells;
        } else if cells.iter().any(|c| !c.trim().is_empty()) {
            table.rows.push((Place { row: i + 1, line: i + 1 }, cells));
        }
    }
    if table.header.is_empty() {
        return Err(ReadError::Empty);
    }
    Ok(table)
}

/// JSON Lines: one object per line, keyed by the English (or Chinese) column names. Lists
/// may be arrays; numbers may be numbers. The header is the union of keys in order of first
/// appearance.
pub fn read_jsonl(bytes: &[u8]) -> Result<Table, ReadError> {
    let (text, _) = decode_text(bytes)?;
    let mut header: Vec<String> = vec![];
    let mut objects = vec![];
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| ReadError::Json { line: i + 1, message: e.to_string() })?;
        let serde_json::Value::Object(map) = value else {
            return Err(ReadError::Json { line: i + 1, message: "expected an object".into() });
        };
        for k in map.keys() {
            if !header.contains(k) {
                if header.len() >= MAX_COLUMNS {
                    return Err(ReadError::TooWide { row: i + 1 });
                }
                header.push(k.clone());
            }
        }
        objects.push((Place { row: i + 1, line: i + 1 }, map));
    }
    if header.is_empty() {
        return Err(ReadError::Empty);
    }
    let rows = objects
        .into_iter()
        .map(|(line, map)| {
            let cells = header
                .iter()
                .map(|k| match map.get(k) {
                    None | Some(serde_json::Value::Null) => String::new(),
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(serde_json::Value::Array(items)) => items
                        .iter()
                        .map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))
                        .collect::<Vec<_>>()
                        .join("；"),
                    Some(other) => other.to_string(),
                })
                .collect();
            (line, cells)
        })
        .collect();
    Ok(Table { header, rows, encoding: "JSON Lines" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_csv_is_detected_and_decoded() {
        let (bytes, _, _) = encoding_rs::GBK.encode("企业名称,镇街\n永康市恒达杯业有限公司,石柱镇\n");
        let t = read_csv(&bytes).unwrap();
        assert_eq!(t.encoding, "GB18030");
        assert_eq!(t.header, vec!["企业名称", "镇街"]);
        assert_eq!(t.rows[0].1, vec!["永康市恒达杯业有限公司", "石柱镇"]);
    }

    #[test]
    fn utf8_bom_is_dropped_and_row_numbers_are_file_lines() {
        let t = read_csv("\u{feff}a,b\n1,2\n\n3,4\n".as_bytes()).unwrap();
        assert_eq!(t.header, vec!["a", "b"]);
        assert_eq!(t.rows.iter().map(|r| r.0.row).collect::<Vec<_>>(), vec![2, 4]);
    }

    #[test]
    fn rows_are_counted_as_a_spreadsheet_shows_them_after_a_cell_with_line_breaks() {
        let t = read_csv("名称,地址\r\n甲,\"石柱镇\r\n工业区\r\n8 号\"\r\n乙,古山镇\r\n\r\n丙,芝英镇\r\n".as_bytes())
            .unwrap();
        let places: Vec<(usize, usize)> = t.rows.iter().map(|(p, _)| (p.row, p.line)).collect();
        assert_eq!(places, vec![(2, 2), (3, 5), (5, 7)], "row as Excel shows it, line as an editor does");
        assert_eq!(t.rows[0].1[1], "石柱镇\r\n工业区\r\n8 号");
    }

    #[test]
    fn bytes_that_are_no_text_are_refused() {
        let e = read_csv(&[0x81, 0x20, 0xff, 0xfe, 0x80]).unwrap_err();
        assert!(matches!(e, ReadError::Encoding));
        assert!(e.message(Lang::Zh).contains("既不是") && e.to_string().contains("neither"), "said in both languages");
    }

    #[test]
    fn jsonl_arrays_become_lists() {
        let t = read_jsonl(br#"{"uscc":"X","certificates":["CCC","CE"],"employees":12}"#).unwrap();
        let cell = |k: &str| t.rows[0].1[t.header.iter().position(|h| h == k).unwrap()].clone();
        assert_eq!(
            (cell("uscc"), cell("certificates"), cell("employees")),
            ("X".into(), "CCC；CE".into(), "12".into())
        );
    }
}
