//! The server's copy of the supply graph: the store's ties folded into a [`wujin_chain::Graph`],
//! with the maps back to organisations, names, sectors and towns that answers need.
//!
//! A [`Snapshot`] is built whole from the store and never changed; the follower builds a new
//! one when the outbox says a tie, a firm's visibility choice or a firm itself changed, and
//! swaps it in. Readers hold an `Arc` to the snapshot they started with, so a rebuild never
//! blocks a question. Nothing of it is on disk: a server that starts (or was killed) builds it
//! from the store before it answers chain questions.

pub mod alternatives;
pub mod answer;
pub mod follow;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use time::Date;
use wujin_chain::{Graph, InputId, NodeId};
use wujin_domain::Taxonomy;
use wujin_store::ties::SupplierEnd;
use wujin_store::{Store, StoreError};

/// A node of the graph as answers show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The registry's organisation; None for an outside supplier.
    pub org: Option<i64>,
    pub name: String,
    pub name_en: Option<String>,
    /// The firm's first declared sector class, which places it in one pillar industry.
    pub sector: Option<String>,
    pub pillar: Option<String>,
    /// Town code for a firm of the cluster; the region as written for an outside supplier.
    pub town: Option<String>,
    pub region: Option<String>,
    /// "公开我的供应关系": other firms may see it named beyond tier 1.
    pub public: bool,
    /// "让试点办帮我找替代供应商": the pilot office may see it named.
    pub helps: bool,
}

impl Node {
    pub fn name(&self, lang: wujin_domain::Lang) -> &str {
        match (lang, &self.name_en) {
            (wujin_domain::Lang::En, Some(en)) if !en.is_empty() => en,
            _ => &self.name,
        }
    }
}

/// The graph as built at one moment, with everything needed to read its answers.
#[derive(Debug)]
pub struct Snapshot {
    /// Every tie in the graph, stale or not.
    pub all: Graph,
    /// The same without stale ties (`fresh_only=true`).
    pub fresh: Graph,
    pub nodes: Vec<Node>,
    pub by_org: HashMap<i64, NodeId>,
    /// Input categories by [`InputId`].
    pub inputs: Vec<String>,
    pub input_ids: HashMap<String, InputId>,
    /// Ties in the graph, how many of them stale, how many from outside suppliers.
    pub ties: usize,
    pub stale: usize,
    /// Confirmed ties (the rest are declared and wait for the other side).
    pub confirmed: usize,
    /// Per tie in the graph: (supplier, customer, input, confirmed, stale), for the chain map.
    pub edges: Vec<Edge>,
    /// The day staleness was judged on (cluster time).
    pub today: Date,
    /// The outbox position the store was read at.
    pub seq: i64,
}

/// One tie as the chain map counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub supplier: NodeId,
    pub customer: NodeId,
    pub input: InputId,
    pub confirmed: bool,
    pub stale: bool,
}

impl Snapshot {
    pub fn graph(&self, fresh_only: bool) -> &Graph {
        if fresh_only { &self.fresh } else { &self.all }
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0 as usize]
    }

    pub fn input(&self, id: InputId) -> &str {
        &self.inputs[id.0 as usize]
    }

    /// Builds the graph from the store's ties as they stand on `today`.
    pub async fn build(store: &Store, today: Date) -> Result<Snapshot, StoreError> {
        let seq = store.outbox_max_seq().await?;
        let ties = store.ties_in_graph().await?;
        let settings: HashMap<i64, (bool, bool)> =
            store.chain_settings_all().await?.into_iter().map(|(org, public, helps)| (org, (public, helps))).collect();
        let mut org_ids: Vec<i64> =
            ties.iter().flat_map(|t| [Some(t.customer_org_id), t.supplier_org_id()]).flatten().collect();
        org_ids.sort_unstable();
        org_ids.dedup();
        let orgs = store.orgs_by_ids(&org_ids).await?;
        let t = Taxonomy::get();
        let mut nodes = Vec::with_capacity(orgs.len());
        let mut by_org = HashMap::with_capacity(orgs.len());
        for o in &orgs {
            let sector = o.record.sectors.first().cloned();
            let pillar = sector.as_deref().and_then(|s| t.sector(s)).map(|s| s.pillar.clone());
            let (public, helps) = settings.get(&o.id).copied().unwrap_or_default();
            by_org.insert(o.id, NodeId(nodes.len() as u32));
            nodes.push(Node {
                org: Some(o.id),
                name: o.record.name.clone(),
                name_en: o.record.name_en.clone(),
                sector,
                pillar,
                town: o.record.town.clone(),
                region: None,
                public,
                helps,
            });
        }
        let mut outside: HashMap<(String, String), NodeId> = HashMap::new();
        let mut inputs = Vec::new();
        let mut input_ids: HashMap<String, InputId> = HashMap::new();
        let (mut all, mut fresh, mut edges) = (Vec::new(), Vec::new(), Vec::new());
        let (mut stale_n, mut confirmed_n) = (0, 0);
        for tie in &ties {
            let supplier = match &tie.supplier {
                SupplierEnd::Org { id, .. } => match by_org.get(id) {
                    Some(n) => *n,
                    None => continue,
                },
                SupplierEnd::Outside { name, region } => {
                    *outside.entry((name.clone(), region.clone())).or_insert_with(|| {
                        nodes.push(Node {
                            org: None,
                            name: name.clone(),
                            name_en: None,
                            sector: None,
                            pillar: None,
                            town: None,
                            region: Some(region.clone()),
                            public: false,
                            helps: false,
                        });
                        NodeId(nodes.len() as u32 - 1)
                    })
                }
            };
            let Some(&customer) = by_org.get(&tie.customer_org_id) else { continue };
            if supplier == customer {
                continue;
            }
            let next = InputId(input_ids.len() as u16);
            let input = *input_ids.entry(tie.input.clone()).or_insert_with(|| {
                inputs.push(tie.input.clone());
                next
            });
            let stale = tie.is_stale(today);
            let confirmed = tie.state == wujin_domain::tie::TieState::Confirmed;
            stale_n += usize::from(stale);
            confirmed_n += usize::from(confirmed);
            let g = wujin_chain::Tie {
                supplier,
                customer,
                input,
                buffer_weeks: tie.buffer_weeks.map(|b| b.weeks()),
                stale,
            };
            all.push(g);
            if !stale {
                fresh.push(g);
            }
            edges.push(Edge { supplier, customer, input, confirmed, stale });
        }
        let n = nodes.len() as u32;
        let built = |ties: &[wujin_chain::Tie]| {
            Graph::new(n, ties).map_err(|e| StoreError::Corrupt(format!("chain graph: {e}")))
        };
        Ok(Snapshot {
            all: built(&all)?,
            fresh: built(&fresh)?,
            nodes,
            by_org,
            inputs,
            input_ids,
            ties: all.len(),
            stale: stale_n,
            confirmed: confirmed_n,
            edges,
            today,
            seq,
        })
    }
}

/// Where handlers find the graph. A server runs a follower that keeps it current; without
/// one (tests of single routes, tools) every question builds it afresh from the store.
#[derive(Default)]
pub struct ChainView {
    current: RwLock<Option<Arc<Snapshot>>>,
    followed: std::sync::atomic::AtomicBool,
    /// Local alternatives per input, as last ranked (see [`alternatives::Ranked`]).
    pub alternatives: alternatives::Ranked,
}

impl ChainView {
    /// A view a follower keeps: empty until the follower's first build.
    pub fn followed() -> ChainView {
        ChainView { followed: std::sync::atomic::AtomicBool::new(true), ..ChainView::default() }
    }

    /// The graph to answer from, or None while a follower is still building its first.
    pub async fn snapshot(&self, store: &Store) -> Result<Option<Arc<Snapshot>>, StoreError> {
        if self.followed.load(std::sync::atomic::Ordering::Acquire) {
            return Ok(self.current.read().unwrap_or_else(|e| e.into_inner()).clone());
        }
        Ok(Some(Arc::new(Snapshot::build(store, wujin_store::ties::today()).await?)))
    }

    /// Whether the graph has been built (always, for a view without a follower).
    pub fn ready(&self) -> bool {
        !self.followed.load(std::sync::atomic::Ordering::Acquire)
            || self.current.read().unwrap_or_else(|e| e.into_inner()).is_some()
    }

    pub(crate) fn replace(&self, snapshot: Snapshot) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(snapshot));
    }

    pub(crate) fn current(&self) -> Option<Arc<Snapshot>> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
