//! From offers to organisations: a buyer wants to know which firms can serve a need, so hits
//! are grouped into one line per organisation, ranked by its best offer, with its best
//! offers under it. The search API and the matching of a need share this.

use crate::query::Hit;

/// One organisation that can serve a need.
#[derive(Debug, Clone)]
pub struct OrgMatch {
    pub org_id: u64,
    /// The score of its best offer.
    pub score: f32,
    /// Its matching offers, best first, at most `per_org` of them.
    pub hits: Vec<Hit>,
    /// How many of its offers matched among the hits looked at.
    pub matched_offers: usize,
}

/// Groups hits (best first) by organisation, keeping the order of each one's best hit.
pub fn by_org(hits: Vec<Hit>, per_org: usize) -> Vec<OrgMatch> {
    let mut out: Vec<OrgMatch> = vec![];
    let mut at: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    for hit in hits {
        let i = *at.entry(hit.org_id).or_insert_with(|| {
            out.push(OrgMatch { org_id: hit.org_id, score: hit.score, hits: vec![], matched_offers: 0 });
            out.len() - 1
        });
        let m = &mut out[i];
        m.matched_offers += 1;
        if m.hits.len() < per_org {
            m.hits.push(hit);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(offer_id: u64, org_id: u64, score: f32) -> Hit {
        let address = tantivy::DocAddress::new(0, offer_id as u32);
        Hit {
            offer_id,
            org_id,
            score,
            matched: vec![],
            standards: vec![],
            tests: vec![],
            signals: vec![],
            shown: None,
            sizes: None,
            address,
        }
    }

    #[test]
    fn one_line_per_organisation_in_order_of_its_best_offer() {
        let hits = vec![hit(1, 10, 9.0), hit(2, 20, 8.0), hit(3, 10, 7.0), hit(4, 10, 6.0), hit(5, 30, 5.0)];
        let orgs = by_org(hits, 2);
        assert_eq!(orgs.iter().map(|o| o.org_id).collect::<Vec<_>>(), vec![10, 20, 30]);
        assert_eq!(orgs[0].hits.iter().map(|h| h.offer_id).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(orgs[0].matched_offers, 3);
        assert_eq!(orgs[0].score, 9.0);
    }
}
