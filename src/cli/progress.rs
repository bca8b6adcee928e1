//! A progress bar on stderr: only when stderr is a terminal, and only once the scan has taken
//! more than a moment. Nothing at all otherwise (CI logs stay clean).

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long a scan runs before the bar appears.
const DELAY: Duration = Duration::from_millis(400);
const TICK: Duration = Duration::from_millis(80);

pub struct Progress {
    done: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Start counting `total` files; draws only if `enabled` and stderr is a terminal.
    pub fn start(total: usize, enabled: bool) -> Progress {
        let done = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let draw = enabled && total > 1 && std::io::stderr().is_terminal();
        let thread = draw.then(terminal).flatten().map(|out| {
            let done = Arc::clone(&done);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || run(total, &done, &stop, out))
        });
        Progress { done, stop, thread }
    }

    pub fn inc(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    pub fn finish(mut self) {
        self.end();
    }

    fn end(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.end();
    }
}

fn sleep_unless_stopped(stop: &AtomicBool, total: Duration) -> bool {
    let mut slept = Duration::ZERO;
    while slept < total {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        std::thread::sleep(TICK.min(total - slept));
        slept += TICK;
    }
    !stop.load(Ordering::Relaxed)
}

/// Our own handle on stderr: the caller may hold `std::io::stderr()`'s lock for the whole run
/// (`djsec`'s `main` does), and waiting for it here would never end.
#[cfg(unix)]
fn terminal() -> Option<std::fs::File> {
    use std::os::fd::AsFd;
    let fd = std::io::stderr().as_fd().try_clone_to_owned().ok()?;
    Some(std::fs::File::from(fd))
}

#[cfg(not(unix))]
fn terminal() -> Option<std::fs::File> {
    None
}

fn run(total: usize, done: &AtomicUsize, stop: &AtomicBool, mut err: std::fs::File) {
    if !sleep_unless_stopped(stop, DELAY) {
        return;
    }
    loop {
        let n = done.load(Ordering::Relaxed).min(total);
        let width = 30;
        let filled = n * width / total.max(1);
        let line = format!(
            "\r[{}{}] {n}/{total} files",
            "=".repeat(filled),
            " ".repeat(width - filled)
        );
        let _ = err.write_all(line.as_bytes());
        let _ = err.flush();
        if !sleep_unless_stopped(stop, TICK) {
            break;
        }
    }
    let _ = write!(err, "\r\x1b[2K");
    let _ = err.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting_never_waits_for_the_stderr_lock() {
        // Holding stderr's lock (as `main` does) while the bar runs must not deadlock.
        let _held = std::io::stderr().lock();
        let progress = Progress::start(10, true);
        for _ in 0..10 {
            progress.inc();
        }
        progress.finish();
    }
}
