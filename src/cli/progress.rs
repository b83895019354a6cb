//! The progress bar of `mcpcheck run`: on a terminal, a bar on stderr with each finished
//! check's line printed above it; elsewhere (CI logs, pipes) nothing at all, so the output
//! stays quiet and machine-friendly.

use crate::check::CheckResult;
use crate::report::console::check_line;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar over the checks of one run, or nothing.
pub struct Progress {
    bar: Option<ProgressBar>,
    color: bool,
}

impl Progress {
    /// A bar of `total` checks when `enabled` (stderr is a terminal), else a silent stand-in.
    pub fn new(total: usize, enabled: bool, color: bool) -> Progress {
        let bar = enabled.then(|| {
            let bar = ProgressBar::with_draw_target(
                Some(u64::try_from(total).unwrap_or(u64::MAX)),
                ProgressDrawTarget::stderr(),
            );
            let style = ProgressStyle::with_template("{bar:30} {pos}/{len} checks  {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        Progress { bar, color }
    }

    /// Prints the finished check's line above the bar and advances it.
    pub fn done(&self, c: &CheckResult) {
        if let Some(bar) = &self.bar {
            bar.println(check_line(c, self.color));
            bar.set_message(c.id.clone());
            bar.inc(1);
        }
    }

    /// Removes the bar.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}
