//! Moving the registry in and out of the store as files people already use.

pub mod export;
pub mod import;
pub mod progress;
pub mod read;
