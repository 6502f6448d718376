//! Charts drawn on the server as SVG: no script, no request to another host, readable by a
//! screen reader (a title, and each bar's label and value as text). One component renders
//! a [`Series`] three ways: the chart, its numbers in a table behind a "数据表" toggle, and
//! an XLSX download, so the office's pages all show their figures the same way.

use super::catalogue::text;
use super::grouped;
use wujin_domain::Lang;

/// One chart's figures: what is counted, by what, and the rows, largest first as given.
#[derive(Debug, Clone)]
pub struct Series {
    /// Names the chart in its page's URL (`#chart-KEY`) and its download (`KEY.xlsx`).
    pub key: &'static str,
    pub title: String,
    /// The head of the label column ("产业") and of the value column ("企业数").
    pub label_head: String,
    pub value_head: String,
    pub rows: Vec<(String, i64)>,
}

/// Escapes text for XML.
pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// How wide `s` sets at `size` px: CJK characters a full em, the rest about 0.6 em.
pub(crate) fn text_width(s: &str, size: f64) -> f64 {
    s.chars().map(|c| if c.is_ascii() { 0.6 } else { 1.0 }).sum::<f64>() * size
}

const FONT: f64 = 14.0;
const INK: &str = "#1b1f24";
const BAR: &str = "#0b5cad";

/// The desktop chart: labels left of the bars, as wide as the longest label needs (never
/// cut off), at 14 px drawn at about its own size.
pub fn bars(title: &str, rows: &[(String, i64)]) -> String {
    let (row_h, pad, width) = (28.0, 8.0, 560.0);
    let longest = rows.iter().map(|r| text_width(&r.0, FONT)).fold(0.0, f64::max);
    let label_w = (longest + 12.0).clamp(60.0, 300.0);
    let value_w = rows.iter().map(|r| text_width(&grouped(r.1), FONT)).fold(0.0, f64::max) + 12.0;
    let bar_w = width - label_w - value_w;
    let height = rows.len().max(1) as f64 * row_h + 2.0 * pad;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let mut svg = format!(
        r#"<svg class="chart wide" role="img" aria-label="{t}" viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = esc(title),
    );
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = pad + i as f64 * row_h;
        let len = (*value as f64 / max * bar_w).round().max(if *value > 0 { 1.0 } else { 0.0 });
        svg.push_str(&format!(
            r#"<text x="{lx}" y="{ty}" text-anchor="end" font-size="{FONT}" fill="{INK}">{label}</text><rect x="{label_w}" y="{ry}" width="{len}" height="{bh}" fill="{BAR}"/><text x="{vx}" y="{ty}" font-size="{FONT}" fill="{INK}">{v}</text>"#,
            lx = label_w - 6.0,
            ty = y + 19.0,
            label = esc(label),
            ry = y + 5.0,
            bh = row_h - 10.0,
            vx = label_w + len + 6.0,
            v = grouped(*value),
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// The phone chart: each label on its own line above its bar, the full width for both, in a
/// box about as wide as a phone so the text is drawn at its own size.
pub fn bars_narrow(title: &str, rows: &[(String, i64)]) -> String {
    let (row_h, pad, width, value_w) = (44.0, 6.0, 340.0, 64.0);
    let bar_w = width - value_w;
    let height = rows.len().max(1) as f64 * row_h + 2.0 * pad;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let mut svg = format!(
        r#"<svg class="chart narrow" role="img" aria-label="{t}" viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = esc(title),
    );
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = pad + i as f64 * row_h;
        let len = (*value as f64 / max * bar_w).round().max(if *value > 0 { 1.0 } else { 0.0 });
        svg.push_str(&format!(
            r#"<text x="0" y="{ly}" font-size="{FONT}" fill="{INK}">{label}</text><rect x="0" y="{ry}" width="{len}" height="14" fill="{BAR}"/><text x="{vx}" y="{vy}" font-size="{FONT}" fill="{INK}">{v}</text>"#,
            ly = y + 15.0,
            label = esc(label),
            ry = y + 21.0,
            vx = len + 6.0,
            vy = y + 33.0,
            v = grouped(*value),
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// The chart, its table behind a "数据表" toggle, and its download, as one block of HTML.
/// `download` is the path of the XLSX (the page's own route).
pub fn figure(lang: Lang, s: &Series, download: &str) -> String {
    let mut html = format!(
        r#"<figure class="chart-block" id="chart-{}"><figcaption><h2>{}</h2></figcaption>"#,
        s.key,
        esc(&s.title)
    );
    html.push_str(&bars(&s.title, &s.rows));
    html.push_str(&bars_narrow(&s.title, &s.rows));
    html.push_str(&format!(
        r#"<details class="data"><summary>{}</summary><table class="grid"><thead><tr><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        esc(&text(lang, "data_table", &[])),
        esc(&s.label_head),
        esc(&s.value_head)
    ));
    for (label, value) in &s.rows {
        html.push_str(&format!(
            r#"<tr><th scope="row">{}</th><td class="num">{}</td></tr>"#,
            esc(label),
            grouped(*value)
        ));
    }
    html.push_str(&format!(
        r#"</tbody></table></details><p><a href="{}" download>{}</a></p></figure>"#,
        esc(download),
        esc(&text(lang, "download_xlsx_short", &[]))
    ));
    html
}

/// The series as a workbook: the title, the two heads, then one row per bar.
pub fn xlsx(s: &Series) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, &s.title)?;
    sheet.write_string(1, 0, &s.label_head)?;
    sheet.write_string(1, 1, &s.value_head)?;
    for (i, (label, value)) in s.rows.iter().enumerate() {
        sheet.write_string(i as u32 + 2, 0, label)?;
        sheet.write_number(i as u32 + 2, 1, *value as f64)?;
    }
    sheet.set_column_width(0, 36)?;
    book.save_to_buffer()
}

/// A trend: values by column (months), several named lines, `None` where a value is not
/// shown (hidden by the small-cell rule, or not reported).
#[derive(Debug, Clone)]
pub struct Trend {
    /// Names the figure in its page (`#chart-KEY`) and its download (`KEY.xlsx`).
    pub key: &'static str,
    pub title: String,
    /// The head of the label column ("产业").
    pub row_head: String,
    /// What a value is ("营业收入（万元）").
    pub unit: String,
    pub columns: Vec<String>,
    pub rows: Vec<(String, Vec<Option<i64>>)>,
    /// How many of the first rows the chart draws (the table shows them all).
    pub drawn: usize,
    /// Values are in units of 10^-decimals (2: hundredths), shown with that many decimals.
    pub decimals: u32,
    /// Whether the scale starts at zero (shares, counts); a price moving within a few per
    /// cent is drawn between its lowest and highest value instead, both named.
    pub zero_based: bool,
}

impl Trend {
    /// A value as the table and the chart's scale show it.
    fn shown(&self, v: i64) -> String {
        if self.decimals == 0 {
            return grouped(v);
        }
        let scale = 10_i64.pow(self.decimals);
        let sign = if v < 0 { "-" } else { "" };
        let a = v.unsigned_abs() as i64;
        format!("{sign}{}.{:0width$}", grouped(a / scale), a % scale, width = self.decimals as usize)
    }
}

const LINE_COLOURS: [&str; 4] = ["#0b5cad", "#b35900", "#2e7d32", "#6a1b9a"];

/// A line chart `width` wide: one line per drawn row, gaps where a value is not shown, the
/// first, middle and last column named under the axis, the largest value beside it, and a
/// legend above (each name in its line's colour and dash, so colour is not the only cue).
pub fn lines(t: &Trend, width: f64, font: f64) -> String {
    let drawn = &t.rows[..t.drawn.min(t.rows.len())];
    let legend_h = drawn.len() as f64 * (font + 8.0) + 4.0;
    let (left, right, plot_h) = (8.0, 8.0, 150.0);
    let top = legend_h + font + 8.0;
    let height = top + plot_h + font + 14.0;
    let max = drawn.iter().flat_map(|r| r.1.iter().flatten()).copied().max().unwrap_or(0).max(1) as f64;
    let low = drawn.iter().flat_map(|r| r.1.iter().flatten()).copied().min().unwrap_or(0) as f64;
    let low = if t.zero_based || low >= max { 0.0 } else { low };
    let n = t.columns.len().max(1);
    let step = if n > 1 { (width - left - right) / (n - 1) as f64 } else { 0.0 };
    let x = |i: usize| left + i as f64 * step;
    let y = |v: i64| top + plot_h - (v as f64 - low) / (max - low) * plot_h;
    let class = if width > 400.0 { "chart wide" } else { "chart narrow" };
    let mut svg = format!(
        r#"<svg class="{class}" role="img" aria-label="{t}" viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = esc(&t.title),
    );
    for (k, (name, _)) in drawn.iter().enumerate() {
        let ly = 4.0 + k as f64 * (font + 8.0) + font;
        let dash = if k == 0 { "" } else { r#" stroke-dasharray="6 3""# };
        svg.push_str(&format!(
            r#"<line x1="{left}" y1="{cy}" x2="{x2}" y2="{cy}" stroke="{c}" stroke-width="3"{dash}/><text x="{tx}" y="{ly}" font-size="{font}" fill="{INK}">{name}</text>"#,
            cy = ly - font / 3.0,
            x2 = left + 24.0,
            c = LINE_COLOURS[k % LINE_COLOURS.len()],
            tx = left + 30.0,
            name = esc(name),
        ));
    }
    svg.push_str(&format!(
        r##"<text x="{left}" y="{ty}" font-size="{font}" fill="{INK}">{m}</text><line x1="{left}" y1="{b}" x2="{r}" y2="{b}" stroke="#8a9099"/>"##,
        ty = top - 4.0,
        m = esc(&format!("{} {}", t.shown(max as i64), t.unit)),
        b = top + plot_h,
        r = width - right,
    ));
    if low > 0.0 {
        svg.push_str(&format!(
            r#"<text x="{left}" y="{ty}" font-size="{font}" fill="{INK}">{m}</text>"#,
            ty = top + plot_h - 4.0,
            m = esc(&format!("{} {}", t.shown(low as i64), t.unit)),
        ));
    }
    for (k, (_, values)) in drawn.iter().enumerate() {
        let dash = if k == 0 { "" } else { r#" stroke-dasharray="6 3""# };
        let colour = LINE_COLOURS[k % LINE_COLOURS.len()];
        // A gap breaks the line: each run of shown values is its own polyline.
        let mut run: Vec<String> = vec![];
        let flush = |run: &mut Vec<String>, svg: &mut String| {
            if run.len() > 1 {
                svg.push_str(&format!(
                    r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2.5"{dash}/>"#,
                    run.join(" ")
                ));
            } else if let Some(p) = run.first() {
                let (px, py) = p.split_once(',').unwrap_or(("0", "0"));
                svg.push_str(&format!(r#"<circle cx="{px}" cy="{py}" r="3" fill="{colour}"/>"#));
            }
            run.clear();
        };
        for (i, v) in values.iter().enumerate() {
            match v {
                Some(v) => run.push(format!("{:.1},{:.1}", x(i), y(*v))),
                None => flush(&mut run, &mut svg),
            }
        }
        flush(&mut run, &mut svg);
    }
    let named: Vec<usize> = if n > 2 { vec![0, (n - 1) / 2, n - 1] } else { (0..n).collect() };
    for i in named {
        let anchor = if i == 0 {
            "start"
        } else if i == n - 1 {
            "end"
        } else {
            "middle"
        };
        svg.push_str(&format!(
            r#"<text x="{tx}" y="{ty}" text-anchor="{anchor}" font-size="{font}" fill="{INK}">{label}</text>"#,
            tx = if i == n - 1 { width - right } else { x(i) },
            ty = top + plot_h + font + 6.0,
            label = esc(t.columns.get(i).map(String::as_str).unwrap_or("")),
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// The trend drawn twice (desktop and phone), its table behind a "数据表" toggle (hidden cells
/// marked, with the rule said once), and its download.
pub fn trend_figure(lang: Lang, t: &Trend, download: &str) -> String {
    let mut html = format!(
        r#"<figure class="chart-block" id="chart-{}"><figcaption><h2>{}</h2></figcaption>"#,
        t.key,
        esc(&t.title)
    );
    html.push_str(&lines(t, 640.0, FONT));
    html.push_str(&lines(t, 340.0, 13.0));
    html.push_str(&format!(
        r#"<details class="data"><summary>{}</summary><div class="scroll"><table class="grid trend"><thead><tr><th scope="col">{}</th>"#,
        esc(&text(lang, "data_table", &[])),
        esc(&t.row_head),
    ));
    for c in &t.columns {
        html.push_str(&format!(r#"<th scope="col" class="num">{}</th>"#, esc(c)));
    }
    html.push_str("</tr></thead><tbody>");
    let mut hidden = false;
    for (label, values) in &t.rows {
        html.push_str(&format!(r#"<tr><th scope="row">{}</th>"#, esc(label)));
        for v in values {
            match v {
                Some(v) => html.push_str(&format!(r#"<td class="num">{}</td>"#, t.shown(*v))),
                None => {
                    hidden = true;
                    html.push_str(r#"<td class="num hidden-cell">—</td>"#)
                }
            }
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table></div>");
    if hidden {
        html.push_str(&format!(r#"<p class="muted">{}</p>"#, esc(&text(lang, "cell_hidden_note", &[]))));
    }
    html.push_str(&format!(
        r#"<p class="muted">{}</p></details><p><a href="{}" download>{}</a></p></figure>"#,
        esc(&t.unit),
        esc(download),
        esc(&text(lang, "download_xlsx_short", &[]))
    ));
    html
}

/// The trend as a workbook: the title, the unit, the heads, then one row per line; a hidden
/// cell is left empty, as the page leaves it.
pub fn trend_xlsx(t: &Trend) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, &t.title)?;
    sheet.write_string(0, 1, &t.unit)?;
    sheet.write_string(1, 0, &t.row_head)?;
    for (j, c) in t.columns.iter().enumerate() {
        sheet.write_string(1, j as u16 + 1, c)?;
    }
    for (i, (label, values)) in t.rows.iter().enumerate() {
        sheet.write_string(i as u32 + 2, 0, label)?;
        for (j, v) in values.iter().enumerate() {
            match v {
                Some(v) => {
                    sheet.write_number(i as u32 + 2, j as u16 + 1, *v as f64 / 10_f64.powi(t.decimals as i32))?
                }
                None => sheet.write_string(i as u32 + 2, j as u16 + 1, "—")?,
            };
        }
    }
    sheet.set_column_width(0, 28)?;
    book.save_to_buffer()
}

/// A workbook as a download named `file`, or a 500 when it could not be written.
pub fn xlsx_download(book: Result<Vec<u8>, rust_xlsxwriter::XlsxError>, file: &str) -> axum::response::Response {
    use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
    use axum::response::IntoResponse;
    match book {
        Ok(bytes) => (
            [
                (CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
                (CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, file, "writing a spreadsheet");
            axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series() -> Series {
        Series {
            key: "towns",
            title: "企业 <按镇街>".into(),
            label_head: "镇街".into(),
            value_head: "企业数".into(),
            rows: vec![("石柱镇".into(), 4000), ("A&B".into(), 2000), ("空".into(), 0)],
        }
    }

    #[test]
    fn bars_scale_to_the_largest_and_escape_their_labels() {
        let s = series();
        let svg = bars(&s.title, &s.rows);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(
            svg.contains("<title>企业 &lt;按镇街&gt;</title>") && svg.contains("A&amp;B") && svg.contains(">4,000<")
        );
        let widths: Vec<f64> = svg
            .split("<rect ")
            .skip(1)
            .map(|r| r.split("width=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(widths[2], 0.0, "nothing is no bar");
        assert!((widths[1] * 2.0 - widths[0]).abs() <= 1.0, "half the value, half the width: {widths:?}");
    }

    #[test]
    fn a_long_english_label_gets_the_room_it_needs() {
        let label = "Household appliances and cookware".to_string();
        let svg = bars("Firms", &[(label.clone(), 10)]);
        let x: f64 = svg.split("<text x=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
        assert!(x >= text_width(&label, FONT), "the label ends at {x} and needs {}", text_width(&label, FONT));
    }

    #[test]
    fn one_series_renders_a_chart_a_table_and_a_download() {
        let html = figure(Lang::Zh, &series(), "/overview/charts/towns.xlsx");
        assert!(html.contains(r#"class="chart wide""#) && html.contains(r#"class="chart narrow""#));
        assert!(
            html.contains("<summary>数据表</summary>")
                && html.contains(r#"<th scope="row">石柱镇</th><td class="num">4,000</td>"#)
        );
        assert!(html.contains(r#"href="/overview/charts/towns.xlsx""#));
        let book = xlsx(&series()).unwrap();
        assert!(book.starts_with(b"PK"), "an XLSX is a zip");
    }

    #[test]
    fn a_trend_breaks_its_line_at_a_hidden_value_and_marks_the_cell() {
        let t = Trend {
            zero_based: true,
            key: "revenue",
            title: "营业收入".into(),
            row_head: "产业".into(),
            unit: "万元".into(),
            columns: vec!["2026-01".into(), "2026-02".into(), "2026-03".into(), "2026-04".into()],
            rows: vec![("杯业".into(), vec![Some(10), Some(12), None, Some(14)]), ("门业".into(), vec![None; 4])],
            drawn: 2,
            decimals: 0,
        };
        let svg = lines(&t, 640.0, 14.0);
        assert_eq!(svg.matches("<polyline").count(), 1, "a run of two points: {svg}");
        assert_eq!(svg.matches("<circle").count(), 1, "then a run of one point");
        assert!(svg.contains("2026-01") && svg.contains("2026-04"));
        let html = trend_figure(Lang::Zh, &t, "/x.xlsx");
        assert_eq!(html.matches("hidden-cell").count(), 5);
        assert!(trend_xlsx(&t).unwrap().starts_with(b"PK"));
    }
}
