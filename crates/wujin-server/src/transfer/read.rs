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
    open(path, format)?.into_table()
}

/// The largest CSV or JSON Lines file we stream: rows are read one at a time, so the bound is
/// the disk's and the clock's, not memory's.
pub const MAX_STREAMED_BYTES: u64 = 16 * 1024 * 1024 * 1024;
/// The longest line of a JSON Lines file: one record, with room to spare.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// One row read, or why the file could not be read further.
pub type RowResult = Result<(Place, Vec<String>), ReadError>;

/// A file's rows read one at a time, so that a file of any size takes little memory: CSV and
/// JSON Lines are streamed from disk; a workbook is read whole (a sheet holds at most about a
/// million rows, and its file is bounded by [`MAX_FILE_BYTES`]).
pub struct Rows {
    pub header: Vec<String>,
    /// "UTF-8", "GB18030", "XLSX", "JSON Lines": said in the report.
    pub encoding: &'static str,
    /// About how many rows follow, for progress: the file's lines.
    pub estimate: u64,
    rows: Box<dyn Iterator<Item = RowResult> + Send>,
}

impl Iterator for Rows {
    type Item = RowResult;
    fn next(&mut self) -> Option<RowResult> {
        self.rows.next()
    }
}

impl Rows {
    /// All the rows in memory (an upload, a workbook, the kinds whose checks need every row).
    pub fn into_table(self) -> Result<Table, ReadError> {
        let (header, encoding) = (self.header.clone(), self.encoding);
        let rows = self.collect::<Result<Vec<_>, _>>()?;
        Ok(Table { header, rows, encoding })
    }

    fn of_table(t: Table) -> Rows {
        Rows {
            header: t.header,
            encoding: t.encoding,
            estimate: t.rows.len() as u64,
            rows: Box::new(t.rows.into_iter().map(Ok)),
        }
    }
}

/// Opens `path` to be read a row at a time (see [`Rows`]).
pub fn open(path: &Path, format: Format) -> Result<Rows, ReadError> {
    let size = std::fs::metadata(path)?.len();
    let limit = if format == Format::Xlsx { MAX_FILE_BYTES } else { MAX_STREAMED_BYTES };
    if size > limit {
        return Err(ReadError::TooLarge);
    }
    match format {
        Format::Xlsx => Ok(Rows::of_table(read_sheet(path)?)),
        Format::Csv | Format::Jsonl => {
            let (encoding, lines) = sniff(std::fs::File::open(path)?)?;
            let path = path.to_path_buf();
            let reopen = move || -> Result<Box<dyn std::io::Read + Send>, ReadError> {
                Ok(decoded(std::fs::File::open(&path)?, encoding))
            };
            if format == Format::Csv { csv_rows(reopen()?, encoding, lines) } else { jsonl_rows(reopen, lines) }
        }
    }
}

/// The text of a file in `encoding` as UTF-8 bytes.
fn decoded(file: std::fs::File, encoding: &'static str) -> Box<dyn std::io::Read + Send> {
    if encoding == "GB18030" {
        Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(encoding_rs::GB18030))
                .build(std::io::BufReader::with_capacity(1 << 16, file)),
        )
    } else {
        Box::new(file)
    }
}

/// Reads a file through once to tell its encoding (UTF-8, else GB18030, else refused, as
/// [`decode_text`] does for bytes in memory) and count its lines.
fn sniff(mut file: impl std::io::Read) -> Result<(&'static str, u64), ReadError> {
    let mut utf8 = encoding_rs::UTF_8.new_decoder_without_bom_handling();
    let mut gb = encoding_rs::GB18030.new_decoder_without_bom_handling();
    let (mut is_utf8, mut is_gb) = (true, true);
    let mut buf = vec![0u8; 1 << 16];
    let mut out = vec![0u8; 4 * (1 << 16) + 16];
    let mut lines = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        let last = n == 0;
        let chunk = &buf[..n];
        lines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
        for (ok, decoder) in [(&mut is_utf8, &mut utf8), (&mut is_gb, &mut gb)] {
            if !*ok {
                continue;
            }
            let mut at = 0;
            loop {
                let (result, read, _) = decoder.decode_to_utf8_without_replacement(&chunk[at..], &mut out, last);
                at += read;
                match result {
                    encoding_rs::DecoderResult::InputEmpty => break,
                    encoding_rs::DecoderResult::OutputFull => continue,
                    encoding_rs::DecoderResult::Malformed(..) => {
                        *ok = false;
                        break;
                    }
                }
            }
        }
        if !is_utf8 && !is_gb {
            return Err(ReadError::Encoding);
        }
        if last {
            break;
        }
    }
    Ok((if is_utf8 { "UTF-8" } else { "GB18030" }, lines + 1))
}

/// Where the line breaks of a stream fell: each run of `\r` and `\n` bytes (start, end,
/// line breaks before it, line breaks in it). A CSV reader reports where a record starts,
/// which may be before the blank lines it skipped; these runs turn that into the line the
/// record's first cell is on. Runs behind the reader are dropped as it goes.
#[derive(Default)]
struct Breaks {
    runs: std::collections::VecDeque<(u64, u64, u64, u64)>,
    offset: u64,
    newlines: u64,
    open: Option<(u64, u64)>,
}

impl Breaks {
    fn see(&mut self, bytes: &[u8]) {
        for (i, &b) in bytes.iter().enumerate() {
            let at = self.offset + i as u64;
            if b == b'\n' || b == b'\r' {
                if self.open.is_none() {
                    self.open = Some((at, self.newlines));
                }
                self.newlines += (b == b'\n') as u64;
            } else if let Some((start, before)) = self.open.take() {
                self.runs.push_back((start, at, before, self.newlines - before));
            }
        }
        self.offset += bytes.len() as u64;
    }

    /// The line (from 1) of the first byte at or after `pos` that is no line break.
    fn line_at(&mut self, pos: u64) -> usize {
        // Keep the last run that ends at or before `pos`: the count goes on from it.
        while self.runs.get(1).is_some_and(|r| r.1 <= pos) {
            self.runs.pop_front();
        }
        let run = self.runs.iter().find(|r| r.0 <= pos && pos < r.1).copied();
        let open = self.open.filter(|o| o.0 <= pos);
        let before = match (run, open) {
            (Some((_, _, before, within)), _) => before + within,
            (None, Some(_)) => self.newlines,
            (None, None) => self.runs.iter().rev().find(|r| r.1 <= pos).map(|r| r.2 + r.3).unwrap_or(0),
        };
        before as usize + 1
    }
}

/// A reader that tells [`Breaks`] every byte it passes on.
struct Tracked<R> {
    inner: R,
    breaks: std::sync::Arc<std::sync::Mutex<Breaks>>,
}

impl<R: std::io::Read> std::io::Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.breaks.lock().unwrap_or_else(|p| p.into_inner()).see(&buf[..n]);
        Ok(n)
    }
}

/// CSV text (UTF-8 bytes) read a record at a time: a BOM is dropped, the delimiter is a tab
/// when the first line holds more tabs than commas, blank rows are skipped.
fn csv_rows(input: Box<dyn std::io::Read + Send>, encoding: &'static str, estimate: u64) -> Result<Rows, ReadError> {
    use std::io::{BufRead, Read};
    // The first line decides the delimiter; it is read ahead and put back in front.
    let mut input = std::io::BufReader::with_capacity(1 << 16, input);
    let mut head = Vec::new();
    input.by_ref().take(1 << 16).read_until(b'\n', &mut head)?;
    if head.starts_with(b"\xEF\xBB\xBF") {
        head.drain(..3);
    }
    let count = |c: u8| head.iter().filter(|&&b| b == c).count();
    let delimiter = if count(b'\t') > count(b',') { b'\t' } else { b',' };
    let input = std::io::Cursor::new(head).chain(input);
    let breaks = std::sync::Arc::new(std::sync::Mutex::new(Breaks::default()));
    let tracked = Tracked { inner: input, breaks: breaks.clone() };
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(tracked);
    // A record's line is the file's line its first cell is on (blank lines count too). Its
    // row is what a spreadsheet shows: the same, less the line breaks held inside earlier
    // cells, which a spreadsheet shows within one row.
    let mut held = 0usize;
    let mut index = 0usize;
    let mut record = csv::StringRecord::new();
    let mut next = move || -> Option<RowResult> {
        loop {
            match reader.read_record(&mut record) {
                Err(e) => return Some(Err(ReadError::Csv(e.to_string()))),
                Ok(false) => return None,
                Ok(true) => {}
            }
            let i = index;
            index += 1;
            let start = record.position().map(|p| p.byte()).unwrap_or(0);
            let line_no = breaks.lock().unwrap_or_else(|p| p.into_inner()).line_at(start).max(i + 1);
            let place = Place { row: (line_no - held).max(i + 1), line: line_no };
            if record.len() > MAX_COLUMNS {
                return Some(Err(ReadError::TooWide { row: place.row }));
            }
            let cells: Vec<String> = record.iter().map(str::to_string).collect();
            held += cells.iter().map(|c| c.matches('\n').count()).sum::<usize>();
            if i == 0 || cells.iter().any(|c| !c.trim().is_empty()) {
                return Some(Ok((place, cells)));
            }
        }
    };
    let header = match next() {
        Some(Ok((_, h))) => h,
        Some(Err(e)) => return Err(e),
        None => return Err(ReadError::Empty),
    };
    if header.is_empty() {
        return Err(ReadError::Empty);
    }
    Ok(Rows { header, encoding, estimate: estimate.saturating_sub(1), rows: Box::new(std::iter::from_fn(next)) })
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
    let lines = text.matches('\n').count() as u64 + 1;
    csv_rows(Box::new(std::io::Cursor::new(text.into_bytes())), encoding, lines)?.into_table()
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
    let lines = text.matches('\n').count() as u64 + 1;
    let text: std::sync::Arc<[u8]> = text.into_bytes().into();
    let reopen = move || -> Result<Box<dyn std::io::Read + Send>, ReadError> {
        Ok(Box::new(std::io::Cursor::new(text.clone())))
    };
    jsonl_rows(reopen, lines)?.into_table()
}

/// Reads the next line into `line` (cleared first); false at the end. A line longer than
/// [`MAX_LINE_BYTES`] is refused rather than held.
fn next_line(r: &mut impl std::io::BufRead, line: &mut String, number: usize) -> Result<bool, ReadError> {
    use std::io::{BufRead, Read};
    line.clear();
    let n = r.by_ref().take(MAX_LINE_BYTES as u64 + 1).read_line(line).map_err(|e| match e.kind() {
        std::io::ErrorKind::InvalidData => ReadError::Encoding,
        _ => ReadError::Io(e),
    })?;
    if n > MAX_LINE_BYTES {
        return Err(ReadError::Json { line: number, message: format!("longer than {MAX_LINE_BYTES} bytes") });
    }
    Ok(n > 0)
}

fn json_error(line: usize, e: serde_json::Error) -> ReadError {
    let message =
        if e.classify() == serde_json::error::Category::Data { "expected an object".into() } else { e.to_string() };
    ReadError::Json { line, message }
}

/// JSON Lines read twice, a line at a time: once for the header (the keys), once for the
/// rows. `open` opens the text afresh.
fn jsonl_rows(
    open: impl Fn() -> Result<Box<dyn std::io::Read + Send>, ReadError>,
    estimate: u64,
) -> Result<Rows, ReadError> {
    let mut header: Vec<String> = vec![];
    let mut input = std::io::BufReader::with_capacity(1 << 16, open()?);
    let mut line = String::new();
    let mut number = 0;
    while next_line(&mut input, &mut line, number + 1)? {
        number += 1;
        if line.trim().is_empty() {
            continue;
        }
        let keys: std::collections::BTreeMap<String, serde::de::IgnoredAny> =
            serde_json::from_str(&line).map_err(|e| json_error(number, e))?;
        for k in keys.into_keys() {
            if !header.contains(&k) {
                if header.len() >= MAX_COLUMNS {
                    return Err(ReadError::TooWide { row: number });
                }
                header.push(k);
            }
        }
    }
    if header.is_empty() {
        return Err(ReadError::Empty);
    }
    let mut input = std::io::BufReader::with_capacity(1 << 16, open()?);
    let keys = header.clone();
    let mut number = 0;
    let rows = std::iter::from_fn(move || {
        loop {
            match next_line(&mut input, &mut line, number + 1) {
                Err(e) => return Some(Err(e)),
                Ok(false) => return None,
                Ok(true) => number += 1,
            }
            if line.trim().is_empty() {
                continue;
            }
            let map: serde_json::Map<String, serde_json::Value> = match serde_json::from_str(&line) {
                Ok(m) => m,
                Err(e) => return Some(Err(json_error(number, e))),
            };
            let cells = keys
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
            return Some(Ok((Place { row: number, line: number }, cells)));
        }
    });
    Ok(Rows { header, encoding: "JSON Lines", estimate, rows: Box::new(rows) })
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

    #[test]
    fn a_file_is_streamed_with_the_places_and_encoding_its_bytes_have() {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str, bytes: &[u8]| {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            p
        };
        let csv = "\u{feff}名称,地址\r\n甲,\"石柱镇\r\n工业区\"\r\n\r\n乙,古山镇\n\n\n丙,芝英镇";
        let streamed = open(&file("a.csv", csv.as_bytes()), Format::Csv).unwrap().into_table().unwrap();
        let places: Vec<(usize, usize)> = streamed.rows.iter().map(|(p, _)| (p.row, p.line)).collect();
        assert_eq!(places, vec![(2, 2), (4, 5), (7, 8)]);
        assert_eq!(streamed.rows, read_csv(csv.as_bytes()).unwrap().rows);
        assert_eq!(streamed.header, vec!["名称", "地址"]);

        let (gbk, _, _) = encoding_rs::GBK.encode("企业名称\t镇街\n永康市恒达杯业有限公司\t石柱镇\n");
        let t = open(&file("gbk.csv", &gbk), Format::Csv).unwrap().into_table().unwrap();
        assert_eq!(
            (t.encoding, t.rows[0].1.clone()),
            ("GB18030", vec!["永康市恒达杯业有限公司".into(), "石柱镇".into()])
        );

        let e = open(&file("junk.csv", &[0x81, 0x20, 0xff, 0xfe, 0x80]), Format::Csv).err().unwrap();
        assert!(matches!(e, ReadError::Encoding));

        let jsonl = "{\"a\":\"1\"}\n\n{\"b\":2,\"a\":\"3\"}\n";
        let t = open(&file("a.jsonl", jsonl.as_bytes()), Format::Jsonl).unwrap().into_table().unwrap();
        assert_eq!(t.header, vec!["a", "b"], "the union of keys, known before the first row");
        assert_eq!(
            t.rows.iter().map(|(p, c)| (p.row, c.clone())).collect::<Vec<_>>(),
            vec![(1, vec!["1".to_string(), String::new()]), (3, vec!["3".to_string(), "2".to_string()])]
        );
        let e = open(&file("bad.jsonl", b"{\"a\":1}\n[1,2]\n"), Format::Jsonl).err().unwrap();
        assert!(matches!(e, ReadError::Json { line: 2, .. }), "{e:?}");
    }
}
