//! Printing a command's output the way a Docker user expects: JSON indented
//! on a terminal and compact in pipes, progress as status lines, container
//! output on the stream it was written to.

use std::io::{IsTerminal, Write};

use berth_client::{LogStream, StreamKind};
use futures_util::{FutureExt, StreamExt};
use tokio::io::AsyncWriteExt;

use berth::support::{Error, Output};

/// Prints `output` to stdout (and stderr for a container's stderr).
pub async fn render(output: Output) -> Result<(), Error> {
    let stdout = std::io::stdout();
    match output {
        Output::Nothing | Output::Exit(_) => Ok(()),
        Output::Json(value) => {
            let mut out = stdout.lock();
            let written = if stdout.is_terminal() {
                serde_json::to_writer_pretty(&mut out, &value)
            } else {
                serde_json::to_writer(&mut out, &value)
            };
            written.map_err(|e| Error::Input(format!("cannot write the result: {e}")))?;
            writeln!(out).map_err(io)
        }
        Output::Text(text) => {
            let mut out = stdout.lock();
            out.write_all(text.as_bytes()).map_err(io)?;
            if !text.ends_with('\n') {
                writeln!(out).map_err(io)?;
            }
            Ok(())
        }
        Output::Bytes(stream, Some(target)) => crate::download::save(stream, &target).await,
        Output::Bytes(_, None) if stdout.is_terminal() => Err(Error::Input(
            "refusing to write binary data to a terminal: use -o FILE or redirect the output"
                .to_owned(),
        )),
        Output::Bytes(mut stream, None) => {
            while let Some(chunk) = stream.next().await {
                stdout.lock().write_all(&chunk?).map_err(io)?;
            }
            stdout.lock().flush().map_err(io)
        }
        Output::Items(mut stream) => {
            let mut display = crate::progress::for_stdout(stdout.is_terminal());
            let mut result = Ok(());
            while let Some(item) = stream.next().await {
                result = item
                    .map_err(Error::from)
                    .and_then(|item| display.show(&item).map_err(io));
                if result.is_err() {
                    break;
                }
            }
            display.finish();
            result
        }
        Output::Logs(stream) => write_output(stream).await,
        Output::Session(connection) => {
            let (output, mut input) = connection.split();
            // Stdin flows in until it ends, then the write side half-closes
            // so the process inside sees end of file.
            let feed = tokio::spawn(async move {
                let mut stdin = tokio::io::stdin();
                if tokio::io::copy(&mut stdin, &mut input).await.is_ok() {
                    let _ = input.shutdown().await;
                }
            });
            let result = write_output(output).await;
            feed.abort();
            result
        }
    }
}

/// Writes a container's output: stdout chunks to stdout, stderr to stderr.
async fn write_output(mut stream: LogStream) -> Result<(), Error> {
    // Daemons send one small frame per line: buffer, and flush whenever the
    // stream has nothing more ready, so followed output still shows at once.
    let mut stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let mut stderr = std::io::BufWriter::with_capacity(16 * 1024, std::io::stderr().lock());
    loop {
        let next = match stream.next().now_or_never() {
            Some(next) => next,
            None => {
                stdout.flush().map_err(io)?;
                stderr.flush().map_err(io)?;
                stream.next().await
            }
        };
        let Some(chunk) = next else { break };
        let chunk = chunk?;
        match chunk.kind {
            StreamKind::Stderr => {
                // Keep the two streams in order for a reader of both.
                stdout.flush().map_err(io)?;
                stderr.write_all(&chunk.data).map_err(io)?;
            }
            StreamKind::Stdout | StreamKind::Stdin => {
                stderr.flush().map_err(io)?;
                stdout.write_all(&chunk.data).map_err(io)?;
            }
        }
    }
    stdout.flush().map_err(io)?;
    stderr.flush().map_err(io)
}

fn io(e: std::io::Error) -> Error {
    Error::Client(berth_client::Error::Io(e))
}
