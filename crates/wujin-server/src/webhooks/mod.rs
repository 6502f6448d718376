//! Webhooks: the change feed pushed to subscribers' URLs, signed as Standard Webhooks
//! specifies, in order per subscription, at least once, retried for three days.

pub mod address;
pub mod sender;
pub mod signature;
pub mod worker;

pub use sender::Sender;
pub use worker::Worker;
