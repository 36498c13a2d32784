//! Exec instances: detached, upgraded with stdin, and resized on a TTY.

use std::sync::Arc;

use berth_client::api::{
    ContainerApi, ContainerArchiveInfoParams, ExecApi, ExecResizeParams, ExecStartOutcome,
};
use berth_client::types::{ExecConfig, ExecStartConfig};
use tokio::io::AsyncWriteExt;

use crate::support::{collect_logs, ensure, poll, read_until, run_cmd, Ctx, OpResult, R};

fn exec_config(cmd: &[&str]) -> ExecConfig {
    ExecConfig {
        cmd: Some(cmd.iter().map(|s| (*s).to_owned()).collect()),
        ..Default::default()
    }
}

pub async fn section(cx: Arc<Ctx>) -> R {
    let client = &cx.client;
    let id = cx
        .create_container("exec", run_cmd(&["sleep", "600"]))
        .await?;
    cx.start(&id).await?;

    // Detached: the command runs on its own; its effect is a file.
    let exec = client
        .container_exec(&id, &exec_config(&["touch", "/tmp/exec-detached"]))
        .await
        .op("ContainerExec")?
        .id;
    ensure!(!exec.is_empty(), "ContainerExec: empty Id");
    cx.hit("ContainerExec");
    match client
        .exec_start(
            &exec,
            &ExecStartConfig {
                detach: Some(true),
                ..Default::default()
            },
        )
        .await
        .op("ExecStart")?
    {
        ExecStartOutcome::Ok(stream) => {
            let (out, err) = collect_logs("ExecStart", 10, stream).await?;
            ensure!(
                out.is_empty() && err.is_empty(),
                "ExecStart detached: output {out:?} {err:?}"
            );
        }
        other => return Err(format!("ExecStart detached: expected 200, got {other:?}")),
    }
    let done = poll(10, "the detached exec to finish", || async {
        let inspect = client.exec_inspect(&exec).await.op("ExecInspect")?;
        Ok((!inspect.running).then_some(inspect))
    })
    .await?;
    ensure!(
        done.exit_code == Some(0) && done.container_id == id && done.id == exec,
        "ExecInspect: {done:?}"
    );
    cx.hit("ExecInspect");
    client
        .container_archive_info(
            &id,
            &ContainerArchiveInfoParams {
                path: "/tmp/exec-detached".to_owned(),
            },
        )
        .await
        .op("ContainerArchiveInfo: the detached exec's file")?;

    // Upgraded: stdin goes in, the output comes back, closing stdin ends it.
    let exec = client
        .container_exec(
            &id,
            &ExecConfig {
                attach_stdin: Some(true),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                ..exec_config(&["cat"])
            },
        )
        .await
        .op("ContainerExec")?
        .id;
    let ExecStartOutcome::SwitchingProtocols(upgraded) = client
        .exec_start(&exec, &ExecStartConfig::default())
        .await
        .op("ExecStart")?
    else {
        return Err("ExecStart attached: expected 101".to_owned());
    };
    let (mut output, mut stdin) = upgraded.split();
    stdin
        .write_all(b"through exec\n")
        .await
        .map_err(|e| format!("ExecStart: writing stdin: {e}"))?;
    stdin
        .flush()
        .await
        .map_err(|e| format!("ExecStart: flushing stdin: {e}"))?;
    read_until("ExecStart", 10, &mut output, "through exec\n").await?;
    stdin
        .shutdown()
        .await
        .map_err(|e| format!("ExecStart: closing stdin: {e}"))?;
    let done = poll(
        10,
        "the attached exec to end after stdin closed",
        || async {
            let inspect = client.exec_inspect(&exec).await.op("ExecInspect")?;
            Ok((!inspect.running).then_some(inspect))
        },
    )
    .await?;
    ensure!(
        done.exit_code == Some(0) && done.open_stdin,
        "ExecInspect after stdin closed: {done:?}"
    );
    cx.hit("ExecStart");

    // A TTY exec resized while it runs reports the new size.
    let exec = client
        .container_exec(
            &id,
            &ExecConfig {
                tty: Some(true),
                attach_stdout: Some(true),
                ..exec_config(&["sh", "-c", "sleep 1; stty size"])
            },
        )
        .await
        .op("ContainerExec")?
        .id;
    let ExecStartOutcome::SwitchingProtocols(upgraded) = client
        .exec_start(
            &exec,
            &ExecStartConfig {
                tty: Some(true),
                ..Default::default()
            },
        )
        .await
        .op("ExecStart")?
    else {
        return Err("ExecStart with a TTY: expected 101".to_owned());
    };
    let (mut output, _stdin) = upgraded.split();
    client
        .exec_resize(&exec, &ExecResizeParams { h: 25, w: 91 })
        .await
        .op("ExecResize")?;
    read_until("ExecResize", 10, &mut output, "25 91").await?;
    cx.hit("ExecResize");
    Ok(())
}
