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
}
