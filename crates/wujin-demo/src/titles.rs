//! Offer titles as a firm's catalogue writes them: a word said once, and only words that
//! belong to the thing offered. A grade of stainless steel names stainless coil or a cup,
//! never engineering plastics; an 800 t die-casting machine names die-casting capacity,
//! never CNC machining.

/// Words (modifiers and spec values of the demo lines) that only fit some categories, by
/// category code prefix. A word not listed fits any category of its line.
const ONLY_FOR: &[(&[&str], &[&str])] = &[
    (&["304", "201", "316L"], &["materials.stainless_coil"]),
    (
        &["冷轧", "定尺分条", "0.5mm", "0.8mm", "1.0mm", "卷料"],
        &["materials.stainless_coil", "materials.carbon_steel", "materials.copper"],
    ),
    (&["ADC12", "A380"], &["materials.aluminium_ingot", "parts.casting", "cap.die_casting", "cap.cnc_machining"]),
    (&["ZA-3", "锌合金3号"], &["materials.zinc_alloy", "parts.casting", "cap.die_casting"]),
    (&["280T压铸机", "400T压铸机", "800T压铸机", "1250T压铸机"], &["cap.die_casting"]),
    (&["160T冲床", "315T液压机"], &["cap.stamping", "cap.deep_drawing"]),
    (&["光纤激光焊机"], &["cap.laser_welding"]),
    (&["自动抛光线"], &["cap.polishing"]),
    (&["静电喷粉线"], &["cap.spray_coating"]),
    (&["网带式淬火炉", "网带炉"], &["cap.heat_treatment"]),
    (&["真空炉"], &["cap.heat_treatment", "cap.vacuum_evacuation"]),
    (&["滚镀线"], &["cap.plating"]),
    (&["氧化线"], &["cap.anodising"]),
    (&["300T注塑机"], &["cap.injection_moulding"]),
    (&["2t/天", "5t/天"], &["cap.heat_treatment", "cap.plating", "cap.anodising"]),
];

/// Whether `word` may stand in a title of category `category`.
pub fn fits(word: &str, category: &str) -> bool {
    ONLY_FOR
        .iter()
        .find(|(words, _)| words.contains(&word))
        .is_none_or(|(_, cats)| cats.iter().any(|c| category.starts_with(c)))
}

/// Every restricted word inside `title` that does not fit `category` (for the demo's check).
pub fn misfits<'a>(title: &str, category: &str) -> Vec<&'a str> {
    ONLY_FOR
        .iter()
        .flat_map(|(words, _)| words.iter().copied())
        .filter(|w| title.split(' ').any(|part| part == *w || (w.chars().count() > 3 && part.contains(*w))))
        .filter(|w| !fits(w, category))
        .collect()
}

/// Joins the parts of a title, never saying a word twice. A part that another part holds
/// is left out ("真空" beside "真空炉"), and a part that begins where the title ends is
/// joined on the overlap ("304不锈钢" + "不锈钢锅" reads 304不锈钢锅). A part starting with
/// a space stays apart.
pub fn compose(parts: &[&str]) -> String {
    let core = |p: &str| p.trim().to_string();
    let mut kept: Vec<&str> = vec![];
    for (i, p) in parts.iter().enumerate() {
        let c = core(p);
        if c.is_empty() {
            continue;
        }
        let inside_other = parts.iter().enumerate().any(|(j, q)| {
            let q = core(q);
            j != i && q.contains(&c) && (q.len() > c.len() || j < i)
        });
        if !inside_other {
            kept.push(p);
        }
    }
    let mut title = String::new();
    for p in kept {
        let apart = p.starts_with(' ');
        let p = p.trim();
        let chars: Vec<char> = p.chars().collect();
        // The longest start of `p` the title already ends with (two characters or more).
        let overlap = (2..=chars.len().min(title.chars().count()))
            .rev()
            .find(|&k| title.ends_with(&chars[..k].iter().collect::<String>()))
            .unwrap_or(0);
        let rest: String = chars[overlap..].iter().collect();
        if apart && overlap == 0 && !title.is_empty() {
            title.push(' ');
        }
        title.push_str(&rest);
    }
    title
}

/// The first word of two characters or more that `title` says twice, if any.
pub fn repeated(title: &str) -> Option<String> {
    for part in title.split(' ') {
        let chars: Vec<char> = part.chars().collect();
        for len in (2..=chars.len() / 2).rev() {
            for start in 0..=chars.len() - len {
                let w: String = chars[start..start + len].iter().collect();
                if w.chars().all(|c| c.is_ascii_digit() || c == '.') {
                    continue;
                }
                let rest: String = chars[start + len..].iter().collect();
                if rest.contains(&w) {
                    return Some(w);
                }
            }
        }
    }
    // A word said again inside another ("304工程塑料 304").
    let words: Vec<&str> = title.split(' ').filter(|w| !w.is_empty()).collect();
    words
        .iter()
        .enumerate()
        .find(|(i, w)| w.chars().count() >= 2 && words.iter().enumerate().any(|(j, o)| j != *i && o.contains(**w)))
        .map(|(_, w)| w.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_says_each_word_once() {
        assert_eq!(compose(&["304不锈钢", "不锈钢锅", " 304不锈钢"]), "304不锈钢锅");
        assert_eq!(compose(&["真空", " 真空炉", "产能对外承接"]), "真空炉产能对外承接");
        assert_eq!(compose(&["双层", "真空保温杯", " 500ml"]), "双层真空保温杯 500ml");
        assert_eq!(compose(&["精密", "数控加工", "加工产能对外承接"]), "精密数控加工产能对外承接");
        assert_eq!(repeated("304不锈钢不锈钢锅"), Some("不锈钢".into()));
        assert_eq!(repeated("304工程塑料 304"), Some("304".into()));
        assert_eq!(repeated("锌合金数控加工加工"), Some("加工".into()));
        assert_eq!(repeated("双层真空保温杯 500ml"), None);
    }

    #[test]
    fn grades_and_machines_fit_their_trade() {
        assert!(fits("304", "materials.stainless_coil") && !fits("304", "materials.plastics"));
        assert!(fits("800T压铸机", "cap.die_casting") && !fits("800T压铸机", "cap.cnc_machining"));
        assert!(fits("双层", "cups.vacuum_cup"));
        assert_eq!(misfits("400T压铸机 锌合金数控加工", "cap.cnc_machining"), vec!["400T压铸机"]);
    }
}
