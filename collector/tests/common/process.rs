//! The real `collector` binary as a child process on 127.0.0.1, killed when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A running collector process.
pub struct CollectorProcess {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl CollectorProcess {
    /// Starts the binary on `database_url` with rate limits off and the given extra environment
    /// variables; returns once it has printed its `listening on` line.
    pub fn spawn(database_url: &str, env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_collector"));
        command
            .args([
                "--bind",
                "127.0.0.1:0",
                "--allow-http-origins",
                "--log-filter",
                "warn",
            ])
            .env("COLLECTOR_DATABASE_URL", database_url)
            .env("COLLECTOR_VISIT_RATE_LIMIT", "0")
            .env("COLLECTOR_PUBLIC_RATE_LIMIT", "0")
            .env("COLLECTOR_API_RATE_LIMIT", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("spawn collector");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read listening line");
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Self { child, base }
    }
}

impl CollectorProcess {
    /// The process id (for signals).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status, once the process has ended.
    pub fn try_wait(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().expect("wait for the collector")
    }
}

impl Drop for CollectorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
