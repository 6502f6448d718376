//! Sizes stated in specs and needs: "有400吨以上压铸机", "500毫升左右的保温杯", "18V", "2kW",
//! "12寸", "400-600ml". Each is read as a number in its dimension's base unit (1.5 L is
//! 1,500 ml) with the bound the words give it (以上, 以下, 左右), from the taxonomy's list of
//! units of measure, so that ranking can prefer offers whose sizes fit the need.
//!
//! The reader is deliberately narrow: a number glued to letters before it (C3382, M8, GB/T
//! 29606-2013) is a code, not a size, and a steel grade (316L不锈钢) is not a volume.

use crate::Taxonomy;
use crate::taxonomy::Measure;
use crate::text::fold;

/// What the words around a size say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// As stated.
    Exact,
    /// 以上, 起, ≥, 不低于, 至少; or the low end of a range.
    AtLeast,
    /// 以下, 以内, ≤, 不超过; or the high end of a range.
    AtMost,
    /// 左右, 上下, 约.
    About,
}

/// One size read from text.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    /// The measure's dimension (volume, tonnage, voltage, power, length, count).
    pub dimension: &'static str,
    /// In the dimension's base unit (ml, t, V, W, mm, units).
    pub value: f64,
    pub bound: Bound,
}

impl Quantity {
    /// How well `offered` (a size an offer states) fits this one (a need's) in the same
    /// dimension: 1 inside the bound (or within 10 % of an exact or "about" size), falling
    /// towards 0 the further off it is; 0 in another dimension.
    pub fn fit(&self, offered: &Quantity) -> f64 {
        if self.dimension != offered.dimension || self.value <= 0.0 {
            return 0.0;
        }
        let (want, got) = (self.value, offered.value);
        let off = match self.bound {
            Bound::AtLeast if got >= want => 0.0,
            Bound::AtMost if got <= want => 0.0,
            Bound::AtLeast | Bound::AtMost => (got - want).abs() / want,
            Bound::Exact | Bound::About => ((got - want).abs() / want - 0.1).max(0.0),
        };
        1.0 / (1.0 + 4.0 * off)
    }
}

/// A size as the text wrote it ("400 吨", "500 ml"), beside what it reads as: explanations
/// quote sizes in the writer's own units.
#[derive(Debug, Clone, PartialEq)]
pub struct Stated {
    pub quantity: Quantity,
    /// The number and the unit as written, one space between.
    pub written: String,
}

impl Stated {
    /// How a size an offer states stands to this one (a need's), for an explanation:
    /// "400 T ≥ 400 吨", "750 ml ≠ 500 毫升". None in another dimension.
    pub fn compare(&self, offered: &Stated) -> Option<String> {
        let (want, got) = (&self.quantity, &offered.quantity);
        if want.dimension != got.dimension {
            return None;
        }
        let fits = want.fit(got) >= 1.0;
        let sign = match want.bound {
            Bound::AtLeast if fits => "≥",
            Bound::AtLeast => "<",
            Bound::AtMost if fits => "≤",
            Bound::AtMost => ">",
            Bound::Exact | Bound::About if got.value == want.value => "=",
            Bound::Exact | Bound::About if fits => "≈",
            Bound::Exact | Bound::About => "≠",
        };
        Some(format!("{} {sign} {}", offered.written, self.written))
    }
}

/// The dimensions the taxonomy's measures measure, in the order [`pack`] numbers them.
pub const DIMENSIONS: [&str; 6] = ["volume", "tonnage", "voltage", "power", "length", "count"];

/// A size as one integer for an index column: its dimension's position in [`DIMENSIONS`]
/// in the top 16 bits, its value in thousandths of the base unit below (bounds are a need's
/// business, not an offer's). None for a dimension not in the list or a value out of range.
pub fn pack(q: &Quantity) -> Option<u64> {
    let d = DIMENSIONS.iter().position(|d| *d == q.dimension)? as u64;
    let milli = (q.value * 1000.0).round();
    (milli >= 0.0 && milli < (1u64 << 48) as f64).then_some((d << 48) | milli as u64)
}

/// The size [`pack`] packed, as an offer states it.
pub fn unpack(v: u64) -> Option<Quantity> {
    let dimension = DIMENSIONS.get((v >> 48) as usize)?;
    Some(Quantity { dimension, value: (v & ((1 << 48) - 1)) as f64 / 1000.0, bound: Bound::Exact })
}

/// Words before a number that bound it.
const BEFORE: [(&str, Bound); 11] = [
    ("不低于", Bound::AtLeast),
    ("不少于", Bound::AtLeast),
    ("至少", Bound::AtLeast),
    ("大于", Bound::AtLeast),
    (">=", Bound::AtLeast),
    ("≥", Bound::AtLeast),
    ("不超过", Bound::AtMost),
    ("<=", Bound::AtMost),
    ("≤", Bound::AtMost),
    ("大约", Bound::About),
    ("约", Bound::About),
];

/// Words after a size that bound it.
const AFTER: [(&str, Bound); 8] = [
    ("及以上", Bound::AtLeast),
    ("以上", Bound::AtLeast),
    ("起", Bound::AtLeast),
    ("+", Bound::AtLeast),
    ("以下", Bound::AtMost),
    ("以内", Bound::AtMost),
    ("左右", Bound::About),
    ("上下", Bound::About),
];

/// What may join the two ends of a range: 400-600ml, 400~600ml, 400至600毫升.
const RANGE: [char; 5] = ['-', '~', '～', '至', '到'];

/// Every spelling of every measure, longest first, so that "ml" wins over "m".
fn spellings() -> &'static [(String, &'static Measure)] {
    static SPELLINGS: std::sync::OnceLock<Vec<(String, &'static Measure)>> = std::sync::OnceLock::new();
    SPELLINGS.get_or_init(|| {
        let mut all: Vec<(String, &'static Measure)> = Taxonomy::get()
            .measures
            .iter()
            .flat_map(|m| {
                [&m.entry.code, &m.entry.zh, &m.entry.en]
                    .into_iter()
                    .chain(m.entry.aliases.iter())
                    .map(move |s| (s.clone(), m))
            })
            .collect();
        all.sort_by_key(|(s, _)| std::cmp::Reverse(s.chars().count()));
        all
    })
}

/// The measure `rest` starts with (exact spelling first, then ignoring ASCII case), and how
/// many bytes it takes. A unit glued to more letters (5 mmHg, 3 lines) is no unit.
fn measure_at(rest: &str) -> Option<(&'static Measure, usize)> {
    let all = spellings();
    let found = all
        .iter()
        .find(|(s, _)| rest.starts_with(s.as_str()))
        .or_else(|| all.iter().find(|(s, _)| rest.get(..s.len()).is_some_and(|p| p.eq_ignore_ascii_case(s))))?;
    let len = found.0.len();
    let after = &rest[len..];
    if after.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    // 316L不锈钢 is a steel grade.
    if found.1.dimension == "volume" && (after.starts_with("不锈钢") || after.starts_with('钢')) {
        return None;
    }
    Some((found.1, len))
}

/// A number at the start of `s` (digits, then at most one decimal part), and its length.
fn number_at(s: &str) -> Option<(f64, usize)> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let mut len = digits;
    if s[len..].starts_with('.') {
        let frac = s[len + 1..].bytes().take_while(u8::is_ascii_digit).count();
        if frac > 0 {
            len += 1 + frac;
        }
    }
    s[..len].parse().ok().map(|v| (v, len))
}

fn bound_before(text: &str, at: usize) -> Bound {
    let before = text[..at].trim_end();
    BEFORE.iter().find(|(w, _)| before.ends_with(w)).map(|(_, b)| *b).unwrap_or(Bound::Exact)
}

fn bound_after(rest: &str) -> Option<Bound> {
    let rest = rest.trim_start();
    AFTER.iter().find(|(w, _)| rest.starts_with(w)).map(|(_, b)| *b)
}

/// Every size `text` states, in order.
pub fn read(text: &str) -> Vec<Quantity> {
    read_stated(text).into_iter().map(|s| s.quantity).collect()
}

/// Every size `text` states, in order, each with how it was written.
pub fn read_stated(text: &str) -> Vec<Stated> {
    let text = fold(text);
    let mut out = vec![];
    let mut i = 0;
    let stated = |value: f64, number: &str, unit: &str, m: &'static Measure, bound| Stated {
        quantity: Quantity { dimension: dim(m), value: value * m.factor, bound },
        written: format!("{number} {unit}"),
    };
    while i < text.len() {
        let rest = &text[i..];
        let glued = text[..i].chars().next_back().is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '/');
        let Some((value, len)) = number_at(rest).filter(|_| !glued) else {
            i += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let after = &rest[len..];
        let spaced = after.trim_start();
        if let Some((m, ulen)) = measure_at(spaced) {
            let tail = &spaced[ulen..];
            let bound = bound_after(tail).unwrap_or_else(|| bound_before(&text, i));
            out.push(stated(value, &rest[..len], &spaced[..ulen], m, bound));
            i += len + (after.len() - spaced.len()) + ulen;
            continue;
        }
        // The low end of a range whose unit follows its high end.
        if let Some(sep) = after.chars().next().filter(|c| RANGE.contains(c))
            && let Some((high, hlen)) = number_at(&after[sep.len_utf8()..])
        {
            let high_text = &after[sep.len_utf8()..sep.len_utf8() + hlen];
            let after_high = &after[sep.len_utf8() + hlen..];
            let spaced_high = after_high.trim_start();
            if let Some((m, ulen)) = measure_at(spaced_high)
                && high > value
            {
                let unit = &spaced_high[..ulen];
                out.push(stated(value, &rest[..len], unit, m, Bound::AtLeast));
                out.push(stated(high, high_text, unit, m, Bound::AtMost));
                i += len + sep.len_utf8() + hlen + (after_high.len() - spaced_high.len()) + ulen;
                continue;
            }
        }
        i += len;
    }
    out
}

/// The dimension's name with the taxonomy's lifetime.
fn dim(m: &'static Measure) -> &'static str {
    m.dimension.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(dimension: &'static str, value: f64, bound: Bound) -> Quantity {
        Quantity { dimension, value, bound }
    }

    #[test]
    fn needs_in_users_words_read_as_sizes_with_their_bounds() {
        assert_eq!(read("有400吨以上压铸机的压铸厂"), [q("tonnage", 400.0, Bound::AtLeast)]);
        assert_eq!(read("500毫升左右的保温杯"), [q("volume", 500.0, Bound::About)]);
        assert_eq!(read("18V BMS"), [q("voltage", 18.0, Bound::Exact)]);
        assert_eq!(read("1.5L 保温壶"), [q("volume", 1500.0, Bound::Exact)]);
        assert_eq!(read("２ｋＷ 电机"), [q("power", 2000.0, Bound::Exact)], "full width folds");
        assert_eq!(read("不低于 280T 的压铸机"), [q("tonnage", 280.0, Bound::AtLeast)]);
        assert_eq!(read("12寸 电动滑板车"), [q("length", 12.0 * 25.4, Bound::Exact)]);
        assert_eq!(read("3台 800T 压铸机"), [q("count", 3.0, Bound::Exact), q("tonnage", 800.0, Bound::Exact)]);
        assert_eq!(read("容量 400-600ml"), [q("volume", 400.0, Bound::AtLeast), q("volume", 600.0, Bound::AtMost)]);
        assert_eq!(read("厚度0.5mm以内"), [q("length", 0.5, Bound::AtMost)]);
    }

    #[test]
    fn an_explanation_quotes_both_sizes_in_their_writers_units() {
        let need = |text: &str| read_stated(text).remove(0);
        let offer = |text: &str| read_stated(text).remove(0);
        let at_least = need("有400吨以上压铸机的压铸厂");
        assert_eq!(at_least.written, "400 吨");
        assert_eq!(at_least.compare(&offer("800T 压铸机")).as_deref(), Some("800 T ≥ 400 吨"));
        assert_eq!(at_least.compare(&offer("280T 压铸机")).as_deref(), Some("280 T < 400 吨"));
        let about = need("500毫升左右的保温杯");
        assert_eq!(about.compare(&offer("保温杯 520ml")).as_deref(), Some("520 ml ≈ 500 毫升"));
        assert_eq!(about.compare(&offer("保温杯 0.5L")).as_deref(), Some("0.5 L = 500 毫升"));
        assert_eq!(about.compare(&offer("保温杯 750ml")).as_deref(), Some("750 ml ≠ 500 毫升"));
        assert_eq!(about.compare(&offer("18V 电池包")), None, "another dimension");
        let range = read_stated("容量 400-600ml");
        let written: Vec<&str> = range.iter().map(|s| s.written.as_str()).collect();
        assert_eq!(written, ["400 ml", "600 ml"]);
        assert_eq!(need("厚度0.5mm以内").compare(&offer("0.4 mm 钢板")).as_deref(), Some("0.4 mm ≤ 0.5 mm"));
    }

    #[test]
    fn codes_grades_and_standard_numbers_are_not_sizes() {
        assert!(read("316L不锈钢 真空杯").is_empty(), "a steel grade");
        assert!(read("304不锈钢").is_empty());
        assert!(read("GB/T 29606-2013 C3382 M8 螺栓").is_empty(), "codes");
        assert!(read("5mmHg").is_empty(), "a unit glued to more letters");
        assert!(read("").is_empty());
    }

    #[test]
    fn every_measure_has_a_known_dimension_and_sizes_pack_both_ways() {
        for m in &Taxonomy::get().measures {
            assert!(DIMENSIONS.contains(&m.dimension.as_str()), "{} measures {}", m.entry.code, m.dimension);
            assert!(m.factor > 0.0);
        }
        for size in [q("volume", 1500.0, Bound::Exact), q("tonnage", 0.25, Bound::Exact), q("count", 3.0, Bound::Exact)]
        {
            assert_eq!(unpack(pack(&size).unwrap()), Some(size));
        }
        assert_eq!(pack(&q("volume", -1.0, Bound::Exact)), None);
    }

    #[test]
    fn a_size_fits_a_need_by_its_bound() {
        let at_least = q("tonnage", 400.0, Bound::AtLeast);
        assert_eq!(at_least.fit(&q("tonnage", 800.0, Bound::Exact)), 1.0);
        assert!(at_least.fit(&q("tonnage", 280.0, Bound::Exact)) < 0.7, "280 t is short of 400");
        let about = q("volume", 500.0, Bound::About);
        assert_eq!(about.fit(&q("volume", 520.0, Bound::Exact)), 1.0);
        let (near, far) = (about.fit(&q("volume", 600.0, Bound::Exact)), about.fit(&q("volume", 750.0, Bound::Exact)));
        assert!(1.0 > near && near > far, "{near} {far}");
        assert_eq!(about.fit(&q("voltage", 500.0, Bound::Exact)), 0.0, "another dimension");
    }
}
