//! Sends one signed delivery: POST with the Standard Webhooks headers, no redirects, 10 s
//! for the whole exchange, at most 64 KiB of the answer read. Names are resolved by our own
//! resolver, which drops internal addresses (see `address`), so a receiver's name cannot be
//! pointed inside after it was subscribed.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wujin_store::webhooks::Attempt;

use super::address::is_internal;
use super::signature;

/// How long one delivery may take, connecting included.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// How much of a receiver's answer is read (and then dropped).
pub const MAX_ANSWER: usize = 64 * 1024;

/// Resolves names for deliveries, keeping only addresses the public internet reaches
/// (unless private addresses are allowed).
struct Guarded {
    allow_private: bool,
}

impl reqwest::dns::Resolve for Guarded {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow = self.allow_private;
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let kept: Vec<SocketAddr> = found.into_iter().filter(|a| allow || !is_internal(a.ip())).collect();
            if kept.is_empty() {
                let e = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "refused: an internal address");
                return Err(Box::new(e) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(kept.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The delivery client; cheap to clone.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    allow_private: bool,
}

/// One message ready to go.
pub struct Message<'a> {
    pub url: &'a str,
    pub msg_id: &'a str,
    pub body: &'a str,
    /// The secrets that sign it: the current one, and the previous one during a rotation.
    pub secrets: Vec<&'a str>,
}

impl Sender {
    pub fn new(allow_private: bool) -> Sender {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .user_agent(concat!("wujin-webhooks/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(Guarded { allow_private }))
            .build()
            .expect("a TLS client with the built-in roots");
        Sender { client, allow_private }
    }

    pub fn allow_private(&self) -> bool {
        self.allow_private
    }

    /// Sends `m` now (`now_ms` stamps it), and says what happened.
    pub async fn send(&self, m: &Message<'_>, now_ms: i64) -> Attempt {
        let started = Instant::now();
        let done = |status: Option<i64>, error: Option<String>| Attempt {
            at: now_ms,
            status,
            error,
            duration_ms: started.elapsed().as_millis() as i64,
        };
        // A literal address never reaches the resolver: check it here.
        if !self.allow_private
            && let Ok(url) = reqwest::Url::parse(m.url)
            && let Some(host) = url.host_str()
            && let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>()
            && is_internal(ip)
        {
            return done(None, Some(format!("refused: {ip} is an internal address")));
        }
        let timestamp = now_ms.div_euclid(1000);
        let sig = signature::header(&m.secrets, m.msg_id, timestamp, m.body.as_bytes());
        let sent = self
            .client
            .post(m.url)
            .header("content-type", "application/json")
            .header("webhook-id", m.msg_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", sig)
            .body(m.body.to_string())
            .send()
            .await;
        match sent {
            Ok(mut answer) => {
                let status = i64::from(answer.status().as_u16());
                let mut read = 0;
                while read < MAX_ANSWER {
                    match answer.chunk().await {
                        Ok(Some(c)) => read += c.len(),
                        _ => break,
                    }
                }
                done(Some(status), None)
            }
            Err(e) => done(None, Some(describe(&e))),
        }
    }
}

/// A short reason for the delivery log.
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if s.to_string().starts_with("refused") {
            text = s.to_string();
        }
        source = s.source();
    }
    text.chars().take(200).collect()
}
