//! The graph's answers as people may see them: who is named and who is only counted, under
//! the rules of [`wujin_domain::tie::disclosure`] and, for the pilot office, the small-cell
//! rule of [`wujin_domain::disclosure`].
//!
//! A firm sees its own tier 1 named; beyond it, counts by sector, town and input, and the
//! names of firms that chose "公开我的供应关系". The office sees counts only, each under the
//! small-cell rule, and the names of firms that chose "让试点办帮我找替代供应商".

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use utoipa::ToSchema;
use wujin_chain::{Direction, InputId, NodeId, Scratch};
use wujin_domain::disclosure::{Cell, suppress};
use wujin_domain::{Lang, Taxonomy};

use super::{Node, Snapshot};
use crate::api::views::Named;

/// Who asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asker {
    /// A member of this firm (its node, if it has ties).
    Firm { org: i64, node: Option<NodeId> },
    /// An officer of the pilot office or a platform admin.
    Office,
}

/// A group of firms: a sector, a town, an input or a stage.
#[derive(Serialize, ToSchema)]
pub struct Count {
    pub code: String,
    pub name: String,
    /// Firms in the group; null when the small-cell rule hides it (the office's answers).
    pub firms: Option<u32>,
}

/// A firm or an outside supplier, named.
#[derive(Serialize, ToSchema)]
pub struct FirmRef {
    /// The registry's organisation id; null for a supplier outside the cluster.
    pub id: Option<i64>,
    pub name: String,
    pub sector: Option<Named>,
    pub town: Option<Named>,
    /// Where an outside supplier is ("浙江 宁波").
    pub region: Option<String>,
}

pub fn firm_ref(node: &Node, lang: Lang) -> FirmRef {
    let t = Taxonomy::get();
    FirmRef {
        id: node.org,
        name: node.name(lang).to_string(),
        sector: node
            .sector
            .as_deref()
            .and_then(|s| t.sector(s))
            .map(|s| Named { code: s.entry.code.clone(), name: s.entry.name(lang).to_string() }),
        town: node.town.as_deref().and_then(|c| t.town(c)).map(|e| named(&e.code, e.name(lang))),
        region: node.region.clone(),
    }
}

fn named(code: &str, name: &str) -> Named {
    Named { code: code.to_string(), name: name.to_string() }
}

pub fn input_named(code: &str, lang: Lang) -> Named {
    let name = Taxonomy::get().category(code).map(|c| c.entry.name(lang).to_string()).unwrap_or_else(|| code.into());
    Named { code: code.to_string(), name }
}

fn sector_key(node: &Node, lang: Lang) -> (String, String) {
    let t = Taxonomy::get();
    match node.sector.as_deref().and_then(|s| t.sector(s)) {
        Some(s) => (s.entry.code.clone(), s.entry.name(lang).to_string()),
        None => (String::new(), unknown(lang).into()),
    }
}

fn town_key(node: &Node, lang: Lang) -> (String, String) {
    match node.town.as_deref().and_then(|c| Taxonomy::get().town(c)) {
        Some(e) => (e.code.clone(), e.name(lang).to_string()),
        None => (String::new(), unknown(lang).into()),
    }
}

fn unknown(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "未填",
        Lang::En => "not stated",
    }
}

/// Groups with the firms in each, largest first. `values` holds one (group, firm, value)
/// per contribution. For the office every group is held to the small-cell rule; when the
/// groups split a shown total (`partition`), enough others are hidden that none can be
/// worked out from the total.
fn grouped(values: Vec<((String, String), u32, u64)>, office: bool, partition: bool) -> Vec<Count> {
    let mut groups: BTreeMap<(String, String), HashMap<u32, u64>> = BTreeMap::new();
    for (key, firm, value) in values {
        *groups.entry(key).or_default().entry(firm).or_default() += value;
    }
    let mut out: Vec<(Count, Cell)> = groups
        .into_iter()
        .map(|((code, name), firms)| {
            let cell = Cell::of(firms.values().copied());
            (Count { code, name, firms: Some(cell.firms) }, cell)
        })
        .collect();
    if office {
        let cells: Vec<Cell> = out.iter().map(|(_, c)| *c).collect();
        let shown = if partition {
            suppress(&[cells], true, false).remove(0)
        } else {
            cells.iter().map(Cell::publishable).collect()
        };
        for ((count, _), shown) in out.iter_mut().zip(shown) {
            if !shown {
                count.firms = None;
            }
        }
    }
    // Hidden groups go last in the order of their codes: sorted by size they would tell it.
    out.sort_by(|a, b| b.0.firms.cmp(&a.0.firms).then(a.0.code.cmp(&b.0.code)));
    out.into_iter().map(|(c, _)| c).collect()
}

/// One tier of a reach answer.
#[derive(Serialize, ToSchema)]
pub struct ReachTier {
    /// Steps from the firm asked about: 1 is its own suppliers or customers.
    pub tier: u8,
    /// Firms of the cluster at this tier.
    pub firms: u32,
    /// Suppliers outside the cluster at this tier.
    pub outside: u32,
    /// Of all these, reached only through stale ties (no evidence for 13 months).
    pub stale: u32,
    pub by_sector: Vec<Count>,
    pub by_town: Vec<Count>,
    /// Firms by the input categories on the ties that reach them (a firm may count under several).
    pub by_input: Vec<Count>,
    /// Those the asker may see named: all of tier 1, and beyond it firms that made their
    /// supply relations public.
    pub named: Vec<ReachedFirm>,
}

#[derive(Serialize, ToSchema)]
pub struct ReachedFirm {
    pub firm: FirmRef,
    pub inputs: Vec<Named>,
    pub stale: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ReachView {
    pub org: i64,
    /// `down`: who depends on this firm; `up`: whom it depends on.
    pub direction: String,
    pub depth: u8,
    pub fresh_only: bool,
    pub tiers: Vec<ReachTier>,
    /// Every firm and outside supplier reached.
    pub total: u32,
}

/// Reach from a firm's node, as the firm's members see it.
pub fn reach(snap: &Snapshot, org: i64, direction: Direction, depth: u8, fresh_only: bool, lang: Lang) -> ReachView {
    let mut view = ReachView {
        org,
        direction: match direction {
            Direction::Down => "down",
            Direction::Up => "up",
        }
        .into(),
        depth,
        fresh_only,
        tiers: vec![],
        total: 0,
    };
    let Some(&from) = snap.by_org.get(&org) else { return view };
    let mut scratch = Scratch::default();
    let r = snap.graph(fresh_only).reach(from, depth, direction, &mut scratch);
    view.total = r.hits.len() as u32;
    let deepest = r.hits.last().map_or(0, |h| h.depth);
    for d in 1..=deepest {
        let mut tier = ReachTier {
            tier: d,
            firms: 0,
            outside: 0,
            stale: 0,
            by_sector: vec![],
            by_town: vec![],
            by_input: vec![],
            named: vec![],
        };
        let (mut sectors, mut towns, mut inputs) = (vec![], vec![], vec![]);
        for hit in r.hits.iter().filter(|h| h.depth == d) {
            let node = snap.node(hit.node);
            tier.stale += u32::from(hit.stale);
            let hit_inputs = r.inputs(hit);
            if node.org.is_none() {
                tier.outside += 1;
            } else {
                tier.firms += 1;
                sectors.push((sector_key(node, lang), hit.node.0, 1));
                towns.push((town_key(node, lang), hit.node.0, 1));
            }
            for i in hit_inputs {
                let n = input_named(snap.input(*i), lang);
                inputs.push(((n.code, n.name), hit.node.0, 1));
            }
            if d == 1 || (node.public && node.org.is_some()) {
                tier.named.push(ReachedFirm {
                    firm: firm_ref(node, lang),
                    inputs: hit_inputs.iter().map(|i| input_named(snap.input(*i), lang)).collect(),
                    stale: hit.stale,
                });
            }
        }
        tier.by_sector = grouped(sectors, false, true);
        tier.by_town = grouped(towns, false, true);
        tier.by_input = grouped(inputs, false, false);
        view.tiers.push(tier);
    }
    view
}

/// One tier of an outage.
#[derive(Serialize, ToSchema)]
pub struct OutageTier {
    /// 0: the firms that stopped; t: those that fail because suppliers of tier t−1 did.
    pub tier: u32,
    /// Firms failed at this tier; null when the small-cell rule hides it (the office's answers).
    pub firms: Option<u32>,
    pub by_sector: Vec<Count>,
    pub by_town: Vec<Count>,
    /// Those the asker may see named.
    pub named: Vec<FirmRef>,
}

/// The slots of one input that lost every supplier.
#[derive(Serialize, ToSchema)]
pub struct InputLoss {
    pub input: Named,
    /// Firms that lost every supplier of it and have too little stock to last; null when
    /// the small-cell rule hides it.
    pub failed: Option<u32>,
    /// Firms that lost every supplier of it but whose stock lasts the outage.
    pub covered: Option<u32>,
    /// Firms of the cluster that offer this input and did not fail, ranked by the matching
    /// engine with its explanation; present when alternatives were asked for.
    pub alternatives: Option<Vec<crate::api::search::SearchItem>>,
}

/// The asking firm's own fate.
#[derive(Serialize, ToSchema)]
pub struct MyOutage {
    pub failed: bool,
    /// The tier at which it fails.
    pub tier: Option<u32>,
    /// Its inputs that lost every supplier.
    pub inputs: Vec<MyLoss>,
}

#[derive(Serialize, ToSchema)]
pub struct MyLoss {
    pub input: Named,
    pub tier: u32,
    /// Its stock of the input lasts the outage.
    pub covered: bool,
}

#[derive(Serialize, ToSchema)]
pub struct OutageView {
    /// The firms that stop.
    pub stopped: Vec<FirmRef>,
    /// How long they stop; null for good.
    pub weeks: Option<f32>,
    pub fresh_only: bool,
    /// Tier 0 (the stopped firms) and each tier the failure reaches.
    pub tiers: Vec<OutageTier>,
    /// Firms failed beyond those that stopped; null when the small-cell rule hides it.
    pub hit: Option<u32>,
    pub inputs: Vec<InputLoss>,
    /// For a firm that asks: whether it fails, and which of its inputs go.
    pub mine: Option<MyOutage>,
}

/// The cascade when `stopped` stop for `weeks` (None: for good), as `asker` may see it. The
/// alternatives are left for the caller, who has the search index: see [`OutageView::inputs`].
pub fn outage(
    snap: &Snapshot,
    stopped: &[i64],
    weeks: Option<f32>,
    fresh_only: bool,
    asker: Asker,
    lang: Lang,
) -> (OutageView, HashSet<i64>) {
    let office = asker == Asker::Office;
    let nodes: Vec<NodeId> = stopped.iter().filter_map(|o| snap.by_org.get(o).copied()).collect();
    let mut scratch = Scratch::default();
    let graph = snap.graph(fresh_only);
    let o = graph.outage(&nodes, weeks.unwrap_or(f32::INFINITY), &mut scratch);
    // Named for a firm: its own tier-1 counterparts, firms that made their relations public,
    // and itself; for the office: firms that asked it to help.
    let mine: HashSet<NodeId> = match asker {
        Asker::Firm { node: Some(me), .. } => {
            graph.suppliers_of(me).chain(graph.customers(me)).chain(std::iter::once(me)).collect()
        }
        _ => HashSet::new(),
    };
    let may_name = |n: NodeId| {
        let node = snap.node(n);
        node.org.is_some() && if office { node.helps } else { node.public || mine.contains(&n) }
    };
    let mut failed_orgs = HashSet::new();
    let mut tiers = vec![];
    for (t, firms) in o.tiers.iter().enumerate() {
        let (mut sectors, mut towns) = (vec![], vec![]);
        for n in firms {
            let node = snap.node(*n);
            if let Some(id) = node.org {
                failed_orgs.insert(id);
            }
            sectors.push((sector_key(node, lang), n.0, 1));
            towns.push((town_key(node, lang), n.0, 1));
        }
        let count = firms.len() as u32;
        let shown = t == 0 || !office || Cell::count(count).publishable();
        tiers.push(OutageTier {
            tier: t as u32,
            firms: shown.then_some(count),
            by_sector: grouped(sectors, office && t > 0, true),
            by_town: grouped(towns, office && t > 0, true),
            named: firms.iter().filter(|n| t == 0 || may_name(**n)).map(|n| firm_ref(snap.node(*n), lang)).collect(),
        });
    }
    let mut losses: BTreeMap<InputId, (Vec<u32>, Vec<u32>)> = BTreeMap::new();
    for s in &o.slots {
        let e = losses.entry(s.input).or_default();
        if s.covered { e.1.push(s.customer.0) } else { e.0.push(s.customer.0) }
    }
    let hide = |n: usize| {
        let n = n as u32;
        (!office || n == 0 || Cell::count(n).publishable()).then_some(n)
    };
    let mut inputs: Vec<InputLoss> = losses
        .iter()
        .map(|(i, (failed, covered))| InputLoss {
            input: input_named(snap.input(*i), lang),
            failed: hide(failed.len()),
            covered: hide(covered.len()),
            alternatives: None,
        })
        .collect();
    inputs.sort_by(|a, b| b.failed.cmp(&a.failed).then(a.input.code.cmp(&b.input.code)));
    let mine = match asker {
        Asker::Firm { node, .. } => {
            let tier = node.and_then(|me| o.tiers.iter().position(|t| t.contains(&me)).map(|t| t as u32));
            Some(MyOutage {
                failed: tier.is_some(),
                tier,
                inputs: o
                    .slots
                    .iter()
                    .filter(|s| Some(s.customer) == node)
                    .map(|s| MyLoss { input: input_named(snap.input(s.input), lang), tier: s.tier, covered: s.covered })
                    .collect(),
            })
        }
        Asker::Office => None,
    };
    let view = OutageView {
        stopped: o.tiers.first().map(|t| t.iter().map(|n| firm_ref(snap.node(*n), lang)).collect()).unwrap_or_default(),
        weeks,
        fresh_only,
        hit: hide(o.hit()),
        tiers,
        inputs,
        mine,
    };
    (view, failed_orgs)
}

/// Single-sourced slots across the cluster, for the office.
#[derive(Serialize, ToSchema)]
pub struct SingleSourceView {
    /// sector, town (of the firm that buys), stage or input.
    pub by: String,
    pub fresh_only: bool,
    /// (firm, input) slots in the graph, and how many of them hang on one supplier.
    pub slots: u32,
    pub single: u32,
    /// Single-sourced slots per group; `firms` counts the firms they belong to. Both null
    /// when the small-cell rule hides the group.
    pub groups: Vec<SingleGroup>,
    /// Slots of firms that asked the office to help find alternatives, with their supplier.
    pub named: Vec<NamedSlot>,
}

#[derive(Serialize, ToSchema)]
pub struct SingleGroup {
    pub code: String,
    pub name: String,
    pub slots: Option<u32>,
    pub firms: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct NamedSlot {
    pub firm: FirmRef,
    pub input: Named,
    /// The one supplier: named when it is outside the cluster or also asked the office to help.
    pub supplier: Option<FirmRef>,
    pub stale: bool,
}

/// How [`single_source`] groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Sector,
    Town,
    Stage,
    Input,
}

impl GroupBy {
    pub fn parse(s: &str) -> Option<GroupBy> {
        match s {
            "sector" => Some(GroupBy::Sector),
            "town" => Some(GroupBy::Town),
            "stage" => Some(GroupBy::Stage),
            "input" => Some(GroupBy::Input),
            _ => None,
        }
    }

    fn code(self) -> &'static str {
        match self {
            GroupBy::Sector => "sector",
            GroupBy::Town => "town",
            GroupBy::Stage => "stage",
            GroupBy::Input => "input",
        }
    }
}

pub fn single_source(snap: &Snapshot, by: GroupBy, fresh_only: bool, lang: Lang) -> SingleSourceView {
    let t = Taxonomy::get();
    let graph = snap.graph(fresh_only);
    let list = graph.single_source();
    // Per group: slots per firm.
    let mut groups: BTreeMap<(String, String), HashMap<u32, u64>> = BTreeMap::new();
    let mut named = vec![];
    for s in &list {
        let node = snap.node(s.customer);
        let input = snap.input(s.input);
        let key = match by {
            GroupBy::Sector => sector_key(node, lang),
            GroupBy::Town => town_key(node, lang),
            GroupBy::Stage => match t.stage_of(input) {
                Some(e) => (e.code.clone(), e.name(lang).to_string()),
                None => (String::new(), unknown(lang).into()),
            },
            GroupBy::Input => {
                let n = input_named(input, lang);
                (n.code, n.name)
            }
        };
        *groups.entry(key).or_default().entry(s.customer.0).or_default() += 1;
        if node.helps && node.org.is_some() {
            let supplier = snap.node(s.supplier);
            named.push(NamedSlot {
                firm: firm_ref(node, lang),
                input: input_named(input, lang),
                supplier: (supplier.org.is_none() || supplier.helps).then(|| firm_ref(supplier, lang)),
                stale: s.stale,
            });
        }
    }
    let cells: Vec<Cell> = groups.values().map(|firms| Cell::of(firms.values().copied())).collect();
    let shown = suppress(std::slice::from_ref(&cells), true, false).remove(0);
    let mut out: Vec<SingleGroup> = groups
        .into_iter()
        .zip(cells.iter().zip(shown))
        .map(|(((code, name), _), (cell, shown))| SingleGroup {
            code,
            name,
            slots: shown.then_some(cell.total as u32),
            firms: shown.then_some(cell.firms),
        })
        .collect();
    out.sort_by(|a, b| b.slots.cmp(&a.slots).then(a.code.cmp(&b.code)));
    SingleSourceView {
        by: by.code().into(),
        fresh_only,
        slots: graph.slots().len() as u32,
        single: list.len() as u32,
        groups: out,
        named,
    }
}

/// The (pillar, stage) cell of the flow map each tie falls in, twice: once for the industry
/// that buys, once for the one that sells.
#[derive(Debug, Default, Clone)]
pub struct FlowCell {
    pub firms: HashSet<u32>,
    /// Per buying firm: its ties in (for the dominance rule).
    pub ties_in_by_firm: HashMap<u32, u64>,
    pub in_confirmed: u32,
    pub in_declared: u32,
    pub out_confirmed: u32,
    pub out_declared: u32,
    /// Ties in from suppliers inside the cluster.
    pub in_local: u32,
    /// (firm, input) slots of the buying firms, and how many hang on one supplier.
    pub slots: u32,
    pub single: u32,
}

/// The flow map's raw cells by (pillar, stage).
pub fn flows(snap: &Snapshot) -> HashMap<(String, String), FlowCell> {
    let t = Taxonomy::get();
    let mut cells: HashMap<(String, String), FlowCell> = HashMap::new();
    let stage_of: Vec<Option<String>> = snap.inputs.iter().map(|i| t.stage_of(i).map(|e| e.code.clone())).collect();
    for e in &snap.edges {
        let Some(stage) = stage_of[e.input.0 as usize].clone() else { continue };
        let (s, c) = (snap.node(e.supplier), snap.node(e.customer));
        if let Some(p) = &c.pillar {
            let cell = cells.entry((p.clone(), stage.clone())).or_default();
            cell.firms.insert(e.customer.0);
            *cell.ties_in_by_firm.entry(e.customer.0).or_default() += 1;
            if e.confirmed {
                cell.in_confirmed += 1
            } else {
                cell.in_declared += 1
            }
            cell.in_local += u32::from(s.org.is_some());
        }
        if let Some(p) = &s.pillar {
            let cell = cells.entry((p.clone(), stage.clone())).or_default();
            cell.firms.insert(e.supplier.0);
            if e.confirmed { cell.out_confirmed += 1 } else { cell.out_declared += 1 }
        }
    }
    for s in snap.all.slots() {
        let (Some(p), Some(stage)) = (&snap.node(s.customer).pillar, &stage_of[s.input.0 as usize]) else { continue };
        cells.entry((p.clone(), stage.clone())).or_default().slots += 1;
    }
    for s in snap.all.single_source() {
        let (Some(p), Some(stage)) = (&snap.node(s.customer).pillar, &stage_of[s.input.0 as usize]) else { continue };
        cells.entry((p.clone(), stage.clone())).or_default().single += 1;
    }
    cells
}
