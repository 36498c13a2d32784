//! The command line: every command generated from the spec, plus the
//! docker-style commands that combine several operations (`run`, `exec`,
//! `cp`, `build`, ...). Each of those lives in its own file here as an
//! `XArgs` struct (clap) with `async fn run(self, client) -> Result<Output, Error>`;
//! the logic it needs beyond the generated client lives beside it.

mod attach;
mod build;
mod cp;
mod dockerignore;
mod exec;
mod run;
mod session;
mod stats;
mod terminal;

use berth_client::Client;

use berth::support::{Error, Output};

/// Every command `berth` knows.
// Argument structs differ in size; a command is parsed once, so boxing would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// The commands generated from the spec, grouped by tag.
    #[command(flatten)]
    Api(crate::commands::Command),
    /// Create and run a new container from an image.
    Run(run::RunArgs),
    /// Run a command in a running container.
    Exec(exec::ExecArgs),
    /// Attach to a running container's input and output.
    Attach(attach::AttachArgs),
    /// Show containers' resource use (CPU, memory, network, block I/O, PIDs).
    Stats(stats::StatsArgs),
    /// Copy files/folders between a container and the local filesystem.
    Cp(cp::CpArgs),
    /// Build an image from a Dockerfile.
    Build(build::BuildArgs),
}

/// Docker-style commands of the `container` group, beside the generated
/// ones (docker has them both at the top level and there).
#[derive(Debug, clap::Subcommand)]
pub enum ContainerCommand {
    /// Attach to a running container's input and output.
    Attach(attach::AttachArgs),
    /// Show containers' resource use (CPU, memory, network, block I/O, PIDs).
    Stats(stats::StatsArgs),
}

impl ContainerCommand {
    /// Runs the command against the daemon.
    pub async fn run(self, client: &Client) -> Result<Output, Error> {
        match self {
            ContainerCommand::Attach(args) => args.run(client).await,
            ContainerCommand::Stats(args) => args.run(client).await,
        }
    }
}

impl Command {
    /// Runs the command against the daemon.
    pub async fn run(self, client: &Client) -> Result<Output, Error> {
        match self {
            Command::Api(command) => command.run(client).await,
            Command::Run(args) => args.run(client).await,
            Command::Exec(args) => args.run(client).await,
            Command::Attach(args) => args.run(client).await,
            Command::Stats(args) => args.run(client).await,
            Command::Cp(args) => args.run(client).await,
            Command::Build(args) => args.run(client).await,
        }
    }
}

/// A process exit code as a process exit status (0–255, as the shell sees it).
pub fn exit_status(code: i64) -> u8 {
    (code & 0xff) as u8
}
