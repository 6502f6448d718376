//! Every fast query of the graph answers as the plain reference does, on random graphs
//! with cycles, parallel ties, several inputs per pair, buffers and stale ties.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use wujin_chain::{Direction, Graph, InputId, NodeId, Scratch, Tie, reference};

fn graph() -> impl Strategy<Value = (u32, Vec<Tie>)> {
    (2u32..24).prop_flat_map(|nodes| {
        let tie = (0..nodes, 0..nodes, 0u16..4, prop::option::of(0u8..8), any::<bool>()).prop_filter_map(
            "no firm supplies itself",
            |(s, c, input, buffer, stale)| {
                (s != c).then(|| Tie {
                    supplier: NodeId(s),
                    customer: NodeId(c),
                    input: InputId(input),
                    buffer_weeks: buffer.map(|b| b as f32 / 2.0),
                    stale,
                })
            },
        );
        (Just(nodes), prop::collection::vec(tie, 0..70))
    })
}

fn weeks() -> impl Strategy<Value = f32> {
    prop_oneof![Just(0.0f32), Just(1.0), Just(2.5), Just(4.0), Just(f32::INFINITY)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn reach_finds_every_firm_at_its_distance_with_the_inputs_on_the_way(
        (nodes, ties) in graph(), from in 0u32..24, depth in 0u8..8, down in any::<bool>(),
    ) {
        let g = Graph::new(nodes, &ties).unwrap();
        let from = NodeId(from % nodes);
        let dir = if down { Direction::Down } else { Direction::Up };
        let fast = g.reach(from, depth, dir, &mut Scratch::new());
        let got: BTreeMap<NodeId, reference::Hit> = fast
            .hits
            .iter()
            .map(|h| (h.node, reference::Hit {
                depth: h.depth,
                inputs: fast.inputs(h).iter().copied().collect::<BTreeSet<_>>(),
                stale: h.stale,
            }))
            .collect();
        prop_assert_eq!(got.len(), fast.hits.len(), "each firm once");
        prop_assert!(fast.hits.windows(2).all(|w| w[0].depth <= w[1].depth), "by depth");
        prop_assert_eq!(got, reference::reach(&ties, from, depth, dir));
    }

    #[test]
    fn single_source_lists_exactly_the_slots_with_one_supplier((nodes, ties) in graph()) {
        let g = Graph::new(nodes, &ties).unwrap();
        let want = reference::single_source(&ties);
        prop_assert_eq!(g.single_source(), want.clone());
        for n in 0..nodes {
            let mine: Vec<_> = want.iter().filter(|s| s.customer == NodeId(n)).copied().collect();
            prop_assert_eq!(g.single_source_of(NodeId(n)), mine);
        }
    }

    #[test]
    fn outage_fails_firms_at_the_tier_the_definition_gives(
        (nodes, ties) in graph(), stopped in prop::collection::vec(0u32..24, 0..5), weeks in weeks(),
    ) {
        let g = Graph::new(nodes, &ties).unwrap();
        let stopped: Vec<NodeId> = stopped.into_iter().map(|s| NodeId(s % nodes)).collect();
        let fast = g.outage(&stopped, weeks, &mut Scratch::new());
        let (tiers, lost) = reference::outage(&ties, &stopped, weeks);
        let mut got = BTreeMap::new();
        for (t, firms) in fast.tiers.iter().enumerate() {
            for f in firms {
                prop_assert!(got.insert(*f, t as u32).is_none(), "each firm once");
            }
        }
        prop_assert_eq!(got, tiers);
        let got_lost: BTreeMap<_, _> =
            fast.slots.iter().map(|s| ((s.customer, s.input), (s.tier, s.covered))).collect();
        prop_assert_eq!(got_lost.len(), fast.slots.len(), "each slot once");
        prop_assert_eq!(got_lost, lost);
    }

    #[test]
    fn one_scratch_serves_many_queries_as_fresh_ones_do(
        (nodes, ties) in graph(), queries in prop::collection::vec((0u32..24, 1u8..7), 1..6),
    ) {
        let g = Graph::new(nodes, &ties).unwrap();
        let mut shared = Scratch::new();
        for (from, depth) in queries {
            let from = NodeId(from % nodes);
            let a = g.reach(from, depth, Direction::Down, &mut shared);
            let b = g.reach(from, depth, Direction::Down, &mut Scratch::new());
            prop_assert_eq!(a.hits, b.hits);
            let a = g.outage(&[from], 1.0, &mut shared);
            let b = g.outage(&[from], 1.0, &mut Scratch::new());
            prop_assert_eq!(a.tiers, b.tiers);
        }
    }
}

#[test]
fn a_tie_outside_the_graph_or_to_itself_is_refused() {
    let tie =
        |s, c| Tie { supplier: NodeId(s), customer: NodeId(c), input: InputId(0), buffer_weeks: None, stale: false };
    assert!(Graph::new(3, &[tie(0, 3)]).is_err());
    assert!(Graph::new(3, &[tie(1, 1)]).is_err());
    let bad = Tie { buffer_weeks: Some(f32::NAN), ..tie(0, 1) };
    assert!(Graph::new(3, &[bad]).is_err());
    assert!(Graph::new(3, &[tie(0, 1), tie(1, 2), tie(2, 0)]).is_ok(), "cycles are fine");
}
