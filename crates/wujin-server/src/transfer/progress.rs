//! Progress of long jobs: a bar on a terminal; elsewhere (a pipe, a log, CI) a plain line
//! every thousand rows (every hundredth of the job when that is more), which is also what a
//! supervising process can follow.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
    lines: bool,
    label: String,
    done: u64,
    total: u64,
    step: u64,
}

pub const LINE_EVERY: u64 = 1000;

impl Progress {
    /// `quiet` shows nothing (tests, library use); otherwise a bar when stderr is a terminal.
    pub fn new(label: &str, total: u64, quiet: bool) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        let bar = (!quiet && terminal).then(|| {
            let b = ProgressBar::new(total);
            b.set_style(
                ProgressStyle::with_template("{msg:12} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            b.set_message(label.to_string());
            b
        });
        Progress {
            bar,
            lines: !quiet && !terminal,
            label: label.to_string(),
            done: 0,
            total,
            step: LINE_EVERY.max(total / 100),
        }
    }

    pub fn inc(&mut self, n: u64) {
        let before = self.done;
        self.done += n;
        if let Some(b) = &self.bar {
            b.inc(n);
        } else if self.lines && (before / self.step != self.done / self.step || self.done == self.total) {
            eprintln!("{}: {}/{}", self.label, self.done, self.total);
        }
    }

    pub fn done(&self) -> u64 {
        self.done
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
