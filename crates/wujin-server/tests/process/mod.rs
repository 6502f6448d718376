//! A real `wujin serve` process for the crash tests: started on a port the kernel picks (read
//! from its "listening on" line), asked over plain HTTP, killed or stopped.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const WUJIN: &str = env!("CARGO_BIN_EXE_wujin");

pub struct Server {
    pub child: Child,
    pub addr: String,
}

/// Starts `wujin serve` on `db` with its index in `index`; returns once it listens.
pub fn start(db: &str, index: &Path) -> Server {
    start_with(db, index, &[])
}

/// The same, with more options for `serve`.
pub fn start_with(db: &str, index: &Path, more: &[&str]) -> Server {
    let mut child = Command::new(WUJIN)
        .args(["--db", db, "serve", "--addr", "127.0.0.1:0", "--index-dir"])
        .arg(index)
        .args(more)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = lines.next().expect("the server prints where it listens").unwrap();
    let addr = line.split("http://").nth(1).and_then(|s| s.split_whitespace().next()).unwrap().to_string();
    // Keep reading stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, addr }
}

/// GET `path`; the JSON body.
pub fn get(server: &Server, path: &str) -> Value {
    let mut s = TcpStream::connect(&server.addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: wujin\r\nConnection: close\r\n\r\n").unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let body = resp.split("\r\n\r\n").nth(1).unwrap();
    serde_json::from_str(body).unwrap_or_else(|_| panic!("{resp}"))
}

/// GET `path` as the holder of a session cookie (`wujin_session=…`); the JSON body.
pub fn get_as(server: &Server, path: &str, cookie: &str) -> Value {
    let mut s = TcpStream::connect(&server.addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: wujin\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n").unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let body = resp.split("\r\n\r\n").nth(1).unwrap();
    serde_json::from_str(body).unwrap_or_else(|_| panic!("{resp}"))
}

/// Reads /healthz until the supply graph is built, failing after `secs` seconds.
pub fn until_chain_built(server: &Server, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let h = get(server, "/healthz");
        match h["chain"].as_str() {
            Some("ok") => return,
            Some("building") => {}
            _ => panic!("{h}"),
        }
        assert!(Instant::now() < deadline, "the supply graph was not built within {secs} s: {h}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Reads /healthz until the index has caught up, failing after `secs` seconds; every answer
/// before that must say the store is fine and the index is catching up. Answers how many
/// times it was seen catching up.
pub fn until_caught_up(server: &Server, secs: u64) -> usize {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut catching_up = 0;
    loop {
        let h = get(server, "/healthz");
        assert_eq!(h["status"], "ok", "{h}");
        match h["index"].as_str() {
            Some("ok") => return catching_up,
            Some("catching_up") => {
                assert!(h["behind"].as_i64().is_some_and(|n| n >= 0), "{h}");
                catching_up += 1;
            }
            _ => panic!("{h}"),
        }
        assert!(Instant::now() < deadline, "the index did not catch up within {secs} s: {h}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `wujin import KIND FILE` into `db`, which must succeed.
pub fn import(db: &str, kind: &str, file: &Path) {
    let ok = Command::new(WUJIN)
        .args(["--db", db, "import", kind])
        .arg(file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success();
    assert!(ok, "import {kind} {}", file.display());
}

/// SIGKILL: no chance to clean up.
pub fn kill(mut server: Server) {
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}

/// SIGTERM, and the server must stop cleanly.
pub fn stop(mut server: Server) {
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    assert!(server.child.wait().unwrap().success(), "a graceful stop");
}

/// POST `body` (JSON) to `path` as a signed-in person (session cookie and CSRF token); the
/// status and the JSON body.
pub fn post_as(server: &Server, path: &str, body: &Value, cookie: &str, csrf: &str) -> (u16, Value) {
    let mut s = TcpStream::connect(&server.addr).unwrap();
    let body = body.to_string();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: wujin\r\nCookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let status = resp.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = resp.split("\r\n\r\n").nth(1).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// Reads /healthz until this server's search index has applied the change feed up to
/// `seq`, failing after `secs` seconds: waiting on the follower's position, not on a clock.
pub fn until_applied(server: &Server, seq: i64, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let h = get(server, "/healthz");
        if h["applied"].as_i64().is_some_and(|a| a >= seq) {
            return;
        }
        assert!(Instant::now() < deadline, "the index did not reach {seq} within {secs} s: {h}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
