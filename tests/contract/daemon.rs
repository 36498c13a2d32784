//! The daemon part of the contract suite: one test that sets up fixtures,
//! runs every section in order (a failing section does not hide the
//! others), removes everything it created, and prints the coverage.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use berth_client::api::{
    ConfigApi, ContainerApi, ContainerDeleteParams, ContainerListParams, ImageApi,
    ImageDeleteParams, NetworkApi, PluginApi, PluginDeleteParams, SecretApi, ServiceApi, SwarmApi,
    SwarmLeaveParams, SystemApi, VolumeApi, VolumeDeleteParams,
};
use berth_client::types::LocalNodeState;
use berth_client::Client;
use futures_util::future::BoxFuture;

use crate::coverage::Coverage;
use crate::support::{parse_version, poll, Cleanup, Ctx, R};
use crate::{containers, exec, images, misc, networks, plugins, swarm, system, volumes};

type Section = fn(Arc<Ctx>) -> BoxFuture<'static, R>;

/// The sections, in order, with their time limit in seconds.
const SECTIONS: &[(&str, u64, Section)] = &[
    ("system", 30, |cx| Box::pin(system::section(cx))),
    ("images", 90, |cx| Box::pin(images::section(cx))),
    ("containers", 90, |cx| Box::pin(containers::section(cx))),
    ("exec", 45, |cx| Box::pin(exec::section(cx))),
    ("volumes", 30, |cx| Box::pin(volumes::section(cx))),
    ("networks", 30, |cx| Box::pin(networks::section(cx))),
    ("plugins", 30, |cx| Box::pin(plugins::section(cx))),
    ("swarm", 120, |cx| Box::pin(swarm::section(cx))),
    ("session and build cache", 30, |cx| {
        Box::pin(misc::section(cx))
    }),
];

/// Runs one section as its own task, so a panic or a hang is reported as
/// that section's failure.
async fn run_section(name: &str, secs: u64, cx: Arc<Ctx>, section: Section) -> Result<(), String> {
    let started = Instant::now();
    let task = tokio::spawn(tokio::time::timeout(Duration::from_secs(secs), section(cx)));
    let result = match task.await {
        Ok(Ok(Ok(()))) => Ok(()),
        Ok(Ok(Err(e))) => Err(format!("section {name}: {e}")),
        Ok(Err(_)) => Err(format!("section {name}: did not finish within {secs} s")),
        Err(e) => Err(format!("section {name}: panicked: {e}")),
    };
    eprintln!(
        "contract: section {name}: {} in {:.1} s",
        if result.is_ok() { "ok" } else { "FAILED" },
        started.elapsed().as_secs_f64()
    );
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_contract() {
    let started = Instant::now();
    let host = std::env::var("DOCKER_HOST")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| {
            panic!(
                "DOCKER_HOST is not set: the contract suite needs a Docker daemon to talk to \
                 (scripts/test.sh starts a private one)"
            )
        });
    let client = Client::from_env().unwrap_or_else(|e| panic!("DOCKER_HOST={host}: {e}"));
    let version_text = tokio::time::timeout(Duration::from_secs(15), client.api_version())
        .await
        .unwrap_or_else(|_| panic!("the daemon at DOCKER_HOST={host} did not answer /_ping"))
        .unwrap_or_else(|e| {
            panic!("the contract suite needs a Docker daemon at DOCKER_HOST={host}: {e}")
        })
        .to_owned();
    let version = parse_version(&version_text)
        .unwrap_or_else(|| panic!("negotiated an unreadable API version {version_text:?}"));
    let pid = std::process::id();
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let prefix = format!("berth-contract-{pid}-");
    let cx = Arc::new(Ctx {
        client,
        version_text: version_text.clone(),
        version,
        image: format!("{prefix}base:1"),
        prefix,
        run: format!("{pid}-{stamp}"),
        coverage: Coverage::default(),
        cleanup: Mutex::new(Cleanup::default()),
    });
    eprintln!(
        "contract: daemon at {host}, API {version_text}, objects named {}*",
        cx.prefix
    );

    let mut failures = Vec::new();
    let setup: Section = |cx| Box::pin(images::setup(cx));
    match run_section("setup", 60, Arc::clone(&cx), setup).await {
        Ok(()) => {
            for (name, secs, section) in SECTIONS {
                if let Err(e) = run_section(name, *secs, Arc::clone(&cx), *section).await {
                    failures.push(e);
                }
            }
        }
        Err(e) => failures.push(format!("{e} (the other sections need its image; skipped)")),
    }
    match tokio::time::timeout(Duration::from_secs(90), cleanup(&cx)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => failures.push(format!("cleanup: {e}")),
        Err(_) => failures.push("cleanup did not finish within 90 s".to_owned()),
    }

    let (summary, problems) = cx.coverage.summary(cx.version, &cx.version_text);
    failures.extend(problems);
    let summary = format!(
        "{summary}suite time: {:.1} s\n",
        started.elapsed().as_secs_f64()
    );
    eprintln!("\n{summary}");
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../target/contract-coverage.txt"
    );
    if let Err(e) = std::fs::write(path, &summary) {
        eprintln!("contract: cannot write {path}: {e}");
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n  - {}\n\n{summary}",
        failures.len(),
        failures.join("\n  - ")
    );
}

/// Removes everything this run created; objects already gone are fine.
/// Errors other than "not found" become failures of the suite.
async fn cleanup(cx: &Ctx) -> Result<(), String> {
    let list = std::mem::take(&mut *cx.cleanup.lock().unwrap_or_else(|e| e.into_inner()));
    let client = &cx.client;
    let mut errors = Vec::new();
    for id in &list.services {
        note(&mut errors, id, client.service_delete(id).await);
    }
    for id in &list.services {
        // The swarm removes the service's containers after the service.
        let params = ContainerListParams {
            all: Some(true),
            filters: Some(
                [(
                    "label".to_owned(),
                    vec![format!("com.docker.swarm.service.id={id}")],
                )]
                .into_iter()
                .collect(),
            ),
            ..Default::default()
        };
        let gone = poll(20, "service containers to go", || async {
            let left = client
                .container_list(&params)
                .await
                .map_err(|e| e.to_string())?;
            Ok(left.is_empty().then_some(()))
        })
        .await;
        if let Err(e) = gone {
            errors.push(e);
        }
    }
    for id in &list.secrets {
        note(&mut errors, id, client.secret_delete(id).await);
    }
    for id in &list.configs {
        note(&mut errors, id, client.config_delete(id).await);
    }
    if list.swarm {
        match client
            .swarm_leave(&SwarmLeaveParams { force: Some(true) })
            .await
        {
            Ok(()) => match client.system_info().await {
                Ok(info) => {
                    let state = info.swarm.and_then(|s| s.local_node_state);
                    if state == Some(LocalNodeState::Inactive) {
                        cx.hit("SwarmLeave");
                    } else {
                        errors.push(format!("SwarmLeave: the node still reports {state:?}"));
                    }
                }
                Err(e) => errors.push(format!("SystemInfo after SwarmLeave: {e}")),
            },
            Err(e) => errors.push(format!("SwarmLeave: {e}")),
        }
        for name in &list.swarm_networks {
            // Its ingress endpoint goes away shortly after leaving.
            let removed = poll(15, "removing the swarm's docker_gwbridge", || async {
                match client.network_delete(name).await {
                    Ok(()) => Ok(Some(())),
                    Err(e) if e.is_not_found() => Ok(Some(())),
                    Err(e) => Err(e.to_string()),
                }
            })
            .await;
            if let Err(e) = removed {
                errors.push(e);
            }
        }
    }
    let force = ContainerDeleteParams {
        force: Some(true),
        v: Some(true),
        ..Default::default()
    };
    for id in list.containers.iter().rev() {
        note(&mut errors, id, client.container_delete(id, &force).await);
    }
    for id in list.networks.iter().rev() {
        note(&mut errors, id, client.network_delete(id).await);
    }
    for name in list.volumes.iter().rev() {
        note(
            &mut errors,
            name,
            client
                .volume_delete(name, &VolumeDeleteParams { force: Some(true) })
                .await,
        );
    }
    for name in list.plugins.iter().rev() {
        note(
            &mut errors,
            name,
            client
                .plugin_delete(name, &PluginDeleteParams { force: Some(true) })
                .await
                .map(|_| ()),
        );
    }
    let force = ImageDeleteParams {
        force: Some(true),
        ..Default::default()
    };
    for name in list.images.iter().rev() {
        note(
            &mut errors,
            name,
            client.image_delete(name, &force).await.map(|_| ()),
        );
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// Records a failed removal, unless the object was already gone.
fn note(errors: &mut Vec<String>, what: &str, result: Result<(), berth_client::Error>) {
    match result {
        Ok(()) => {}
        Err(e) if e.is_not_found() => {}
        Err(e) => errors.push(format!("removing {what}: {e}")),
    }
}
