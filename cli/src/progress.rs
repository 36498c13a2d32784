//! Showing a stream of daemon messages (progress of an import, pull, load,
//! push or build; events). On a terminal, progress draws like docker's: a line
//! per layer id with its status and a bar from `progressDetail`, and build
//! output above the bars. Elsewhere each message is one plain line.

use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value;

/// Receives the messages of one stream.
pub trait Display {
    /// Shows one message.
    fn show(&mut self, item: &Value) -> std::io::Result<()>;
    /// The stream ended (normally or not): leave the screen tidy.
    fn finish(&mut self);
}

/// The display for stdout: bars on a terminal, lines otherwise.
pub fn for_stdout(terminal: bool) -> Box<dyn Display> {
    if terminal {
        Box::new(Bars::new())
    } else {
        Box::new(Lines)
    }
}

fn field<'a>(item: &'a Value, name: &str) -> Option<&'a str> {
    item.get(name).and_then(Value::as_str)
}

/// One line per message: `id: status progress`, build text as is, other
/// messages as JSON.
pub struct Lines;

impl Display for Lines {
    fn show(&mut self, item: &Value) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        if let Some(text) = field(item, "stream") {
            return out.write_all(text.as_bytes());
        }
        match field(item, "status") {
            Some(status) => writeln!(out, "{}", status_line(item, status)),
            None => writeln!(out, "{item}"),
        }
    }

    fn finish(&mut self) {}
}

fn status_line(item: &Value, status: &str) -> String {
    let mut line = String::new();
    if let Some(id) = field(item, "id") {
        line.push_str(id);
        line.push_str(": ");
    }
    line.push_str(status);
    if let Some(progress) = field(item, "progress") {
        line.push(' ');
        line.push_str(progress);
    }
    line
}

/// Live bars, one per id.
pub struct Bars {
    multi: MultiProgress,
    bars: HashMap<String, ProgressBar>,
    with_total: ProgressStyle,
    without_total: ProgressStyle,
}

impl Bars {
    fn new() -> Self {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stdout());
        let with_total = ProgressStyle::with_template(
            "{prefix:.bold}: {msg:<18} [{bar:30}] {bytes}/{total_bytes}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        let without_total = ProgressStyle::with_template("{prefix:.bold}: {msg} {spinner}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        Bars {
            multi,
            bars: HashMap::new(),
            with_total,
            without_total,
        }
    }

    fn bar(&mut self, id: &str) -> &ProgressBar {
        let (multi, style) = (&self.multi, &self.without_total);
        self.bars.entry(id.to_owned()).or_insert_with(|| {
            let bar = multi.add(
                ProgressBar::no_length()
                    .with_style(style.clone())
                    .with_prefix(id.to_owned()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        })
    }
}

impl Display for Bars {
    fn show(&mut self, item: &Value) -> std::io::Result<()> {
        if let Some(text) = field(item, "stream") {
            for line in text.lines() {
                self.multi.println(line)?;
            }
            return Ok(());
        }
        let Some(status) = field(item, "status") else {
            return self.multi.println(item.to_string());
        };
        let Some(id) = field(item, "id") else {
            return self.multi.println(status);
        };
        let detail = item.get("progressDetail");
        let number = |name: &str| detail.and_then(|d| d.get(name)).and_then(Value::as_u64);
        let (current, total) = (number("current"), number("total"));
        let with_total = self.with_total.clone();
        let bar = self.bar(id);
        bar.set_message(status.to_owned());
        match (current, total) {
            (Some(current), Some(total)) if total > 0 => {
                bar.set_style(with_total);
                bar.set_length(total);
                bar.set_position(current);
            }
            (Some(current), _) => bar.set_position(current),
            _ => {}
        }
        Ok(())
    }

    fn finish(&mut self) {
        for bar in self.bars.values() {
            bar.disable_steady_tick();
            bar.finish();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_read_like_docker() {
        let item = serde_json::json!({"id": "abc", "status": "Downloading", "progress": "[==>  ] 1MB/2MB"});
        assert_eq!(
            status_line(&item, "Downloading"),
            "abc: Downloading [==>  ] 1MB/2MB"
        );
        let item = serde_json::json!({"status": "sha256:1234"});
        assert_eq!(status_line(&item, "sha256:1234"), "sha256:1234");
    }
}
