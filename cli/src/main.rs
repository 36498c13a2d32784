//! `berth`: a Docker command-line tool whose commands are generated from the
//! Engine API spec. This file only wires the pieces: parse the command line,
//! connect, run the generated command, print, and exit with docker's codes.

mod docker;
mod download;
mod progress;
mod render;

use berth::support;

use std::process::ExitCode;

use clap::Parser;

/// The generated command tree (from `spec/docker-engine.yaml`).
mod commands {
    include!(concat!(env!("OUT_DIR"), "/cli.rs"));
}

/// A Docker client generated from the Engine API spec.
#[derive(Debug, Parser)]
#[command(name = "berth", version, about)]
struct Cli {
    /// Daemon socket to connect to (unix:///path or tcp://host:port).
    #[arg(
        short = 'H',
        long = "host",
        env = "DOCKER_HOST",
        global = true,
        value_name = "HOST"
    )]
    host: Option<String>,

    #[command(subcommand)]
    command: docker::Command,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(until_interrupted(run(cli)));
    // A read of stdin may still be blocked in a worker thread; do not wait for it.
    runtime.shutdown_background();
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(support::Error::Client(berth_client::Error::Io(e)))
            if e.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            // The reader went away (`berth … | head`): not an error of ours.
            ExitCode::SUCCESS
        }
        Err(support::Error::Interrupted) => ExitCode::from(130),
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs `work` unless Ctrl-C or SIGTERM comes first; then `work` is dropped,
/// so whatever it holds is undone on the way out (a partial download is
/// discarded, the terminal restored) and berth exits with 130.
async fn until_interrupted(
    work: impl std::future::Future<Output = Result<u8, support::Error>>,
) -> Result<u8, support::Error> {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return work.await;
    };
    tokio::select! {
        result = work => result,
        _ = interrupt.recv() => Err(support::Error::Interrupted),
        _ = terminate.recv() => Err(support::Error::Interrupted),
    }
}

/// Runs the command and prints its output; the exit status on success.
async fn run(cli: Cli) -> Result<u8, support::Error> {
    let mut builder = berth_client::Client::builder().from_env();
    if let Some(host) = cli.host {
        builder = builder.host(host);
    }
    let client = builder.build()?;
    let output = cli.command.run(&client).await?;
    let code = match output {
        support::Output::Exit(code) => code,
        _ => 0,
    };
    render::render(output).await?;
    Ok(code)
}
