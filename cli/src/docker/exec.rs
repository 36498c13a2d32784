//! `berth exec`: run a command in a running container, as `docker exec`:
//! ExecCreate, then ExecStart over an upgraded connection (or detached),
//! then ExecInspect for the command's exit code, which becomes berth's.

use berth_client::api::{ExecApi, ExecStartOutcome};
use berth_client::types::{ExecConfig, ExecStartConfig};
use berth_client::Client;

use super::session::{parse_detach_keys, Ended, Resize, Session, DEFAULT_DETACH_KEYS};
use super::{exit_status, terminal};
use berth::support::{Error, Output};

/// A command that could not be executed.
const CANNOT_EXECUTE: u8 = 126;
/// A command that was not found.
const NOT_FOUND: u8 = 127;

/// Whether the daemon's words say the command does not exist. Daemons before
/// API 1.42 report every failed exec start as 126; newer ones say 127 when
/// the command is missing, and so does berth, whatever the daemon.
fn names_a_missing_command(output: &[u8]) -> bool {
    let text = String::from_utf8_lossy(output);
    text.contains("OCI runtime exec failed")
        && (text.contains("executable file not found")
            || text.contains("no such file or directory"))
}

/// Run a command in a running container.
#[derive(Debug, clap::Args)]
pub struct ExecArgs {
    /// Keep stdin open and send it to the command.
    #[arg(short = 'i', long = "interactive")]
    interactive: bool,
    /// Give the command a TTY.
    #[arg(short = 't', long = "tty")]
    tty: bool,
    /// Start the command and return at once.
    #[arg(short = 'd', long = "detach")]
    detach: bool,
    /// Set an environment variable (repeatable).
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// Working directory inside the container.
    #[arg(short = 'w', long = "workdir", value_name = "DIR")]
    workdir: Option<String>,
    /// User to run as: `name|uid[:group|gid]`.
    #[arg(short = 'u', long = "user", value_name = "USER")]
    user: Option<String>,
    /// Give the command extended privileges.
    #[arg(long = "privileged")]
    privileged: bool,
    /// Keys that detach from the command, e.g. `ctrl-p,ctrl-q`.
    #[arg(long = "detach-keys", value_name = "KEYS", value_parser = parse_detach_keys)]
    detach_keys: Option<Vec<u8>>,
    /// The container.
    #[arg(value_name = "CONTAINER")]
    container: String,
    /// The command and its arguments.
    #[arg(
        value_name = "COMMAND",
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    command: Vec<String>,
}

impl ExecArgs {
    /// Runs the command; its exit code becomes berth's.
    pub async fn run(self, client: &Client) -> Result<Output, Error> {
        if self.interactive && self.tty && !terminal::stdin_is_terminal() {
            return Err(Error::Input("the input device is not a TTY".to_owned()));
        }
        let config = ExecConfig {
            attach_stdin: Some(self.interactive && !self.detach),
            attach_stdout: Some(!self.detach),
            attach_stderr: Some(!self.detach),
            tty: Some(self.tty),
            env: (!self.env.is_empty()).then_some(self.env),
            cmd: Some(self.command),
            working_dir: self.workdir,
            user: self.user,
            privileged: Some(self.privileged),
            console_size: self
                .tty
                .then(terminal::size)
                .flatten()
                .map(|(rows, cols)| vec![i64::from(rows), i64::from(cols)]),
            ..Default::default()
        };
        let exec = client.container_exec(&self.container, &config).await?;
        let start = ExecStartConfig {
            detach: Some(self.detach),
            tty: Some(self.tty),
            ..Default::default()
        };
        let outcome = client.exec_start(&exec.id, &start).await?;
        if self.detach {
            return Ok(Output::Nothing);
        }
        let connection = match outcome {
            ExecStartOutcome::SwitchingProtocols(connection) => connection,
            ExecStartOutcome::Ok(output) => {
                // A daemon that does not switch protocols streams output only.
                crate::render::render(Output::Logs(output)).await?;
                return self::exit_code(client, &exec.id).await;
            }
        };
        let session = Session {
            stdin: self.interactive,
            tty: self.tty.then(|| Resize::Exec(exec.id.clone())),
            detach_keys: Some(
                self.detach_keys
                    .unwrap_or_else(|| DEFAULT_DETACH_KEYS.to_vec()),
            ),
        };
        match session.run(client, connection).await? {
            Ended::Detached => Ok(Output::Nothing),
            Ended::OutputClosed(tail) => match exit_code(client, &exec.id).await? {
                Output::Exit(CANNOT_EXECUTE) if names_a_missing_command(&tail) => {
                    Ok(Output::Exit(NOT_FOUND))
                }
                other => Ok(other),
            },
        }
    }
}

/// The finished command's exit code, from ExecInspect. The output can end a
/// moment before the daemon records the exit, so a running instance is asked
/// again, briefly.
async fn exit_code(client: &Client, exec_id: &str) -> Result<Output, Error> {
    for _ in 0..100 {
        let inspected = client.exec_inspect(exec_id).await?;
        if let (false, Some(code)) = (inspected.running, inspected.exit_code) {
            return Ok(Output::Exit(exit_status(code)));
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Err(Error::Input(format!(
        "exec {exec_id} did not report an exit code"
    )))
}
