//! The `wujin` server: the JSON API, the command line, and moving records in and out of
//! the store as CSV, XLSX and JSON Lines.

pub mod api;
pub mod bench;
pub mod chain;
pub mod cli;
pub mod demo_declarations;
pub mod demo_people;
pub mod demo_pools;
pub mod demo_supervision;
pub mod idle;
pub mod messages;
pub mod pages;
pub mod querylog;
pub mod serve;
pub mod structure;
pub mod targets;
pub mod transfer;
pub mod uploads;
pub mod webhooks;
