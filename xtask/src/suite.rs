//! Running one test suite as a child process and reading its counts from libtest-style output.

use anyhow::{Context, Result};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

/// What one suite did: its counts, whether it was skipped, and how long it took.
#[derive(Debug, Clone)]
pub struct SuiteOutcome {
    pub name: String,
    pub passed: u64,
    pub failed: u64,
    pub ignored: u64,
    /// Set when the suite did not run at all (the reason is printed in the summary).
    pub skipped: Option<String>,
    /// Set when the process failed without a failing test being counted (build error, crash).
    pub error: Option<String>,
    pub seconds: f64,
}

impl SuiteOutcome {
    /// A suite that was not run, with the reason.
    pub fn skipped(name: &str, why: &str) -> Self {
        SuiteOutcome {
            name: name.to_string(),
            passed: 0,
            failed: 0,
            ignored: 0,
            skipped: Some(why.to_string()),
            error: None,
            seconds: 0.0,
        }
    }

    /// A check that is not a test runner (fmt, clippy, freshness): one pass or one failure.
    pub fn check(name: &str, started: Instant, result: Result<()>) -> Self {
        let (passed, failed, error) = match result {
            Ok(()) => (1, 0, None),
            Err(e) => (0, 1, Some(format!("{e:#}"))),
        };
        SuiteOutcome {
            name: name.to_string(),
            passed,
            failed,
            ignored: 0,
            skipped: None,
            error,
            seconds: started.elapsed().as_secs_f64(),
        }
    }

    /// True when nothing failed.
    pub fn ok(&self) -> bool {
        self.failed == 0 && self.error.is_none()
    }

    /// The one summary line printed for this suite.
    pub fn summary_line(&self) -> String {
        if let Some(why) = &self.skipped {
            return format!("{:<28} skipped: {why}", self.name);
        }
        let mut line = format!(
            "{:<28} {} passed, {} failed, {} ignored ({:.1}s)",
            self.name, self.passed, self.failed, self.ignored, self.seconds
        );
        if let Some(err) = &self.error {
            let first = err.lines().next().unwrap_or_default();
            line.push_str(&format!(" -- ERROR: {first}"));
        }
        line
    }
}

/// Counts read from libtest's `test result: ok. 3 passed; 0 failed; 1 ignored; …` lines.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
    pub ignored: u64,
}

/// Adds the counts of one output line to `counts` when it is a libtest result line.
pub fn read_result_line(line: &str, counts: &mut Counts) -> bool {
    let Some(rest) = line.trim().strip_prefix("test result: ") else {
        return false;
    };
    let number_before = |word: &str| -> u64 {
        rest.split(';')
            .filter_map(|part| {
                let part = part
                    .trim()
                    .trim_start_matches("ok.")
                    .trim_start_matches("FAILED.");
                let mut it = part.split_whitespace();
                let n = it.next()?.parse::<u64>().ok()?;
                (it.next()? == word).then_some(n)
            })
            .sum()
    };
    counts.passed += number_before("passed");
    counts.failed += number_before("failed");
    counts.ignored += number_before("ignored");
    true
}

/// Runs `cmd`, echoing its output, and reads libtest result lines from it.
pub fn run_test_command(name: &str, mut cmd: Command) -> SuiteOutcome {
    let started = Instant::now();
    println!("\n==> {name}: {cmd:?}");
    let result = (|| -> Result<(Counts, bool)> {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {cmd:?}"))?;
        let mut counts = Counts::default();
        let stdout = child.stdout.take().context("no stdout")?;
        for line in BufReader::new(stdout).lines() {
            let line = line?;
            println!("{line}");
            read_result_line(&line, &mut counts);
        }
        let status = child.wait()?;
        Ok((counts, status.success()))
    })();
    let seconds = started.elapsed().as_secs_f64();
    match result {
        Ok((counts, success)) => SuiteOutcome {
            name: name.to_string(),
            passed: counts.passed,
            failed: counts.failed,
            ignored: counts.ignored,
            skipped: None,
            error: (!success && counts.failed == 0)
                .then(|| "the command failed before any test failed (see output above)".into()),
            seconds,
        },
        Err(e) => SuiteOutcome {
            name: name.to_string(),
            passed: 0,
            failed: 0,
            ignored: 0,
            skipped: None,
            error: Some(format!("{e:#}")),
            seconds,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_libtest_result_lines() {
        let mut c = Counts::default();
        assert!(read_result_line(
            "test result: ok. 12 passed; 0 failed; 3 ignored; 0 measured; 0 filtered out; finished in 0.01s",
            &mut c
        ));
        assert!(read_result_line(
            "test result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out",
            &mut c
        ));
        assert!(!read_result_line("running 3 tests", &mut c));
        assert_eq!(
            c,
            Counts {
                passed: 13,
                failed: 2,
                ignored: 3
            }
        );
    }
}
