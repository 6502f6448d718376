//! Where a webhook may be sent. A subscriber's URL is fetched by our server, so it must not
//! reach what only the server can: loopback, private networks, link-local addresses (where
//! cloud metadata services answer), and the like. The rule is checked on the URL when a
//! subscription is made and on every address a name resolves to when a delivery connects,
//! so a name that later points inside is refused too. An operator who runs receivers on
//! the same network (and the tests) allows private addresses with `--webhook-allow-private`.

use std::net::{IpAddr, Ipv4Addr};

/// Whether the public internet may not reach `ip`: anything but a global unicast address.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return internal_v4(v4);
            }
            let s = v6.segments();
            // NAT64 (64:ff9b::/96) carries an IPv4 address in its last 32 bits.
            if s[0..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                return internal_v4(Ipv4Addr::from((u32::from(s[6]) << 16) | u32::from(s[7])));
            }
            v6.is_unspecified()
                || v6.is_loopback()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated) fec0::/10
                || s[0] == 0x2001 && s[1] == 0x0db8 // documentation
                || s[0..6] == [0, 0, 0, 0, 0, 0] // IPv4-compatible (deprecated)
        }
    }
}

fn internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_unspecified()
        || a == 0 // "this network"
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254/16, the metadata services among them
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier NAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) || (a == 198 && b == 51 && c == 100) || (a == 203 && b == 0 && c == 113) // documentation
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || ip.is_multicast()
        || a >= 240 // reserved, and the broadcast address
}

/// Why a URL may not be subscribed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlProblem {
    /// Not an absolute http(s) URL with a host.
    Malformed,
    /// Credentials in the URL would be sent with every delivery and shown in the log.
    Credentials,
    /// The host is (or resolves to) an internal address.
    Internal(IpAddr),
}

/// The longest URL a subscription takes.
pub const MAX_URL: usize = 2000;

/// Checks a subscriber's URL: an absolute http(s) URL with a host and no credentials, whose
/// host is not an internal address or `localhost` (unless `allow_private`). Other names are
/// not resolved here (that would make subscribing depend on DNS and race with it): every
/// delivery resolves them and refuses internal addresses when it connects.
pub fn check_url(url: &str, allow_private: bool) -> Result<reqwest::Url, UrlProblem> {
    if url.len() > MAX_URL {
        return Err(UrlProblem::Malformed);
    }
    let parsed = reqwest::Url::parse(url).map_err(|_| UrlProblem::Malformed)?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(UrlProblem::Malformed);
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(UrlProblem::Credentials);
    }
    let host = parsed.host_str().filter(|h| !h.is_empty()).ok_or(UrlProblem::Malformed)?.to_ascii_lowercase();
    if allow_private {
        return Ok(parsed);
    }
    if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        return if is_internal(ip) { Err(UrlProblem::Internal(ip)) } else { Ok(parsed) };
    }
    let name = host.trim_end_matches('.');
    if name == "localhost" || name.ends_with(".localhost") {
        return Err(UrlProblem::Internal(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn loopback_private_link_local_and_metadata_addresses_are_internal() {
        for s in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.100.100.200",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "fc00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(is_internal(ip(s)), "{s} should be internal");
        }
    }

    #[test]
    fn public_addresses_are_not_internal() {
        for s in ["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2400:3200::1", "::ffff:8.8.8.8"] {
            assert!(!is_internal(ip(s)), "{s} should be public");
        }
    }

    #[test]
    fn urls_to_internal_hosts_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1:9000/hook",
            "http://[::1]/hook",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.5/hook",
            "http://localhost:8080/hook",
            "http://api.localhost./hook",
        ] {
            assert!(matches!(check_url(url, false), Err(UrlProblem::Internal(_))), "{url}");
            assert!(check_url(url, true).is_ok(), "{url} with private allowed");
        }
        assert_eq!(check_url("ftp://example.com/", false), Err(UrlProblem::Malformed));
        assert_eq!(check_url("not a url", false), Err(UrlProblem::Malformed));
        assert_eq!(check_url("https://user:pw@example.com/", false), Err(UrlProblem::Credentials));
        assert!(check_url("https://203.119.1.1/hook", false).is_ok());
    }
}
