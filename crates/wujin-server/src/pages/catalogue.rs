//! Page text comes from the server's message catalogue (`crate::messages`); this module
//! holds the check that every key a template asks for is there.

pub use crate::messages::text;

#[cfg(test)]
mod tests {
    use wujin_domain::messages::Catalogue;

    #[test]
    fn every_key_a_template_uses_is_in_both_languages() {
        let m: &Catalogue = crate::messages::catalogue();
        let templates = [
            include_str!("../../pages/templates/base.html"),
            include_str!("../../pages/templates/home.html"),
            include_str!("../../pages/templates/search.html"),
            include_str!("../../pages/templates/search_form.html"),
            include_str!("../../pages/templates/message.html"),
            include_str!("../../pages/templates/field.html"),
            include_str!("../../pages/templates/login.html"),
            include_str!("../../pages/templates/register.html"),
            include_str!("../../pages/templates/org.html"),
            include_str!("../../pages/templates/offer.html"),
            include_str!("../../pages/templates/my_standards.html"),
            include_str!("../../pages/templates/demands.html"),
            include_str!("../../pages/templates/demand_new.html"),
            include_str!("../../pages/templates/demand.html"),
            include_str!("../../pages/templates/demand_cancel.html"),
            include_str!("../../pages/templates/quotes.html"),
            include_str!("../../pages/templates/inbox.html"),
            include_str!("../../pages/templates/tokens.html"),
            include_str!("../../pages/templates/webhooks.html"),
            include_str!("../../pages/templates/test_bookings.html"),
            include_str!("../../pages/templates/accreditations.html"),
            include_str!("../../pages/templates/webhook.html"),
            include_str!("../../pages/templates/webhook_delivery.html"),
            include_str!("../../pages/templates/members.html"),
            include_str!("../../pages/templates/overview.html"),
            include_str!("../../pages/templates/pager.html"),
            include_str!("../../pages/templates/offer_form.html"),
            include_str!("../../pages/templates/profile.html"),
            include_str!("../../pages/templates/password.html"),
            include_str!("../../pages/templates/demands_open.html"),
            include_str!("../../pages/templates/demand_line.html"),
            include_str!("../../pages/templates/catalogue_upload.html"),
            include_str!("../../pages/templates/chain.html"),
            include_str!("../../pages/templates/chain_outage.html"),
            include_str!("../../pages/templates/tie_actions.html"),
            include_str!("../../pages/templates/office_outage.html"),
            include_str!("../../pages/templates/outage_tables.html"),
            include_str!("../../pages/templates/prices.html"),
            include_str!("../../pages/templates/price.html"),
            include_str!("../../pages/templates/pools.html"),
            include_str!("../../pages/templates/pool.html"),
            include_str!("../../pages/templates/pool_new.html"),
            include_str!("../../pages/templates/pool_progress.html"),
            include_str!("../../pages/templates/machines.html"),
            include_str!("../../pages/templates/machine.html"),
            include_str!("../../pages/templates/bookings.html"),
            include_str!("../../pages/templates/idle.html"),
            include_str!("../../pages/templates/standards.html"),
            include_str!("../../pages/templates/standard.html"),
        ];
        let mut used = vec![];
        for t in templates {
            for part in t.split("t(\"").skip(1) {
                let key = part.split('"').next().unwrap();
                // t("state_" ~ s): a key made from a value; those are listed in DYNAMIC.
                if !key.ends_with('_') {
                    used.push(key.to_string());
                }
            }
            // Keys handed to the field template: label="…", hint="…".
            for marker in [", label=\"", ", hint=\""] {
                for part in t.split(marker).skip(1) {
                    let key = part.split('"').next().unwrap();
                    if !key.is_empty() {
                        used.push(key.to_string());
                    }
                }
            }
        }
        // Keys chosen in code (facet labels, kinds, reasons) are listed where they are used.
        used.extend(super::super::search::KEYS.iter().map(|k| k.to_string()));
        used.extend(super::super::demands::KEYS.iter().map(|k| k.to_string()));
        used.extend(super::super::mine::KEYS.iter().map(|k| k.to_string()));
        used.extend(super::super::chain::KEYS.iter().map(|k| k.to_string()));
        used.extend(super::super::reports::KEYS.iter().map(|k| k.to_string()));
        used.extend(super::super::targets::KEYS.iter().map(|k| k.to_string()));
        used.extend(super::super::supervision::KEYS.iter().map(|k| k.to_string()));
        used.extend(super::super::pools::KEYS.iter().map(|k| k.to_string()));
        used.extend(super::super::capacity::KEYS.iter().map(|k| k.to_string()));
        used.extend(super::super::declarations::KEYS.iter().map(|k| k.to_string()));
        used.extend(super::super::my_standards::KEYS.iter().map(|k| k.to_string()));
        used.extend(super::super::labs::KEYS.iter().map(|k| k.to_string()));
        used.extend(super::super::webhooks::KEYS.iter().map(|k| k.to_string()));
        used.extend(super::super::test_bookings::KEYS.iter().map(|k| k.to_string()));
        used.extend(super::super::accreditations::KEYS.iter().map(|k| k.to_string()));
        used.extend(["bookings_mine", "bookings_of_my_machines"].map(String::from));
        used.extend(
            ["idle_chart_title", "idle_hours_unit", "idle_cell", "idle_all_processes", "idle_process", "idle_hidden"]
                .map(String::from),
        );
        used.extend(
            [
                "chart_orgs_by_sector",
                "chart_offers_by_sector",
                "chart_orgs_by_town",
                "chart_offers_by_town",
                "chart_providers_by_family",
                "officers_only",
                "forbidden_title",
                "head_pillar",
                "head_town",
                "head_family",
                "head_orgs",
                "head_offers",
                "head_providers",
                "data_table",
                "download_xlsx_short",
                "password_current",
                "password_new",
                "password_repeat",
            ]
            .map(String::from),
        );
        assert!(used.len() > 20, "{used:?}");
        for key in used {
            let msg = m.get(&key).unwrap_or_else(|| panic!("{key} is not in messages/"));
            assert!(!msg.zh.is_empty() && !msg.en.is_empty(), "{key}");
        }
    }
}
