//! Per-address limits on sign-in attempts. The per-account lock-out (five failures, fifteen
//! minutes) stops guessing one password; this stops one machine from trying many accounts.
//! Every attempt counts, failed or not and whether the account exists or not, so the limit
//! itself says nothing about which logins are real.
//!
//! Behind a reverse proxy every request comes from the proxy's address, and one limit for
//! all would lock everybody out together. Proxies named with `--trusted-proxy` are believed
//! about the client they forward for (`X-Forwarded-For`); nobody else is, so a client cannot
//! pick a fresh address per attempt by sending the header itself.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Attempts one address may make in a burst; after that one more every six seconds.
pub const SIGN_IN_BURST: u32 = 10;

pub struct SignInLimit {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    trusted_proxies: Vec<IpAddr>,
}

impl Default for SignInLimit {
    fn default() -> Self {
        SignInLimit::behind(vec![])
    }
}

impl SignInLimit {
    /// A limit for a server reached through these proxies (none: clients connect directly).
    pub fn behind(trusted_proxies: Vec<IpAddr>) -> Self {
        let burst = NonZeroU32::new(SIGN_IN_BURST).expect("burst above zero");
        let quota = Quota::with_period(Duration::from_secs(6)).expect("period above zero").allow_burst(burst);
        SignInLimit { limiter: RateLimiter::keyed(quota), trusted_proxies }
    }

    /// Ok if the client of this request may try now, else how long until it may. A request
    /// without a peer address (the router called in-process) is not limited.
    pub fn check_request(&self, extensions: &Extensions, headers: &HeaderMap) -> Result<(), Duration> {
        match extensions.get::<ConnectInfo<std::net::SocketAddr>>() {
            Some(peer) => self.check(self.client(peer.0.ip(), headers)),
            None => Ok(()),
        }
    }

    /// The client's address: the peer's, or, when the peer is a trusted proxy, the nearest
    /// address in `X-Forwarded-For` that is not itself a trusted proxy.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusted_proxies.contains(&peer) {
            return peer;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        for hop in hops.into_iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(ip) if self.trusted_proxies.contains(&ip) => continue,
                Ok(ip) => return ip,
                // Garbage in the chain: nothing left of it can be believed.
                Err(_) => break,
            }
        }
        peer
    }

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
