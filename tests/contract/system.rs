//! Ping (GET and HEAD, with typed headers), version, info, disk usage.
//! Events are checked in the containers section, against its containers.

use std::sync::Arc;

use berth_client::api::{SystemApi, SystemDataUsageParams};
use berth_client::types::SystemDataUsageTypeItem;

use crate::support::{ensure, parse_version, Ctx, OpResult, R};

pub async fn section(cx: Arc<Ctx>) -> R {
    let client = &cx.client;
    let ping = client.system_ping().await.op("SystemPing")?;
    let daemon = ping
        .headers
        .api_version
        .clone()
        .ok_or("SystemPing: no Api-Version header")?;
    ensure!(ping.body == "OK", "SystemPing: body {:?}", ping.body);
    ensure!(
        parse_version(&daemon).is_some_and(|v| v >= cx.version),
        "SystemPing: Api-Version {daemon} is below the negotiated {}",
        cx.version_text
    );
    ensure!(
        ping.headers.ostype.is_some(),
        "SystemPing: no Ostype header"
    );
    cx.hit("SystemPing");

    let head = client.system_ping_head().await.op("SystemPingHead")?;
    ensure!(
        head.headers.api_version.as_deref() == Some(daemon.as_str()),
        "SystemPingHead: Api-Version {:?}, GET said {daemon}",
        head.headers.api_version
    );
    cx.hit("SystemPingHead");

    let version = client.system_version().await.op("SystemVersion")?;
    ensure!(
        version.api_version.as_deref() == Some(daemon.as_str()) && version.version.is_some(),
        "SystemVersion: ApiVersion {:?}, ping said {daemon}",
        version.api_version
    );
    cx.hit("SystemVersion");

    let info = client.system_info().await.op("SystemInfo")?;
    ensure!(
        info.id.is_some() && info.images.unwrap_or_default() >= 1,
        "SystemInfo: ID {:?}, Images {:?}",
        info.id,
        info.images
    );
    cx.hit("SystemInfo");

    let mut params = SystemDataUsageParams::default();
    let typed = cx.supports("SystemDataUsage ?type=", (1, 42));
    if typed {
        params.r#type = Some(vec![SystemDataUsageTypeItem::Image]);
    }
    let usage = client
        .system_data_usage(&params)
        .await
        .op("SystemDataUsage")?;
    ensure!(
        usage
            .images
            .iter()
            .flatten()
            .any(|i| i.repo_tags.iter().flatten().any(|t| *t == cx.image)),
        "SystemDataUsage: {} not among the images",
        cx.image
    );
    if typed {
        ensure!(
            usage.containers.is_none() && usage.volumes.is_none(),
            "SystemDataUsage ?type=image: other types reported"
        );
    }
    cx.hit("SystemDataUsage");
    Ok(())
}
