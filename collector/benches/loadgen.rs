//! A small HTTP/1.1 keep-alive load generator for the benchmarks: closed-loop (as fast as the server
//! answers, to find the maximum rate) and open-loop (a fixed request rate, with latency measured from
//! each request's scheduled send time so a stalled server cannot hide its queueing delay).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// Builds the `n`-th request of a run.
pub type MakeRequest = Arc<dyn Fn(u64) -> Request<Full<Bytes>> + Send + Sync>;

/// What one run measured.
#[derive(Debug, Default)]
pub struct RunStats {
    /// Requests answered with a 2xx status.
    pub ok: u64,
    /// Requests answered otherwise, or failed on the connection.
    pub errors: u64,
    /// Wall-clock length of the run.
    pub elapsed: Duration,
    /// Latency of every 2xx answer, in microseconds, sorted.
    pub latencies_us: Vec<u32>,
    /// First few error descriptions, for the report.
    pub sample_errors: Vec<String>,
    /// CPU time the whole process (load generator and server) used during the run.
    pub cpu: Duration,
}

impl RunStats {
    /// Successful requests per second.
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Process CPU time per successful request, in microseconds: unlike the rate, hardly affected
    /// by other work on the machine.
    pub fn cpu_us_per_request(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / (self.ok.max(1) as f64)
    }

    /// The `p`-th percentile latency in milliseconds (`p` in 0..=100).
    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * (self.latencies_us.len() - 1) as f64).round() as usize;
        f64::from(self.latencies_us[rank.min(self.latencies_us.len() - 1)]) / 1000.0
    }
}

struct Worker {
    ok: u64,
    errors: u64,
    latencies_us: Vec<u32>,
    sample_errors: Vec<String>,
}

async fn connect(addr: SocketAddr) -> anyhow::Result<http1::SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    Ok(sender)
}

/// Sends one request on `sender` and waits for the whole answer; `Ok(true)` for a 2xx.
async fn send(
    sender: &mut http1::SendRequest<Full<Bytes>>,
    req: Request<Full<Bytes>>,
) -> anyhow::Result<(bool, u16)> {
    sender.ready().await?;
    let resp = sender.send_request(req).await?;
    let status = resp.status();
    resp.into_body().collect().await?;
    Ok((status.is_success(), status.as_u16()))
}

/// Records one outcome; reconnects after a connection error.
async fn record(
    w: &mut Worker,
    sender: &mut http1::SendRequest<Full<Bytes>>,
    addr: SocketAddr,
    result: anyhow::Result<(bool, u16)>,
    started: Instant,
) {
    match result {
        Ok((true, _)) => {
            w.ok += 1;
            w.latencies_us
                .push(started.elapsed().as_micros().min(u32::MAX as u128) as u32);
        }
        Ok((false, status)) => {
            w.errors += 1;
            if w.sample_errors.len() < 3 {
                w.sample_errors.push(format!("HTTP {status}"));
            }
        }
        Err(e) => {
            w.errors += 1;
            if w.sample_errors.len() < 3 {
                w.sample_errors.push(e.to_string());
            }
            if let Ok(s) = connect(addr).await {
                *sender = s;
            }
        }
    }
}

/// CPU time (user + system) this process has used so far, from `/proc/self/stat` (zero elsewhere).
pub fn process_cpu() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the command name (which ends with the last ')'): utime and stime are the 12th
    // and 13th, in clock ticks (100 per second on Linux).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

fn merge(workers: Vec<Worker>, elapsed: Duration, cpu: Duration) -> RunStats {
    let mut stats = RunStats {
        elapsed,
        cpu,
        ..RunStats::default()
    };
    for w in workers {
        stats.ok += w.ok;
        stats.errors += w.errors;
        stats.latencies_us.extend(w.latencies_us);
        for e in w.sample_errors {
            if stats.sample_errors.len() < 5 {
                stats.sample_errors.push(e);
            }
        }
    }
    stats.latencies_us.sort_unstable();
    stats
}

/// Closed loop: `connections` keep-alive connections each send the next request as soon as the
/// previous one is answered, for `duration`.
pub async fn closed_loop(
    addr: SocketAddr,
    connections: usize,
    duration: Duration,
    make: MakeRequest,
) -> anyhow::Result<RunStats> {
    let counter = Arc::new(AtomicU64::new(0));
    let cpu = process_cpu();
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (counter, make) = (counter.clone(), make.clone());
        let mut sender = connect(addr).await?;
        tasks.push(tokio::spawn(async move {
            let mut w = Worker {
                ok: 0,
                errors: 0,
                latencies_us: Vec::new(),
                sample_errors: Vec::new(),
            };
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let t0 = Instant::now();
                let result = send(&mut sender, make(n)).await;
                record(&mut w, &mut sender, addr, result, t0).await;
            }
            w
        }));
    }
    let mut workers = Vec::new();
    for t in tasks {
        workers.push(t.await?);
    }
    Ok(merge(
        workers,
        started.elapsed(),
        process_cpu().saturating_sub(cpu),
    ))
}

/// Open loop: `rate` requests per second in total, spread over `connections` connections, each
/// request's latency measured from its scheduled send time.
pub async fn open_loop(
    addr: SocketAddr,
    connections: usize,
    rate: f64,
    duration: Duration,
    make: MakeRequest,
) -> anyhow::Result<RunStats> {
    let counter = Arc::new(AtomicU64::new(0));
    let per_connection = Duration::from_secs_f64(connections as f64 / rate.max(1.0));
    let cpu = process_cpu();
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for i in 0..connections {
        let (counter, make) = (counter.clone(), make.clone());
        let mut sender = connect(addr).await?;
        let offset = per_connection.mul_f64(i as f64 / connections as f64);
        tasks.push(tokio::spawn(async move {
            let mut w = Worker {
                ok: 0,
                errors: 0,
                latencies_us: Vec::new(),
                sample_errors: Vec::new(),
            };
            let mut scheduled = started + offset;
            while scheduled < deadline {
                tokio::time::sleep_until(scheduled.into()).await;
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let result = send(&mut sender, make(n)).await;
                record(&mut w, &mut sender, addr, result, scheduled).await;
                scheduled += per_connection;
            }
            w
        }));
    }
    let mut workers = Vec::new();
    for t in tasks {
        workers.push(t.await?);
    }
    Ok(merge(
        workers,
        started.elapsed(),
        process_cpu().saturating_sub(cpu),
    ))
}
