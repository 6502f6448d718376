//! Bar charts drawn on the server as SVG: no script, no request to another host, readable
//! by a screen reader (a title, and each bar's label and value as text).

/// Escapes text for XML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// A horizontal bar chart of `rows` (label, value), largest first as given.
pub fn bars(title: &str, rows: &[(String, i64)]) -> String {
    let (row_h, label_w, bar_w, pad) = (26, 150, 300, 8);
    let height = rows.len().max(1) * row_h + 2 * pad;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let mut svg = format!(
        r#"<svg class="chart" role="img" aria-label="{t}" viewBox="0 0 {w} {height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = esc(title),
        w = label_w + bar_w + 70,
    );
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = pad + i * row_h;
        let len = (*value as f64 / max as f64 * bar_w as f64).round().max(if *value > 0 { 1.0 } else { 0.0 });
        svg.push_str(&format!(
            r##"<text x="{lx}" y="{ty}" text-anchor="end" font-size="13" fill="#1b1f24">{label}</text><rect x="{bx}" y="{ry}" width="{len}" height="{bh}" fill="#0b5cad"/><text x="{vx}" y="{ty}" font-size="13" fill="#1b1f24">{value}</text>"##,
            lx = label_w - 6,
            ty = y + 17,
            label = esc(label),
            bx = label_w,
            ry = y + 4,
            bh = row_h - 8,
            vx = label_w as f64 + len + 6.0,
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_escape_their_labels() {
        let svg = bars("企业 <按镇街>", &[("石柱镇".into(), 40), ("A&B".into(), 20), ("空".into(), 0)]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("<title>企业 &lt;按镇街&gt;</title>") && svg.contains("A&amp;B"));
        assert!(svg.contains(r#"width="300" height="18""#), "the largest bar is full width: {svg}");
        assert!(svg.contains(r#"width="150" height="18""#), "half the value, half the width");
        assert!(svg.contains(r#"width="0" height="18""#), "nothing is no bar");
    }
}
