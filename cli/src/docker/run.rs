//! `berth run`: create a container, attach to it, start it, wait for it,
//! and remove it with `--rm`, as `docker run`. Exit status: the container's,
//! or 125 when the daemon refuses, 126 when the command cannot be executed,
//! 127 when it is not found.

use berth_client::api::{
    ContainerApi, ContainerAttachOutcome, ContainerAttachParams, ContainerCreateParams,
    ContainerDeleteParams, ContainerStartParams, ContainerWaitParams,
};
use berth_client::types::{ContainerCreateRequest, ContainerWaitCondition};
use berth_client::Client;
use serde_json::{json, Map, Value};

use super::session::{parse_detach_keys, Ended, Resize, Session, DEFAULT_DETACH_KEYS};
use super::{exit_status, terminal};
use berth::support::{Error, Output};

/// Exit status when the daemon refuses to create or start the container.
const DAEMON_ERROR: u8 = 125;
/// Exit status when the command exists but cannot be executed.
const CANNOT_EXECUTE: u8 = 126;
/// Exit status when the command is not found.
const NOT_FOUND: u8 = 127;

/// Create and run a new container from an image.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Run in the background and print the container ID.
    #[arg(short = 'd', long = "detach")]
    detach: bool,
    /// Keep stdin open and send it to the container.
    #[arg(short = 'i', long = "interactive")]
    interactive: bool,
    /// Give the container a TTY.
    #[arg(short = 't', long = "tty")]
    tty: bool,
    /// Remove the container when it exits.
    #[arg(long = "rm")]
    remove: bool,
    /// Name of the container.
    #[arg(long = "name", value_name = "NAME")]
    name: Option<String>,
    /// Set an environment variable (repeatable).
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// Bind-mount a volume or host path: `SRC:DST[:ro]` (repeatable).
    #[arg(short = 'v', long = "volume", value_name = "SRC:DST")]
    volumes: Vec<String>,
    /// Working directory inside the container.
    #[arg(short = 'w', long = "workdir", value_name = "DIR")]
    workdir: Option<String>,
    /// User to run as: `name|uid[:group|gid]`.
    #[arg(short = 'u', long = "user", value_name = "USER")]
    user: Option<String>,
    /// Network to connect the container to.
    #[arg(long = "network", value_name = "NETWORK")]
    network: Option<String>,
    /// Publish a container port: `[IP:]HOST:CONTAINER[/PROTO]` (repeatable).
    #[arg(short = 'p', long = "publish", value_name = "HOST:CONTAINER")]
    publish: Vec<String>,
    /// Override the image's entrypoint.
    #[arg(long = "entrypoint", value_name = "COMMAND")]
    entrypoint: Option<String>,
    /// Set a label (repeatable).
    #[arg(short = 'l', long = "label", value_name = "KEY=VALUE")]
    labels: Vec<String>,
    /// Keys that detach from the container, e.g. `ctrl-p,ctrl-q`.
    #[arg(long = "detach-keys", value_name = "KEYS", value_parser = parse_detach_keys)]
    detach_keys: Option<Vec<u8>>,
    /// The image.
    #[arg(value_name = "IMAGE")]
    image: String,
    /// The command and its arguments (default: the image's).
    #[arg(
        value_name = "COMMAND",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    command: Vec<String>,
}

impl RunArgs {
    /// Runs the container; its exit status becomes berth's.
    pub async fn run(self, client: &Client) -> Result<Output, Error> {
        if self.interactive && self.tty && !terminal::stdin_is_terminal() {
            return Err(Error::Input("the input device is not a TTY".to_owned()));
        }
        let body = self.create_request()?;
        let params = ContainerCreateParams {
            name: self.name.clone(),
            ..Default::default()
        };
        let created = match client.container_create(&params, &body).await {
            Ok(created) => created,
            Err(e) => return daemon_refused(e),
        };
        let id = created.id;
        for warning in created.warnings.into_iter().flatten() {
            eprintln!("WARNING: {warning}");
        }
        if self.detach {
            if let Err(e) = client
                .container_start(&id, &ContainerStartParams::default())
                .await
            {
                return start_failed(e);
            }
            println!("{id}");
            return Ok(Output::Nothing);
        }
        // Attach before starting, so no output is missed.
        let attach = ContainerAttachParams {
            stream: Some(true),
            stdin: Some(self.interactive),
            stdout: Some(true),
            stderr: Some(true),
            ..Default::default()
        };
        let connection = match client.container_attach(&id, &attach).await? {
            ContainerAttachOutcome::SwitchingProtocols(connection) => connection,
            ContainerAttachOutcome::Ok(_) => {
                return Err(Error::Input(
                    "the daemon did not switch protocols for attach".to_owned(),
                ))
            }
        };
        if let Err(e) = client
            .container_start(&id, &ContainerStartParams::default())
            .await
        {
            self.clean_up(client, &id).await;
            return start_failed(e);
        }
        let session = Session {
            stdin: self.interactive,
            tty: self.tty.then(|| Resize::Container(id.clone())),
            detach_keys: Some(
                self.detach_keys
                    .clone()
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
        self.clean_up(client, &id).await;
        Ok(Output::Exit(exit_status(status)))
    }

    async fn clean_up(&self, client: &Client, id: &str) {
        if self.remove {
            let params = ContainerDeleteParams {
                force: Some(true),
                v: Some(true),
                ..Default::default()
            };
            if let Err(e) = client.container_delete(id, &params).await {
                eprintln!("{e}");
            }
        }
    }

    /// The ContainerCreate body, built as JSON and decoded into its type so
    /// the spec's field names are the only ones used.
    fn create_request(&self) -> Result<ContainerCreateRequest, Error> {
        let mut body = Map::new();
        body.insert("Image".into(), json!(self.image));
        if !self.command.is_empty() {
            body.insert("Cmd".into(), json!(self.command));
        }
        if let Some(entrypoint) = &self.entrypoint {
            body.insert("Entrypoint".into(), json!([entrypoint]));
        }
        body.insert("Tty".into(), json!(self.tty));
        body.insert("OpenStdin".into(), json!(self.interactive));
        body.insert("StdinOnce".into(), json!(self.interactive));
        body.insert(
            "AttachStdin".into(),
            json!(self.interactive && !self.detach),
        );
        body.insert("AttachStdout".into(), json!(!self.detach));
        body.insert("AttachStderr".into(), json!(!self.detach));
        if !self.env.is_empty() {
            body.insert("Env".into(), json!(self.env));
        }
        if let Some(dir) = &self.workdir {
            body.insert("WorkingDir".into(), json!(dir));
        }
        if let Some(user) = &self.user {
            body.insert("User".into(), json!(user));
        }
        let labels = key_values(&self.labels, "label")?;
        if !labels.is_empty() {
            body.insert("Labels".into(), Value::Object(labels));
        }
        let mut host = Map::new();
        if !self.volumes.is_empty() {
            host.insert("Binds".into(), json!(self.volumes));
        }
        if let Some(network) = &self.network {
            host.insert("NetworkMode".into(), json!(network));
        }
        if self.detach && self.remove {
            host.insert("AutoRemove".into(), json!(true));
        }
        let (exposed, bindings) = ports(&self.publish)?;
        if !exposed.is_empty() {
            body.insert("ExposedPorts".into(), Value::Object(exposed));
            host.insert("PortBindings".into(), Value::Object(bindings));
        }
        body.insert("HostConfig".into(), Value::Object(host));
        serde_json::from_value(Value::Object(body))
            .map_err(|e| Error::Input(format!("invalid container settings: {e}")))
    }
}

/// `KEY=VALUE` flags as a JSON object (`KEY` alone means an empty value).
fn key_values(pairs: &[String], what: &str) -> Result<Map<String, Value>, Error> {
    let mut map = Map::new();
    for pair in pairs {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key.is_empty() {
            return Err(Error::Input(format!(
                "invalid {what} {pair:?}: expected KEY=VALUE"
            )));
        }
        map.insert(key.to_owned(), json!(value));
    }
    Ok(map)
}

/// A JSON object.
type Object = Map<String, Value>;

/// `-p [IP:]HOST:CONTAINER[/PROTO]` as ExposedPorts and PortBindings.
fn ports(specs: &[String]) -> Result<(Object, Object), Error> {
    let (mut exposed, mut bindings) = (Map::new(), Map::new());
    for spec in specs {
        let (address, proto) = spec.split_once('/').unwrap_or((spec, "tcp"));
        let parts: Vec<&str> = address.rsplitn(3, ':').collect();
        let (container, host, ip) = match parts.as_slice() {
            [container] => (*container, "", ""),
            [container, host] => (*container, *host, ""),
            [container, host, ip] => (*container, *host, *ip),
            _ => return Err(Error::Input(format!("invalid port {spec:?}"))),
        };
        if container.is_empty() || !container.chars().all(|c| c.is_ascii_digit() || c == '-') {
            return Err(Error::Input(format!(
                "invalid port {spec:?}: expected [IP:]HOST:CONTAINER[/PROTO]"
            )));
        }
        let key = format!("{container}/{proto}");
        exposed.insert(key.clone(), json!({}));
        let entry = bindings.entry(key).or_insert_with(|| json!([]));
        if let Value::Array(list) = entry {
            list.push(json!({"HostIp": ip, "HostPort": host}));
        }
    }
    Ok((exposed, bindings))
}

/// The daemon refused the container: its message, and docker's status 125.
fn daemon_refused(error: berth_client::Error) -> Result<Output, Error> {
    eprintln!("{error}");
    Ok(Output::Exit(DAEMON_ERROR))
}

/// Starting failed: 127 when the command is not found, 126 when it cannot be
/// executed, else 125 — as docker decides, from the daemon's message.
fn start_failed(error: berth_client::Error) -> Result<Output, Error> {
    let message = error.to_string();
    eprintln!("{message}");
    let code = if message.contains("executable file not found")
        || message.contains("no such file or directory")
    {
        NOT_FOUND
    } else if message.contains("permission denied") || message.contains("cannot execute") {
        CANNOT_EXECUTE
    } else {
        DAEMON_ERROR
    };
    Ok(Output::Exit(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_ports() {
        let (exposed, bindings) =
            ports(&["8080:80".into(), "127.0.0.1:53:53/udp".into()]).unwrap_or_default();
        assert_eq!(Value::Object(exposed), json!({"80/tcp": {}, "53/udp": {}}));
        assert_eq!(
            Value::Object(bindings),
            json!({"80/tcp": [{"HostIp": "", "HostPort": "8080"}], "53/udp": [{"HostIp": "127.0.0.1", "HostPort": "53"}]})
        );
        assert!(ports(&["x:y".into()]).is_err());
    }

    #[test]
    fn start_errors_map_to_docker_statuses() {
        let status = |message: &str| match start_failed(berth_client::Error::Daemon {
            status: 400,
            message: message.into(),
        }) {
            Ok(Output::Exit(code)) => code,
            _ => 0,
        };
        assert_eq!(
            status(
                r#"OCI runtime create failed: exec: "nope": executable file not found in $PATH"#
            ),
            127
        );
        assert_eq!(status("exec: \"/etc/passwd\": permission denied"), 126);
        assert_eq!(status("something else"), 125);
    }
}
