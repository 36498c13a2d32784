//! The command line: every command generated from the spec, plus the
//! docker-style commands that combine several operations (`run`, `exec`,
//! `cp`, `build`, ...). Each of those lives in its own file here as an
//! `XArgs` struct (clap) with `async fn run(self, client) -> Result<Output, Error>`;
//! the logic it needs beyond the generated client lives beside it.

use berth_client::Client;

use crate::support::{Error, Output};

/// Every command `berth` knows.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// The commands generated from the spec, grouped by tag.
    #[command(flatten)]
    Api(crate::commands::Command),
}

impl Command {
    /// Runs the command against the daemon.
    pub async fn run(self, client: &Client) -> Result<Output, Error> {
        match self {
            Command::Api(command) => command.run(client).await,
        }
    }
}
