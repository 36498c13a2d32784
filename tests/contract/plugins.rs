//! Plugins that need no registry: create one from a local tar, list,
//! inspect, change a setting, delete. (Enabling needs a plugin binary that
//! serves its socket; see coverage.rs.)

use std::sync::Arc;

use berth_client::api::{PluginApi, PluginCreateParams, PluginDeleteParams, PluginListParams};
use berth_client::Body;

use crate::support::{ensure, is_404, tar_of, Ctx, OpResult, R};

/// A plugin: `config.json` and an (almost empty) `rootfs/`.
fn plugin_tar() -> R<Vec<u8>> {
    let config = serde_json::json!({
        "Description": "berth contract-suite plugin (never enabled)",
        "Documentation": "https://example.invalid/berth",
        "Interface": {"Types": ["docker.volumedriver/1.0"], "Socket": "berth.sock"},
        "Entrypoint": ["/bin/berth-plugin"],
        "WorkDir": "",
        "Network": {"Type": "none"},
        "Linux": {"Capabilities": null, "AllowAllDevices": false, "Devices": null},
        "PropagatedMount": "",
        "IpcHost": false,
        "PidHost": false,
        "Mounts": null,
        "Env": [{"Name": "BERTH_MODE", "Description": "a settable value", "Settable": ["value"], "Value": "one"}],
        "Args": {"Name": "", "Description": "", "Settable": null, "Value": null}
    })
    .to_string();
    Ok(tar_of(&[
        ("config.json", config.as_bytes(), 0o644),
        ("rootfs/etc/berth", b"plugin\n", 0o644),
    ]))
}

pub async fn section(cx: Arc<Ctx>) -> R {
    let client = &cx.client;
    let name = format!("{}:latest", cx.name("plugin"));
    client
        .plugin_create(
            &PluginCreateParams { name: name.clone() },
            Body::from_bytes(plugin_tar()?),
        )
        .await
        .op("PluginCreate")?;
    cx.track(|c| c.plugins.push(name.clone()));
    cx.hit("PluginCreate");

    let listed = client
        .plugin_list(&PluginListParams {
            filters: Some([("capability".to_owned(), vec!["volumedriver".to_owned()])].into()),
        })
        .await
        .op("PluginList")?;
    let ours = listed
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| format!("PluginList capability=volumedriver: {name} missing"))?;
    ensure!(!ours.enabled, "PluginList: {name} is enabled");
    cx.hit("PluginList");

    let inspect = client.plugin_inspect(&name).await.op("PluginInspect")?;
    ensure!(
        inspect.settings.env.as_deref() == Some(&["BERTH_MODE=one".to_owned()][..])
            && inspect.config.interface.socket == "berth.sock",
        "PluginInspect: settings {:?}, socket {:?}",
        inspect.settings,
        inspect.config.interface.socket
    );
    cx.hit("PluginInspect");

    client
        .plugin_set(&name, &["BERTH_MODE=two".to_owned()])
        .await
        .op("PluginSet")?;
    let env = client
        .plugin_inspect(&name)
        .await
        .op("PluginInspect")?
        .settings
        .env;
    ensure!(
        env.as_deref() == Some(&["BERTH_MODE=two".to_owned()][..]),
        "PluginSet: the setting is now {env:?}"
    );
    cx.hit("PluginSet");

    client
        .plugin_delete(&name, &PluginDeleteParams::default())
        .await
        .op("PluginDelete")?;
    ensure!(
        is_404(&client.plugin_inspect(&name).await),
        "PluginDelete: {name} still inspects"
    );
    cx.hit("PluginDelete");
    Ok(())
}
