//! wujin-insight: the pilot office's figures, computed from rows the store hands in.
//!
//! A library with no HTTP and no SQL, like wujin-match and wujin-chain: the server reads
//! firms' monthly reports and the registry, passes them here, and prints what comes back.
//! Everything an officer sees of firms' own figures passes through
//! [`wujin_domain::disclosure`]: a cell of fewer than five firms, or one firm's near whole, is
//! hidden, with enough others hidden that no total gives it away.

pub mod gaps;
pub mod idle;
pub mod metrics;
pub mod standards;
pub mod summary;
pub mod table;
pub mod target;

pub use summary::{Concentration, Summary, summarise};
pub use table::{Line, Point, Shown, Table, table};
pub use target::{Progress, TargetPath};
