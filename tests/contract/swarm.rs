//! A single-node swarm on 127.0.0.1 (unless the daemon is already in one:
//! then only reads), with a node label, a service, its task and logs, a
//! secret and a config. Leaving the swarm happens in the cleanup.

use std::collections::BTreeMap;
use std::sync::Arc;

use berth_client::api::{
    ConfigApi, ConfigListParams, ConfigUpdateParams, NetworkApi, NetworkInspectParams,
    NetworkListParams, NodeApi, NodeListParams, NodeUpdateParams, SecretApi, SecretListParams,
    SecretUpdateParams, ServiceApi, ServiceInspectParams, ServiceListParams, ServiceLogsParams,
    ServiceUpdateParams, SwarmApi, SwarmUpdateParams, SystemApi, TaskApi, TaskListParams,
    TaskLogsParams,
};
use berth_client::types::{
    ConfigSpec, LocalNodeState, SecretSpec, ServiceSpec, ServiceSpecMode,
    ServiceSpecModeReplicated, SwarmInitRequest, SwarmSpec, SwarmSpecEncryptionConfig, TaskSpec,
    TaskSpecContainerSpec, TaskState,
};

use crate::support::{collect_logs, ensure, is_404, poll, Ctx, OpResult, R};

/// Operations that change a swarm; skipped on a swarm the suite did not create.
const MUTATING: &[&str] = &[
    "SwarmInit",
    "SwarmUpdate",
    "SwarmUnlockkey",
    "SwarmLeave",
    "NodeUpdate",
    "ServiceCreate",
    "ServiceInspect",
    "ServiceUpdate",
    "ServiceLogs",
    "ServiceDelete",
    "TaskInspect",
    "TaskLogs",
    "SecretCreate",
    "SecretInspect",
    "SecretUpdate",
    "SecretDelete",
    "ConfigCreate",
    "ConfigInspect",
    "ConfigUpdate",
    "ConfigDelete",
];

/// A base64 encoding of `data` (standard alphabet, padded).
fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A free TCP port on 127.0.0.1 (never 2377, the default swarm port).
fn free_port() -> R<u16> {
    loop {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .map_err(|e| format!("finding a free port: {e}"))?;
        let port = listener
            .local_addr()
            .map_err(|e| format!("finding a free port: {e}"))?
            .port();
        if port != 2377 {
            return Ok(port);
        }
    }
}

pub async fn section(cx: Arc<Ctx>) -> R {
    let client = &cx.client;
    let info = client.system_info().await.op("SystemInfo")?;
    let state = info.swarm.as_ref().and_then(|s| s.local_node_state.clone());
    if state != Some(LocalNodeState::Inactive) {
        let reason = format!(
            "the daemon is already in a swarm ({state:?}); the suite does not change a swarm it did not create"
        );
        for op in MUTATING {
            cx.coverage.skip(op, reason.clone());
        }
        return read_only(&cx).await;
    }

    // Joining a swarm makes `docker_gwbridge`, which stays after leaving;
    // the cleanup removes it only if it was not there before.
    let gwbridge = "docker_gwbridge";
    let before = client
        .network_list(&NetworkListParams {
            filters: Some([("name".to_owned(), vec![gwbridge.to_owned()])].into()),
        })
        .await
        .op("NetworkList")?;
    let port = free_port()?;
    let address = format!("127.0.0.1:{port}");
    let init = client
        .swarm_init(&SwarmInitRequest {
            listen_addr: Some(address.clone()),
            advertise_addr: Some(address.clone()),
            spec: Some(SwarmSpec {
                labels: Some(cx.labels()),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await;
    let node_id = match init {
        Ok(id) => id,
        // Another client made the daemon a manager in the meantime.
        Err(e) if e.status() == Some(503) => {
            let reason = format!("another client put the daemon in a swarm first: {e}");
            for op in MUTATING {
                cx.coverage.skip(op, reason.clone());
            }
            return read_only(&cx).await;
        }
        Err(e) => return Err(format!("SwarmInit: {e}")),
    };
    cx.track(|c| {
        c.swarm = true;
        if !before.iter().any(|n| n.name == gwbridge) {
            c.swarm_networks.push(gwbridge.to_owned());
        }
    });
    let info = client.system_info().await.op("SystemInfo")?;
    let swarm_info = info.swarm.unwrap_or_default();
    ensure!(
        swarm_info.local_node_state == Some(LocalNodeState::Active)
            && swarm_info.node_id.as_deref() == Some(node_id.trim()),
        "SwarmInit returned {node_id:?}; SystemInfo shows {swarm_info:?}"
    );
    cx.hit("SwarmInit");
    // The daemon sets up the routing mesh (`ingress`) after answering;
    // leaving before it is done strands its sandbox, so wait for it.
    poll(30, "the swarm's ingress network to be set up", || async {
        let overlays = client
            .network_list(&NetworkListParams {
                filters: Some([("driver".to_owned(), vec!["overlay".to_owned()])].into()),
            })
            .await
            .op("NetworkList")?;
        let Some(ingress) = overlays.into_iter().find(|n| n.ingress) else {
            return Ok(None);
        };
        let ingress = client
            .network_inspect(&ingress.id, &NetworkInspectParams::default())
            .await
            .op("NetworkInspect")?;
        Ok(ingress
            .containers
            .is_some_and(|c| c.contains_key("ingress-sbox"))
            .then_some(()))
    })
    .await?;

    swarm_itself(&cx).await?;
    nodes(&cx, node_id.trim()).await?;
    secrets_and_configs(&cx).await?;
    services(&cx).await
}

/// Read operations on a swarm the suite did not create.
async fn read_only(cx: &Ctx) -> R {
    let client = &cx.client;
    client.swarm_inspect().await.op("SwarmInspect")?;
    cx.hit("SwarmInspect");
    client
        .node_list(&NodeListParams::default())
        .await
        .op("NodeList")?;
    cx.hit("NodeList");
    let nodes = client
        .node_list(&NodeListParams::default())
        .await
        .op("NodeList")?;
    if let Some(node) = nodes.first() {
        client.node_inspect(&node.id).await.op("NodeInspect")?;
        cx.hit("NodeInspect");
    }
    client
        .service_list(&ServiceListParams::default())
        .await
        .op("ServiceList")?;
    cx.hit("ServiceList");
    client
        .task_list(&TaskListParams::default())
        .await
        .op("TaskList")?;
    cx.hit("TaskList");
    client
        .secret_list(&SecretListParams::default())
        .await
        .op("SecretList")?;
    cx.hit("SecretList");
    client
        .config_list(&ConfigListParams::default())
        .await
        .op("ConfigList")?;
    cx.hit("ConfigList");
    Ok(())
}

/// Inspect, update (a label and autolock), and the unlock key autolock gives.
async fn swarm_itself(cx: &Ctx) -> R {
    let client = &cx.client;
    let swarm = client.swarm_inspect().await.op("SwarmInspect")?;
    let labels = swarm
        .spec
        .as_ref()
        .and_then(|s| s.labels.clone())
        .unwrap_or_default();
    ensure!(
        swarm.id.is_some()
            && swarm
                .join_tokens
                .as_ref()
                .is_some_and(|t| t.worker.is_some())
            && labels == cx.labels(),
        "SwarmInspect: {swarm:?}"
    );
    cx.hit("SwarmInspect");

    let key = client.swarm_unlockkey().await.op("SwarmUnlockkey")?;
    ensure!(
        key.unlock_key.is_empty(),
        "SwarmUnlockkey without autolock: {:?}",
        key.unlock_key
    );

    let version = swarm
        .version
        .and_then(|v| v.index)
        .ok_or("SwarmInspect: no Version.Index")?;
    let mut spec = swarm.spec.unwrap_or_default();
    spec.labels
        .get_or_insert_with(BTreeMap::new)
        .insert("berth.updated".to_owned(), "yes".to_owned());
    spec.encryption_config = Some(SwarmSpecEncryptionConfig {
        auto_lock_managers: Some(true),
    });
    client
        .swarm_update(
            &SwarmUpdateParams {
                version: version as i64,
                ..Default::default()
            },
            &spec,
        )
        .await
        .op("SwarmUpdate")?;
    let updated = client.swarm_inspect().await.op("SwarmInspect")?;
    let spec = updated.spec.unwrap_or_default();
    ensure!(
        spec.labels
            .as_ref()
            .and_then(|l| l.get("berth.updated"))
            .map(String::as_str)
            == Some("yes")
            && spec.encryption_config.and_then(|e| e.auto_lock_managers) == Some(true),
        "SwarmUpdate: the label or autolock did not stick"
    );
    cx.hit("SwarmUpdate");

    let key = client.swarm_unlockkey().await.op("SwarmUnlockkey")?;
    ensure!(
        key.unlock_key.starts_with("SWMKEY-"),
        "SwarmUnlockkey with autolock: {:?}",
        key.unlock_key
    );
    cx.hit("SwarmUnlockkey");
    Ok(())
}

async fn nodes(cx: &Ctx, node_id: &str) -> R {
    let client = &cx.client;
    let nodes = client
        .node_list(&NodeListParams {
            filters: Some([("role".to_owned(), vec!["manager".to_owned()])].into()),
        })
        .await
        .op("NodeList")?;
    ensure!(
        nodes.len() == 1 && nodes[0].id == node_id,
        "NodeList role=manager: expected only {node_id}, got {nodes:?}"
    );
    cx.hit("NodeList");
    let node = client.node_inspect(node_id).await.op("NodeInspect")?;
    ensure!(
        node.manager_status.as_ref().and_then(|m| m.leader) == Some(true),
        "NodeInspect: the only node is not the leader: {:?}",
        node.manager_status
    );
    cx.hit("NodeInspect");

    // The node's own status updates bump its version right after the
    // swarm starts; an update may then be out of sequence: re-read, retry.
    poll(15, "NodeUpdate to apply", || async {
        let node = client.node_inspect(node_id).await.op("NodeInspect")?;
        let mut spec = node.spec.clone();
        spec.labels
            .get_or_insert_with(BTreeMap::new)
            .insert("berth.node".to_owned(), cx.run.clone());
        let params = NodeUpdateParams {
            version: node.version.index.unwrap_or_default() as i64,
        };
        match client.node_update(node_id, &params, &spec).await {
            Ok(()) => Ok(Some(())),
            Err(e) if e.to_string().contains("out of sequence") => Err(e.to_string()),
            Err(e) => Err(format!("NodeUpdate: {e}")),
        }
    })
    .await?;
    let labelled = client
        .node_list(&NodeListParams {
            filters: Some(
                [(
                    "node.label".to_owned(),
                    vec![format!("berth.node={}", cx.run)],
                )]
                .into(),
            ),
        })
        .await
        .op("NodeList")?;
    ensure!(
        labelled.len() == 1 && labelled[0].id == node_id,
        "NodeUpdate: the node does not list by its new label: {labelled:?}"
    );
    cx.hit("NodeUpdate");
    Ok(())
}

async fn secrets_and_configs(cx: &Ctx) -> R {
    let client = &cx.client;
    // Secrets: the data never comes back; only labels can change.
    let name = cx.name("secret");
    let id = client
        .secret_create(&SecretSpec {
            name: Some(name.clone()),
            labels: Some(cx.labels()),
            data: Some(base64(b"not really a secret")),
            ..Default::default()
        })
        .await
        .op("SecretCreate")?
        .id;
    cx.track(|c| c.secrets.push(id.clone()));
    cx.hit("SecretCreate");
    let listed = client
        .secret_list(&SecretListParams {
            filters: Some(cx.filters(&[])),
        })
        .await
        .op("SecretList")?;
    ensure!(
        listed.len() == 1 && listed[0].id == id,
        "SecretList by label: expected only {name}, got {listed:?}"
    );
    cx.hit("SecretList");
    let secret = client.secret_inspect(&id).await.op("SecretInspect")?;
    ensure!(
        secret.spec.name.as_deref() == Some(name.as_str()) && secret.spec.data.is_none(),
        "SecretInspect: {secret:?}"
    );
    cx.hit("SecretInspect");
    let mut spec = secret.spec.clone();
    spec.labels
        .get_or_insert_with(BTreeMap::new)
        .insert("berth.updated".to_owned(), "yes".to_owned());
    client
        .secret_update(
            &id,
            &SecretUpdateParams {
                version: secret.version.index.unwrap_or_default() as i64,
            },
            &spec,
        )
        .await
        .op("SecretUpdate")?;
    let labels = client
        .secret_inspect(&id)
        .await
        .op("SecretInspect")?
        .spec
        .labels
        .unwrap_or_default();
    ensure!(
        labels.get("berth.updated").map(String::as_str) == Some("yes"),
        "SecretUpdate: labels {labels:?}"
    );
    cx.hit("SecretUpdate");
    client.secret_delete(&id).await.op("SecretDelete")?;
    ensure!(
        is_404(&client.secret_inspect(&id).await),
        "SecretDelete: {name} still inspects"
    );
    cx.hit("SecretDelete");

    // Configs: the data comes back.
    let name = cx.name("config");
    let data = base64(b"key = value\n");
    let id = client
        .config_create(&ConfigSpec {
            name: Some(name.clone()),
            labels: Some(cx.labels()),
            data: Some(data.clone()),
            ..Default::default()
        })
        .await
        .op("ConfigCreate")?
        .id;
    cx.track(|c| c.configs.push(id.clone()));
    cx.hit("ConfigCreate");
    let listed = client
        .config_list(&ConfigListParams {
            filters: Some(cx.filters(&[])),
        })
        .await
        .op("ConfigList")?;
    ensure!(
        listed.len() == 1 && listed[0].id == id,
        "ConfigList by label: expected only {name}, got {listed:?}"
    );
    cx.hit("ConfigList");
    let config = client.config_inspect(&id).await.op("ConfigInspect")?;
    ensure!(
        config.spec.name.as_deref() == Some(name.as_str())
            && config.spec.data.as_deref() == Some(data.as_str()),
        "ConfigInspect: {config:?}"
    );
    cx.hit("ConfigInspect");
    let mut spec = config.spec.clone();
    spec.labels
        .get_or_insert_with(BTreeMap::new)
        .insert("berth.updated".to_owned(), "yes".to_owned());
    client
        .config_update(
            &id,
            &ConfigUpdateParams {
                version: config.version.index.unwrap_or_default() as i64,
            },
            &spec,
        )
        .await
        .op("ConfigUpdate")?;
    let labels = client
        .config_inspect(&id)
        .await
        .op("ConfigInspect")?
        .spec
        .labels
        .unwrap_or_default();
    ensure!(
        labels.get("berth.updated").map(String::as_str) == Some("yes"),
        "ConfigUpdate: labels {labels:?}"
    );
    cx.hit("ConfigUpdate");
    client.config_delete(&id).await.op("ConfigDelete")?;
    ensure!(
        is_404(&client.config_inspect(&id).await),
        "ConfigDelete: {name} still inspects"
    );
    cx.hit("ConfigDelete");
    Ok(())
}

async fn services(cx: &Ctx) -> R {
    let client = &cx.client;
    let name = cx.name("service");
    let spec = ServiceSpec {
        name: Some(name.clone()),
        labels: Some(cx.labels()),
        task_template: Some(TaskSpec {
            container_spec: Some(TaskSpecContainerSpec {
                image: Some(cx.image.clone()),
                command: Some(vec![
                    "sh".to_owned(),
                    "-c".to_owned(),
                    "echo service-hello; exec sleep 600".to_owned(),
                ]),
                labels: Some(cx.labels()),
                ..Default::default()
            }),
            ..Default::default()
        }),
        mode: Some(ServiceSpecMode {
            replicated: Some(ServiceSpecModeReplicated { replicas: Some(1) }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let created = client
        .service_create(&Default::default(), &spec)
        .await
        .op("ServiceCreate")?;
    let id = created.id.clone();
    cx.track(|c| c.services.push(id.clone()));
    ensure!(!id.is_empty(), "ServiceCreate: empty ID");
    cx.hit("ServiceCreate");

    let listed = client
        .service_list(&ServiceListParams {
            filters: Some(cx.filters(&[])),
            status: Some(true),
        })
        .await
        .op("ServiceList")?;
    ensure!(
        listed.len() == 1 && listed[0].id == id,
        "ServiceList by label: expected only {name}, got {listed:?}"
    );
    cx.hit("ServiceList");

    let service = client
        .service_inspect(
            &id,
            &ServiceInspectParams {
                insert_defaults: Some(true),
            },
        )
        .await
        .op("ServiceInspect")?;
    ensure!(
        service.spec.name.as_deref() == Some(name.as_str()) && service.spec.update_config.is_some(),
        "ServiceInspect insertDefaults: {:?}",
        service.spec
    );
    cx.hit("ServiceInspect");

    // Its one task runs (the image is local; the pull attempt fails and is ignored).
    let task_filter = TaskListParams {
        filters: Some([("service".to_owned(), vec![id.clone()])].into()),
    };
    let task = poll(60, "the service's task to run", || async {
        let tasks = client.task_list(&task_filter).await.op("TaskList")?;
        Ok(tasks
            .into_iter()
            .find(|t| t.status.state == Some(TaskState::Running)))
    })
    .await?;
    ensure!(
        task.service_id.as_deref() == Some(id.as_str()),
        "TaskList service={id}: {task:?}"
    );
    cx.hit("TaskList");
    let inspect = client.task_inspect(&task.id).await.op("TaskInspect")?;
    ensure!(
        inspect.id == task.id
            && inspect
                .status
                .container_status
                .as_ref()
                .and_then(|c| c.container_id.as_ref())
                .is_some(),
        "TaskInspect: {inspect:?}"
    );
    cx.hit("TaskInspect");

    poll(20, "TaskLogs to show the task's output", || async {
        let logs = client
            .task_logs(
                &task.id,
                &TaskLogsParams {
                    stdout: Some(true),
                    stderr: Some(true),
                    follow: Some(false),
                    ..Default::default()
                },
            )
            .await
            .op("TaskLogs")?;
        let (out, _) = collect_logs("TaskLogs", 10, logs).await?;
        Ok(out.contains("service-hello").then_some(()))
    })
    .await?;
    cx.hit("TaskLogs");
    let logs = client
        .service_logs(
            &id,
            &ServiceLogsParams {
                stdout: Some(true),
                stderr: Some(true),
                follow: Some(false),
                ..Default::default()
            },
        )
        .await
        .op("ServiceLogs")?;
    let (out, _) = collect_logs("ServiceLogs", 10, logs).await?;
    ensure!(
        out.contains("service-hello"),
        "ServiceLogs: {out:?} lacks the task's output"
    );
    cx.hit("ServiceLogs");

    let mut spec = service.spec.clone();
    spec.labels
        .get_or_insert_with(BTreeMap::new)
        .insert("berth.updated".to_owned(), "yes".to_owned());
    let answer = client
        .service_update(
            &id,
            &ServiceUpdateParams {
                version: service.version.index.unwrap_or_default() as i64,
                ..Default::default()
            },
            &spec,
        )
        .await
        .op("ServiceUpdate")?;
    let after = client
        .service_inspect(&id, &ServiceInspectParams::default())
        .await
        .op("ServiceInspect")?;
    ensure!(
        after
            .spec
            .labels
            .as_ref()
            .and_then(|l| l.get("berth.updated"))
            .map(String::as_str)
            == Some("yes"),
        "ServiceUpdate: labels {:?} (warnings {:?})",
        after.spec.labels,
        answer.warnings
    );
    cx.hit("ServiceUpdate");

    client.service_delete(&id).await.op("ServiceDelete")?;
    ensure!(
        is_404(
            &client
                .service_inspect(&id, &ServiceInspectParams::default())
                .await
        ),
        "ServiceDelete: {name} still inspects"
    );
    cx.hit("ServiceDelete");
    Ok(())
}

#[test]
fn base64_matches_the_standard_alphabet() {
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foo"), "Zm9v");
    assert_eq!(base64(b"foobar"), "Zm9vYmFy");
}
