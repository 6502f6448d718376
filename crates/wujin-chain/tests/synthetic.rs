//! The generated cluster has the shape the benchmark promises: ties as asked, about 30 % of
//! slots single-sourced, a heavy tail of large suppliers, and a few cycles.

use wujin_chain::{Direction, Graph, NodeId, Scratch, synthetic};

#[test]
fn a_generated_cluster_has_the_promised_shape() {
    let (firms, edges) = (3_000u32, 30_000usize);
    let ties = synthetic::cluster(firms, edges, 7);
    assert!(ties.len() >= edges * 95 / 100 && ties.len() <= edges, "{} ties for {edges} asked", ties.len());
    let g = Graph::new(firms, &ties).unwrap();

    let single = g.single_source().len() as f64 / g.slots().len() as f64;
    assert!((0.25..=0.40).contains(&single), "single-sourced share {single:.3}");
    for (i, _) in g.slots().iter().enumerate() {
        assert!(g.slot_suppliers(i).next().is_some(), "every slot has a supplier");
    }

    let mut customers: Vec<usize> = (0..firms).map(|n| g.customers(NodeId(n)).count()).filter(|&c| c > 0).collect();
    customers.sort_unstable();
    let (median, most) = (customers[customers.len() / 2], *customers.last().unwrap());
    assert!(most >= 10 * median, "heavy tail: median {median}, most {most}");

    let mut scratch = Scratch::new();
    let cycle = ties
        .iter()
        .any(|t| g.reach(t.customer, 6, Direction::Down, &mut scratch).hits.iter().any(|h| h.node == t.supplier));
    assert!(cycle, "parts and process shops supplying each other close some cycles");

    let same = synthetic::cluster(firms, edges, 7);
    assert_eq!(same, ties, "a seed gives the same graph");
}
