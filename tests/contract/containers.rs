//! Containers in every state and everything done to them, plus the events
//! their creation caused.

use std::collections::BTreeMap;
use std::sync::Arc;

use berth_client::api::{
    ContainerApi, ContainerArchiveInfoParams, ContainerArchiveParams, ContainerAttachOutcome,
    ContainerAttachParams, ContainerAttachWebsocketParams, ContainerKillParams,
    ContainerListParams, ContainerLogsParams, ContainerPruneParams, ContainerRenameParams,
    ContainerResizeParams, ContainerRestartParams, ContainerStartOutcome, ContainerStartParams,
    ContainerStatsParams, ContainerStopOutcome, ContainerStopParams, ContainerTopParams,
    PutContainerArchiveParams, SystemApi, SystemEventsParams,
};
use berth_client::types::{
    ContainerCreateRequest, ContainerStateStatus, ContainerSummaryState, ContainerUpdateRequest,
    EventMessageType,
};
use berth_client::Body;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::support::{
    collect_bytes, collect_lines, collect_logs, ensure, is_404, poll, read_until, run_cmd,
    tar_entries, tar_of, unix_now, within, Ctx, OpResult, R,
};

pub async fn section(cx: Arc<Ctx>) -> R {
    let since = unix_now() - 1.0;
    let fixtures = states(&cx).await?;
    logs_and_export(&cx, &fixtures).await?;
    running(&cx, &fixtures).await?;
    archive(&cx, &fixtures).await?;
    tty(&cx).await?;
    attach(&cx).await?;
    attach_websocket(&cx).await?;
    lifecycle(&cx, &fixtures).await?;
    prune(&cx).await?;
    events(&cx, since, &fixtures.created).await
}

struct Fixtures {
    created: String,
    running: String,
    paused: String,
    exited: String,
}

/// One container in each state, listed by label with that state.
async fn states(cx: &Ctx) -> R<Fixtures> {
    let created = cx.create_container("created", run_cmd(&["true"])).await?;
    let running = cx
        .create_container("running", run_cmd(&["sleep", "600"]))
        .await?;
    cx.start(&running).await?;
    let paused = cx
        .create_container("paused", run_cmd(&["sleep", "600"]))
        .await?;
    cx.start(&paused).await?;
    cx.client
        .container_pause(&paused)
        .await
        .op("ContainerPause")?;
    let state = cx.inspect(&paused).await?.state.unwrap_or_default();
    ensure!(
        state.paused == Some(true) && state.status == Some(ContainerStateStatus::Paused),
        "ContainerPause: inspect shows {state:?}"
    );
    cx.hit("ContainerPause");
    let exited = cx
        .create_container(
            "exited",
            run_cmd(&["sh", "-c", "echo out-line; echo err-line >&2"]),
        )
        .await?;
    cx.start(&exited).await?;
    let code = cx.wait_exit(&exited, 20).await?;
    ensure!(code == 0, "ContainerWait: exit code {code}, expected 0");

    let listed = cx
        .client
        .container_list(&ContainerListParams {
            all: Some(true),
            filters: Some(cx.filters(&[])),
            ..Default::default()
        })
        .await
        .op("ContainerList")?;
    let by_id: BTreeMap<&str, Option<&ContainerSummaryState>> = listed
        .iter()
        .filter_map(|c| Some((c.id.as_deref()?, c.state.as_ref())))
        .collect();
    for (id, want) in [
        (&created, ContainerSummaryState::Created),
        (&running, ContainerSummaryState::Running),
        (&paused, ContainerSummaryState::Paused),
        (&exited, ContainerSummaryState::Exited),
    ] {
        ensure!(
            by_id.get(id.as_str()) == Some(&Some(&want)),
            "ContainerList: {id} should be {want:?}, the list says {:?}",
            by_id.get(id.as_str())
        );
    }
    // Another filter: only the running ones of this run.
    let running_only = cx
        .client
        .container_list(&ContainerListParams {
            filters: Some(cx.filters(&[("status", "running")])),
            ..Default::default()
        })
        .await
        .op("ContainerList")?;
    ensure!(
        running_only
            .iter()
            .any(|c| c.id.as_deref() == Some(&running))
            && running_only
                .iter()
                .all(|c| c.id.as_deref() != Some(&exited)),
        "ContainerList status=running: {running_only:?}"
    );
    cx.hit("ContainerList");

    cx.client
        .container_unpause(&paused)
        .await
        .op("ContainerUnpause")?;
    let state = cx.inspect(&paused).await?.state.unwrap_or_default();
    ensure!(
        state.paused == Some(false) && state.status == Some(ContainerStateStatus::Running),
        "ContainerUnpause: inspect shows {state:?}"
    );
    cx.hit("ContainerUnpause");
    Ok(Fixtures {
        created,
        running,
        paused,
        exited,
    })
}

async fn logs_and_export(cx: &Ctx, f: &Fixtures) -> R {
    let logs = cx
        .client
        .container_logs(
            &f.exited,
            &ContainerLogsParams {
                stdout: Some(true),
                stderr: Some(true),
                timestamps: Some(false),
                tail: Some("all".to_owned()),
                ..Default::default()
            },
        )
        .await
        .op("ContainerLogs")?;
    let (out, err) = collect_logs("ContainerLogs", 20, logs).await?;
    ensure!(
        out == "out-line\n" && err == "err-line\n",
        "ContainerLogs: stdout {out:?}, stderr {err:?}"
    );
    cx.hit("ContainerLogs");

    let export = cx
        .client
        .container_export(&f.exited)
        .await
        .op("ContainerExport")?;
    let entries = tar_entries(&collect_bytes("ContainerExport", 60, export).await?)?;
    ensure!(
        entries
            .get("bin/busybox")
            .is_some_and(|b| b.len() > 100_000),
        "ContainerExport: no bin/busybox among {} entries",
        entries.len()
    );
    cx.hit("ContainerExport");
    Ok(())
}

/// Top, stats, update, rename, restart on the running container.
async fn running(cx: &Ctx, f: &Fixtures) -> R {
    let client = &cx.client;
    let top = client
        .container_top(&f.running, &ContainerTopParams::default())
        .await
        .op("ContainerTop")?;
    let titles = top.titles.unwrap_or_default();
    let cmd = titles
        .iter()
        .position(|t| t == "CMD" || t == "COMMAND")
        .ok_or_else(|| format!("ContainerTop: no CMD column in {titles:?}"))?;
    ensure!(
        top.processes
            .iter()
            .flatten()
            .any(|p| p.get(cmd).is_some_and(|c| c.contains("sleep 600"))),
        "ContainerTop: no `sleep 600` process in {:?}",
        top.processes
    );
    cx.hit("ContainerTop");

    let one = client
        .container_stats(
            &f.running,
            &ContainerStatsParams {
                stream: Some(false),
                ..Default::default()
            },
        )
        .await
        .op("ContainerStats")?;
    let one = collect_lines("ContainerStats", 20, one).await?;
    ensure!(
        one.len() == 1 && one[0].id.as_deref() == Some(&f.running),
        "ContainerStats stream=false: expected one sample of {}, got {one:?}",
        f.running
    );
    let mut many = client
        .container_stats(
            &f.running,
            &ContainerStatsParams {
                stream: Some(true),
                ..Default::default()
            },
        )
        .await
        .op("ContainerStats")?;
    for n in 0..2 {
        let sample = within(10, "ContainerStats stream=true", async {
            many.next()
                .await
                .ok_or_else(|| "the stream ended".to_owned())?
                .op("ContainerStats")
        })
        .await?;
        ensure!(
            sample.read.is_some() && sample.memory_stats.is_some(),
            "ContainerStats sample {n}: {sample:?}"
        );
    }
    drop(many);
    cx.hit("ContainerStats");

    let update = client
        .container_update(
            &f.running,
            &ContainerUpdateRequest {
                cpu_shares: Some(512),
                ..Default::default()
            },
        )
        .await
        .op("ContainerUpdate")?;
    let shares = cx
        .inspect(&f.running)
        .await?
        .host_config
        .and_then(|h| h.cpu_shares);
    ensure!(
        shares == Some(512),
        "ContainerUpdate: CpuShares is {shares:?} (warnings {:?})",
        update.warnings
    );
    cx.hit("ContainerUpdate");

    let new_name = cx.name("renamed");
    client
        .container_rename(
            &f.running,
            &ContainerRenameParams {
                name: new_name.clone(),
            },
        )
        .await
        .op("ContainerRename")?;
    let by_new = cx.inspect(&new_name).await?;
    ensure!(
        by_new.id.as_deref() == Some(&f.running)
            && by_new.name.as_deref() == Some(&format!("/{new_name}")),
        "ContainerRename: {new_name} is {:?} named {:?}",
        by_new.id,
        by_new.name
    );
    let old = client
        .container_inspect(&cx.name("running"), &Default::default())
        .await;
    ensure!(is_404(&old), "ContainerRename: the old name still answers");
    cx.hit("ContainerRename");

    let before = by_new.state.and_then(|s| s.started_at);
    client
        .container_restart(
            &new_name,
            &ContainerRestartParams {
                t: Some(1),
                ..Default::default()
            },
        )
        .await
        .op("ContainerRestart")?;
    let state = cx.inspect(&new_name).await?.state.unwrap_or_default();
    ensure!(
        state.running == Some(true) && state.started_at != before,
        "ContainerRestart: StartedAt {before:?} → {:?}, running {:?}",
        state.started_at,
        state.running
    );
    cx.hit("ContainerRestart");

    match client
        .container_start(&new_name, &ContainerStartParams::default())
        .await
        .op("ContainerStart")?
    {
        ContainerStartOutcome::NotModified => {}
        other => return Err(format!("ContainerStart of a running container: {other:?}")),
    }
    Ok(())
}

/// Put a file in, stat it, get it back; the container's changes show it.
async fn archive(cx: &Ctx, f: &Fixtures) -> R {
    let client = &cx.client;
    let content = b"put by the contract suite\n";
    client
        .put_container_archive(
            &f.running,
            &PutContainerArchiveParams {
                path: "/tmp".to_owned(),
                ..Default::default()
            },
            Body::from_bytes(tar_of(&[("put.txt", content, 0o640)])),
        )
        .await
        .op("PutContainerArchive")?;
    cx.hit("PutContainerArchive");

    let info = client
        .container_archive_info(
            &f.running,
            &ContainerArchiveInfoParams {
                path: "/tmp/put.txt".to_owned(),
            },
        )
        .await
        .op("ContainerArchiveInfo")?;
    let stat = info
        .headers
        .x_docker_container_path_stat
        .ok_or("ContainerArchiveInfo: no X-Docker-Container-Path-Stat header")?;
    ensure!(
        stat.name == "put.txt" && stat.size == content.len() as i64 && stat.mode & 0o777 == 0o640,
        "ContainerArchiveInfo: {stat:?}"
    );
    cx.hit("ContainerArchiveInfo");

    let got = client
        .container_archive(
            &f.running,
            &ContainerArchiveParams {
                path: "/tmp/put.txt".to_owned(),
            },
        )
        .await
        .op("ContainerArchive")?;
    ensure!(
        got.headers
            .x_docker_container_path_stat
            .as_ref()
            .is_some_and(|s| s.name == "put.txt"),
        "ContainerArchive: stat header {:?}",
        got.headers.x_docker_container_path_stat
    );
    let entries = tar_entries(&collect_bytes("ContainerArchive", 20, got.body).await?)?;
    ensure!(
        entries.get("put.txt").map(Vec::as_slice) == Some(&content[..]),
        "ContainerArchive: the archive holds {:?}",
        entries.keys().collect::<Vec<_>>()
    );
    cx.hit("ContainerArchive");

    let changes = client
        .container_changes(&f.running)
        .await
        .op("ContainerChanges")?
        .unwrap_or_default();
    ensure!(
        changes
            .iter()
            .any(|c| c.path == "/tmp/put.txt" && c.kind.value() == 1),
        "ContainerChanges: /tmp/put.txt not added in {changes:?}"
    );
    cx.hit("ContainerChanges");
    Ok(())
}

/// A TTY container sees the size it is resized to.
async fn tty(cx: &Ctx) -> R {
    let id = cx
        .create_container(
            "tty",
            ContainerCreateRequest {
                tty: Some(true),
                ..run_cmd(&["sh", "-c", "while true; do stty size; sleep 1; done"])
            },
        )
        .await?;
    cx.start(&id).await?;
    cx.client
        .container_resize(&id, &ContainerResizeParams { h: 33, w: 111 })
        .await
        .op("ContainerResize")?;
    poll(10, "ContainerResize: the TTY to report 33 111", || async {
        let logs = cx
            .client
            .container_logs(
                &id,
                &ContainerLogsParams {
                    stdout: Some(true),
                    ..Default::default()
                },
            )
            .await
            .op("ContainerLogs")?;
        let (out, _) = collect_logs("ContainerLogs", 10, logs).await?;
        Ok(out.contains("33 111").then_some(()))
    })
    .await?;
    cx.hit("ContainerResize");

    let mut params = ContainerStopParams {
        t: Some(1),
        ..Default::default()
    };
    if cx.supports("ContainerStop ?signal=", (1, 42)) {
        params.signal = Some("SIGKILL".to_owned());
    }
    match cx
        .client
        .container_stop(&id, &params)
        .await
        .op("ContainerStop")?
    {
        ContainerStopOutcome::NoContent => {}
        other => return Err(format!("ContainerStop of a running container: {other:?}")),
    }
    let state = cx.inspect(&id).await?.state.unwrap_or_default();
    ensure!(
        state.status == Some(ContainerStateStatus::Exited),
        "ContainerStop: the container is {:?}",
        state.status
    );
    match cx
        .client
        .container_stop(&id, &params)
        .await
        .op("ContainerStop")?
    {
        ContainerStopOutcome::NotModified => {}
        other => return Err(format!("ContainerStop of a stopped container: {other:?}")),
    }
    cx.hit("ContainerStop");
    Ok(())
}

/// Attach to `cat`: what goes in comes back; closing stdin ends it.
async fn attach(cx: &Ctx) -> R {
    let id = cx
        .create_container(
            "attach",
            ContainerCreateRequest {
                open_stdin: Some(true),
                stdin_once: Some(true),
                attach_stdin: Some(true),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                ..run_cmd(&["cat"])
            },
        )
        .await?;
    let outcome = cx
        .client
        .container_attach(
            &id,
            &ContainerAttachParams {
                stream: Some(true),
                stdin: Some(true),
                stdout: Some(true),
                stderr: Some(true),
                ..Default::default()
            },
        )
        .await
        .op("ContainerAttach")?;
    let ContainerAttachOutcome::SwitchingProtocols(upgraded) = outcome else {
        return Err(format!("ContainerAttach: expected 101, got {outcome:?}"));
    };
    let (mut output, mut stdin) = upgraded.split();
    cx.start(&id).await?;
    stdin
        .write_all(b"through attach\n")
        .await
        .map_err(|e| format!("ContainerAttach: writing stdin: {e}"))?;
    stdin
        .flush()
        .await
        .map_err(|e| format!("ContainerAttach: flushing stdin: {e}"))?;
    read_until("ContainerAttach", 10, &mut output, "through attach\n").await?;
    stdin
        .shutdown()
        .await
        .map_err(|e| format!("ContainerAttach: closing stdin: {e}"))?;
    let code = cx.wait_exit(&id, 10).await?;
    ensure!(
        code == 0,
        "ContainerAttach: cat exited {code} after stdin closed"
    );
    cx.hit("ContainerAttach");
    Ok(())
}

/// Attach over a websocket: the output so far, then an echo of stdin.
async fn attach_websocket(cx: &Ctx) -> R {
    let id = cx
        .create_container(
            "websocket",
            ContainerCreateRequest {
                open_stdin: Some(true),
                ..run_cmd(&["sh", "-c", "echo ws-hello; exec cat"])
            },
        )
        .await?;
    cx.start(&id).await?;
    poll(10, "the websocket container's first line", || async {
        let logs = cx
            .client
            .container_logs(
                &id,
                &ContainerLogsParams {
                    stdout: Some(true),
                    ..Default::default()
                },
            )
            .await
            .op("ContainerLogs")?;
        let (out, _) = collect_logs("ContainerLogs", 10, logs).await?;
        Ok(out.contains("ws-hello").then_some(()))
    })
    .await?;
    let upgraded = cx
        .client
        .container_attach_websocket(
            &id,
            &ContainerAttachWebsocketParams {
                logs: Some(true),
                stream: Some(true),
                stdin: Some(true),
                stdout: Some(true),
                stderr: Some(true),
                ..Default::default()
            },
        )
        .await
        .op("ContainerAttachWebsocket")?;
    let (mut output, mut stdin) = upgraded.split();
    read_until("ContainerAttachWebsocket", 10, &mut output, "ws-hello\n").await?;
    stdin
        .write_all(b"ws-ping\n")
        .await
        .map_err(|e| format!("ContainerAttachWebsocket: writing: {e}"))?;
    stdin
        .flush()
        .await
        .map_err(|e| format!("ContainerAttachWebsocket: flushing: {e}"))?;
    read_until("ContainerAttachWebsocket", 10, &mut output, "ws-ping\n").await?;
    cx.hit("ContainerAttachWebsocket");
    Ok(())
}

/// Kill, start twice, delete.
async fn lifecycle(cx: &Ctx, f: &Fixtures) -> R {
    let client = &cx.client;
    client
        .container_kill(
            &f.paused,
            &ContainerKillParams {
                signal: Some("SIGKILL".to_owned()),
            },
        )
        .await
        .op("ContainerKill")?;
    let code = cx.wait_exit(&f.paused, 10).await?;
    ensure!(code == 137, "ContainerKill SIGKILL: exit code {code}");
    cx.hit("ContainerKill");

    cx.start(&f.paused).await?;
    match client
        .container_start(&f.paused, &ContainerStartParams::default())
        .await
        .op("ContainerStart")?
    {
        ContainerStartOutcome::NotModified => {}
        other => return Err(format!("second ContainerStart: {other:?}")),
    }

    client
        .container_delete(&f.exited, &Default::default())
        .await
        .op("ContainerDelete")?;
    let gone = client
        .container_inspect(&f.exited, &Default::default())
        .await;
    ensure!(
        is_404(&gone),
        "ContainerDelete: {} still inspects",
        f.exited
    );
    cx.hit("ContainerDelete");
    Ok(())
}

/// Prune, filtered to a label only one container of this run has.
async fn prune(cx: &Ctx) -> R {
    let mark = "berth.contract.prune";
    let id = cx
        .create_container(
            "prune-me",
            ContainerCreateRequest {
                labels: Some([(mark.to_owned(), cx.run.clone())].into()),
                ..run_cmd(&["true"])
            },
        )
        .await?;
    let filter = format!("{mark}={}", cx.run);
    let pruned = cx
        .client
        .container_prune(&ContainerPruneParams {
            filters: Some(cx.filters(&[("label", &filter)])),
        })
        .await
        .op("ContainerPrune")?;
    let deleted = pruned.containers_deleted.unwrap_or_default();
    ensure!(
        deleted == vec![id.clone()],
        "ContainerPrune: expected exactly [{id}], got {deleted:?}"
    );
    let gone = cx.client.container_inspect(&id, &Default::default()).await;
    ensure!(is_404(&gone), "ContainerPrune: {id} still inspects");
    cx.hit("ContainerPrune");
    Ok(())
}

/// The events of this run's containers in a bounded window: the stream
/// ends at `until` and holds the creation of the `created` container.
async fn events(cx: &Ctx, since: f64, created: &str) -> R {
    let params = SystemEventsParams {
        since: Some(format!("{since:.3}")),
        until: Some(format!("{:.3}", unix_now())),
        filters: Some(cx.filters(&[("type", "container")])),
    };
    let stream = cx.client.system_events(&params).await.op("SystemEvents")?;
    let events = collect_lines("SystemEvents", 20, stream).await?;
    ensure!(
        events
            .iter()
            .any(|e| e.r#type == Some(EventMessageType::Container)
                && e.action.as_deref() == Some("create")
                && e.actor.as_ref().and_then(|a| a.id.as_deref()) == Some(created)),
        "SystemEvents: no create event of {created} among {} events",
        events.len()
    );
    let foreign = events.iter().find(|e| {
        e.actor
            .as_ref()
            .and_then(|a| a.attributes.as_ref())
            .and_then(|a| a.get(crate::support::RUN_LABEL))
            != Some(&cx.run)
    });
    ensure!(
        foreign.is_none(),
        "SystemEvents: the label filter let through {foreign:?}"
    );
    cx.hit("SystemEvents");
    Ok(())
}
