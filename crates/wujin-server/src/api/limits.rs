//! Per-address limits on sign-in attempts. The per-account lock-out (five failures, fifteen
//! minutes) stops guessing one password; this stops one machine from trying many accounts.
//! Every attempt counts, failed or not and whether the account exists or not, so the limit
//! itself says nothing about which logins are real.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Attempts one address may make in a burst; after that one more every six seconds.
pub const SIGN_IN_BURST: u32 = 10;

pub struct SignInLimit {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl Default for SignInLimit {
    fn default() -> Self {
        let burst = NonZeroU32::new(SIGN_IN_BURST).expect("burst above zero");
        let quota = Quota::with_period(Duration::from_secs(6)).expect("period above zero").allow_burst(burst);
        SignInLimit { limiter: RateLimiter::keyed(quota) }
    }
}

impl SignInLimit {
    /// Ok if `ip` may try now, else how long until it may.
    pub fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        self.limiter.check_key(&ip).map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// Forgets addresses whose allowance is full again, so the table stays as small as the
    /// set of addresses trying right now.
    pub fn tidy(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}
