//! `berth attach`: connect the terminal to a running container's main
//! process, as `docker attach`: stdin when the container keeps it open, a raw
//! terminal for a TTY container, ctrl-p ctrl-q to detach, and the
//! container's exit status when it ends.

use berth_client::api::{
    ContainerApi, ContainerAttachOutcome, ContainerAttachParams, ContainerInspectParams,
    ContainerWaitParams,
};
use berth_client::types::ContainerWaitCondition;
use berth_client::Client;

use super::exit_status;
use super::session::{parse_detach_keys, Ended, Resize, Session, DEFAULT_DETACH_KEYS};
use berth::support::{Error, Output};

/// Attach to a running container's input and output.
#[derive(Debug, clap::Args)]
pub struct AttachArgs {
    /// Do not send stdin.
    #[arg(long = "no-stdin")]
    no_stdin: bool,
    /// Keys that detach from the container, e.g. `ctrl-p,ctrl-q`.
    #[arg(long = "detach-keys", value_name = "KEYS", value_parser = parse_detach_keys)]
    detach_keys: Option<Vec<u8>>,
    /// The container.
    #[arg(value_name = "CONTAINER")]
    container: String,
}

impl AttachArgs {
    /// Attaches until the container ends (its status becomes berth's) or
    /// the user detaches (status 0).
    pub async fn run(self, client: &Client) -> Result<Output, Error> {
        let inspected = client
            .container_inspect(&self.container, &ContainerInspectParams::default())
            .await?;
        let running = inspected
            .state
            .as_ref()
            .and_then(|s| s.running)
            .unwrap_or(false);
        if !running {
            return Err(Error::Input(
                "You cannot attach to a stopped container, start it first".to_owned(),
            ));
        }
        let config = inspected.config.unwrap_or_default();
        let tty = config.tty.unwrap_or(false);
        let stdin = config.open_stdin.unwrap_or(false) && !self.no_stdin;
        let params = ContainerAttachParams {
            stream: Some(true),
            stdin: Some(stdin),
            stdout: Some(true),
            stderr: Some(true),
            ..Default::default()
        };
        let connection = match client.container_attach(&self.container, &params).await? {
            ContainerAttachOutcome::SwitchingProtocols(connection) => connection,
            ContainerAttachOutcome::Ok(output) => {
                crate::render::render(Output::Logs(output)).await?;
                return Ok(Output::Nothing);
            }
        };
        let id = inspected.id.unwrap_or(self.container);
        let session = Session {
            stdin,
            tty: tty.then(|| Resize::Container(id.clone())),
            detach_keys: Some(
                self.detach_keys
                    .unwrap_or_else(|| DEFAULT_DETACH_KEYS.to_vec()),
            ),
        };
        if matches!(session.run(client, connection).await?, Ended::Detached) {
            return Ok(Output::Nothing);
        }
        let wait = ContainerWaitParams {
            condition: Some(ContainerWaitCondition::NotRunning),
        };
        let status = client.container_wait(&id, &wait).await?.status_code;
        Ok(Output::Exit(exit_status(status)))
    }
}
