//! `berth stats`: a table of containers' resource use, as `docker stats`:
//! redrawn as the daemon streams new samples, or printed once with
//! `--no-stream`. CPU % is the container's share of the host's CPU time
//! between two samples, times the number of CPUs, as docker computes it.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use berth_client::api::{ContainerApi, ContainerListParams, ContainerStatsParams};
use berth_client::types::ContainerStatsResponse;
use berth_client::Client;
use futures_util::stream::{self, StreamExt};

use berth::support::{Error, Output};

/// Show containers' resource use (CPU, memory, network, block I/O, PIDs).
#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// Print one sample and stop instead of updating the table.
    #[arg(long = "no-stream")]
    no_stream: bool,
    /// Include stopped containers when none are named.
    #[arg(short = 'a', long = "all")]
    all: bool,
    /// Containers to show (default: all running ones).
    #[arg(value_name = "CONTAINER")]
    containers: Vec<String>,
}

/// The least time between two redraws of the live table.
const REDRAW: Duration = Duration::from_millis(500);

impl StatsArgs {
    /// Shows the table; with `--no-stream` once, else until interrupted or
    /// every container's stream ends.
    pub async fn run(self, client: &Client) -> Result<Output, Error> {
        let containers = if self.containers.is_empty() {
            let listed = client
                .container_list(&ContainerListParams {
                    all: Some(self.all),
                    ..Default::default()
                })
                .await?;
            listed.into_iter().filter_map(|c| c.id).collect()
        } else {
            self.containers
        };
        let params = ContainerStatsParams {
            stream: Some(!self.no_stream),
            ..Default::default()
        };
        let mut streams = Vec::with_capacity(containers.len());
        for (index, container) in containers.iter().enumerate() {
            let samples = client.container_stats(container, &params).await?;
            streams.push(samples.map(move |sample| (index, sample)).boxed());
        }
        let mut rows: BTreeMap<usize, Row> = BTreeMap::new();
        let mut samples = stream::select_all(streams);
        let terminal = std::io::stdout().is_terminal();
        let mut drawn = Instant::now() - REDRAW;
        while let Some((index, sample)) = samples.next().await {
            rows.insert(index, Row::from(&sample?));
            let complete = rows.len() == containers.len();
            if !self.no_stream && complete && drawn.elapsed() >= REDRAW {
                draw(&rows, terminal)?;
                drawn = Instant::now();
            }
        }
        if self.no_stream || drawn.elapsed() >= REDRAW {
            draw(&rows, false)?;
        }
        Ok(Output::Nothing)
    }
}

/// One line of the table.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    id: String,
    name: String,
    cpu_percent: f64,
    memory_used: u64,
    memory_limit: u64,
    network: (u64, u64),
    block: (u64, u64),
    pids: u64,
}

impl From<&ContainerStatsResponse> for Row {
    fn from(s: &ContainerStatsResponse) -> Self {
        let memory = s.memory_stats.as_ref();
        let usage = memory.and_then(|m| m.usage).unwrap_or(0);
        // The page cache is not the container's own use (cgroup v1 and v2 names).
        let cache = memory
            .and_then(|m| m.stats.as_ref())
            .and_then(|stats| {
                stats
                    .get("total_inactive_file")
                    .or_else(|| stats.get("inactive_file"))
                    .copied()
            })
            .filter(|&cache| cache < usage)
            .unwrap_or(0);
        let network = s
            .networks
            .iter()
            .flatten()
            .fold((0, 0), |(rx, tx), (_, n)| {
                (rx + n.rx_bytes.unwrap_or(0), tx + n.tx_bytes.unwrap_or(0))
            });
        let block = s
            .blkio_stats
            .as_ref()
            .and_then(|b| b.io_service_bytes_recursive.as_ref())
            .into_iter()
            .flatten()
            .fold((0, 0), |(read, write), entry| {
                match entry.op.as_deref().map(str::to_ascii_lowercase).as_deref() {
                    Some("read") => (read + entry.value.unwrap_or(0), write),
                    Some("write") => (read, write + entry.value.unwrap_or(0)),
                    _ => (read, write),
                }
            });
        Row {
            id: s
                .id
                .as_deref()
                .unwrap_or_default()
                .chars()
                .take(12)
                .collect(),
            name: s
                .name
                .as_deref()
                .unwrap_or_default()
                .trim_start_matches('/')
                .to_owned(),
            cpu_percent: cpu_percent(s),
            memory_used: usage - cache,
            memory_limit: memory.and_then(|m| m.limit).unwrap_or(0),
            network,
            block,
            pids: s.pids_stats.as_ref().and_then(|p| p.current).unwrap_or(0),
        }
    }
}

/// The container's CPU use between the previous sample and this one, in
/// percent of one CPU (so 200 % is two CPUs busy).
fn cpu_percent(s: &ContainerStatsResponse) -> f64 {
    let (Some(now), Some(before)) = (s.cpu_stats.as_ref(), s.precpu_stats.as_ref()) else {
        return 0.0;
    };
    let total = |c: &berth_client::types::ContainerCpuStats| {
        c.cpu_usage
            .as_ref()
            .and_then(|u| u.total_usage)
            .unwrap_or(0)
    };
    let container = total(now).saturating_sub(total(before)) as f64;
    let system = now
        .system_cpu_usage
        .unwrap_or(0)
        .saturating_sub(before.system_cpu_usage.unwrap_or(0)) as f64;
    let cpus = now
        .online_cpus
        .filter(|&n| n > 0)
        .map(|n| n as f64)
        .or_else(|| {
            now.cpu_usage
                .as_ref()
                .and_then(|u| u.percpu_usage.as_ref())
                .map(|p| p.len() as f64)
        })
        .unwrap_or(1.0);
    if container > 0.0 && system > 0.0 {
        container / system * cpus * 100.0
    } else {
        0.0
    }
}

fn draw(rows: &BTreeMap<usize, Row>, clear: bool) -> Result<(), Error> {
    let mut text = String::new();
    if clear {
        text.push_str("\x1b[2J\x1b[H");
    }
    text.push_str(&table(rows.values()));
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::Client(berth_client::Error::Io(e)))
}

fn table<'a>(rows: impl Iterator<Item = &'a Row>) -> String {
    let mut lines = vec![[
        "CONTAINER ID".to_owned(),
        "NAME".to_owned(),
        "CPU %".to_owned(),
        "MEM USAGE / LIMIT".to_owned(),
        "MEM %".to_owned(),
        "NET I/O".to_owned(),
        "BLOCK I/O".to_owned(),
        "PIDS".to_owned(),
    ]];
    for row in rows {
        let memory_percent = if row.memory_limit > 0 {
            row.memory_used as f64 / row.memory_limit as f64 * 100.0
        } else {
            0.0
        };
        lines.push([
            row.id.clone(),
            row.name.clone(),
            format!("{:.2}%", row.cpu_percent),
            format!(
                "{} / {}",
                binary_size(row.memory_used),
                binary_size(row.memory_limit)
            ),
            format!("{memory_percent:.2}%"),
            format!(
                "{} / {}",
                decimal_size(row.network.0),
                decimal_size(row.network.1)
            ),
            format!(
                "{} / {}",
                decimal_size(row.block.0),
                decimal_size(row.block.1)
            ),
            row.pids.to_string(),
        ]);
    }
    let widths: Vec<usize> = (0..8)
        .map(|c| {
            lines
                .iter()
                .map(|l| l.get(c).map_or(0, String::len))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut text = String::new();
    for line in &lines {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        text.push_str(cells.join("   ").trim_end());
        text.push('\n');
    }
    text
}

/// Memory in binary units, as docker shows it: `1.5MiB`.
fn binary_size(bytes: u64) -> String {
    scaled(bytes, 1024.0, &["B", "KiB", "MiB", "GiB", "TiB"])
}

/// Transfers in decimal units, as docker shows them: `1.2kB`.
fn decimal_size(bytes: u64) -> String {
    scaled(bytes, 1000.0, &["B", "kB", "MB", "GB", "TB"])
}

fn scaled(bytes: u64, base: f64, units: &[&str]) -> String {
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= base && unit + 1 < units.len() {
        value /= base;
        unit += 1;
    }
    let name = units.get(unit).copied().unwrap_or("B");
    if unit == 0 {
        format!("{bytes}{name}")
    } else {
        format!("{value:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
            + name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_dockers() {
        assert_eq!(binary_size(0), "0B");
        assert_eq!(binary_size(1536 * 1024), "1.5MiB");
        assert_eq!(decimal_size(1234), "1.234kB");
        assert_eq!(decimal_size(2_000_000), "2MB");
    }

    #[test]
    fn cpu_and_memory_from_a_sample() {
        let sample: ContainerStatsResponse = serde_json::from_value(serde_json::json!({
            "id": "0123456789abcdef", "name": "/web",
            "cpu_stats": {"cpu_usage": {"total_usage": 300}, "system_cpu_usage": 2000, "online_cpus": 2},
            "precpu_stats": {"cpu_usage": {"total_usage": 100}, "system_cpu_usage": 1000},
            "memory_stats": {"usage": 3000, "limit": 10000, "stats": {"total_inactive_file": 1000}},
            "networks": {"eth0": {"rx_bytes": 10, "tx_bytes": 20}, "eth1": {"rx_bytes": 1, "tx_bytes": 2}},
            "blkio_stats": {"io_service_bytes_recursive": [{"op": "Read", "value": 5}, {"op": "Write", "value": 7}]},
            "pids_stats": {"current": 3}
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let row = Row::from(&sample);
        assert_eq!(
            (row.id.as_str(), row.name.as_str()),
            ("0123456789ab", "web")
        );
        assert!(
            (row.cpu_percent - 40.0).abs() < 1e-9,
            "200/1000 of the host, 2 CPUs: {}",
            row.cpu_percent
        );
        assert_eq!((row.memory_used, row.memory_limit), (2000, 10000));
        assert_eq!((row.network, row.block, row.pids), ((11, 22), (5, 7), 3));
        let table = table([row].iter());
        assert!(table.starts_with("CONTAINER ID"), "{table}");
        assert!(
            table.contains("40.00%")
                && table.contains("20.00%")
                && table.contains("1.953KiB / 9.766KiB"),
            "{table}"
        );
    }
}
