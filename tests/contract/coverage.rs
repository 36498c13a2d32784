//! Which operations the suite exercised against the daemon, and why the
//! others cannot run here. The total is the spec's own list
//! (`berth_client::api::OPERATIONS`); an operation added to the spec fails
//! the suite until a section exercises it or this table explains it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

use berth_client::api::OPERATIONS;

/// Operations that cannot run against a daemon without a registry, a second
/// node or a plugin binary, with the reason.
pub const NOT_HERE: &[(&str, &str)] = &[
    (
        "SystemAuth",
        "needs a registry to log in to (Docker Hub when none is named)",
    ),
    ("ImagePush", "needs a registry to push to"),
    ("ImageSearch", "needs a registry (Docker Hub) to search"),
    (
        "DistributionInspect",
        "needs a registry to fetch the manifest from",
    ),
    (
        "GetPluginPrivileges",
        "plugins from a registry: the privileges come from the registry's manifest",
    ),
    ("PluginPull", "plugins from a registry: needs a registry"),
    ("PluginUpgrade", "plugins from a registry: needs a registry"),
    ("PluginPush", "needs a registry to push the plugin to"),
    (
        "PluginEnable",
        "needs a plugin binary that serves the plugin socket (Plugin.Activate); \
         none is available offline and the suite does not ship one",
    ),
    (
        "PluginDisable",
        "needs an enabled plugin, which PluginEnable cannot give here",
    ),
    ("SwarmJoin", "needs a second daemon to join the swarm from"),
    (
        "SwarmUnlock",
        "needs a locked swarm: an autolocked manager must restart, and the suite \
         does not restart the daemon (autolock and the unlock key are exercised)",
    ),
    (
        "NodeDelete",
        "needs a second node: a swarm cannot remove its only (manager) node",
    ),
];

/// Operations the daemon only has from some API version on:
/// (operation, minimum version, what else it needs even then).
pub const VERSION_GATED: &[(&str, (u32, u32), &str)] = &[(
    "VolumeUpdate",
    (1, 42),
    "cluster volumes need a swarm with a CSI volume plugin, which comes from a registry",
)];

/// What the run exercised and skipped.
#[derive(Debug, Default)]
pub struct Coverage {
    exercised: Mutex<BTreeMap<&'static str, usize>>,
    /// Operations skipped at run time (e.g. a swarm the suite did not create).
    skipped: Mutex<BTreeMap<&'static str, String>>,
    /// Features (parameters, fields) skipped because of the daemon's version.
    features: Mutex<BTreeMap<&'static str, String>>,
    /// Names recorded that are not operations of the spec.
    unknown: Mutex<Vec<&'static str>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Coverage {
    /// Records a successful, checked call of `operation`.
    pub fn hit(&self, operation: &'static str) {
        if OPERATIONS.iter().any(|o| o.id == operation) {
            *lock(&self.exercised).entry(operation).or_default() += 1;
        } else {
            lock(&self.unknown).push(operation);
        }
    }

    /// Records that `operation` was not run here, and why.
    pub fn skip(&self, operation: &'static str, reason: impl Into<String>) {
        lock(&self.skipped).insert(operation, reason.into());
    }

    /// Records that a feature was left out because of the daemon's version.
    pub fn version_skip(&self, feature: &'static str, reason: String) {
        lock(&self.features).insert(feature, reason);
    }

    pub fn exercised(&self, operation: &str) -> bool {
        lock(&self.exercised).contains_key(operation)
    }

    /// Why `operation` did not run, if it has a reason: a run-time skip, a
    /// version gate, or the table of operations that cannot run here.
    fn reason(&self, operation: &str, version: (u32, u32), version_text: &str) -> Option<String> {
        if let Some(reason) = lock(&self.skipped).get(operation) {
            return Some(reason.clone());
        }
        if let Some((_, min, more)) = VERSION_GATED.iter().find(|(id, ..)| *id == operation) {
            return Some(if version < *min {
                format!(
                    "needs API {}.{}, daemon speaks {version_text} (and then: {more})",
                    min.0, min.1
                )
            } else {
                (*more).to_owned()
            });
        }
        NOT_HERE
            .iter()
            .find(|(id, _)| *id == operation)
            .map(|(_, reason)| (*reason).to_owned())
    }

    /// The summary, and the problems: operations neither exercised nor
    /// explained, and recorded names that are no operation.
    pub fn summary(&self, version: (u32, u32), version_text: &str) -> (String, Vec<String>) {
        let mut problems = Vec::new();
        let mut rest = Vec::new();
        let exercised = OPERATIONS.iter().filter(|o| self.exercised(o.id)).count();
        for op in OPERATIONS.iter().filter(|o| !self.exercised(o.id)) {
            match self.reason(op.id, version, version_text) {
                Some(reason) => rest.push((op, reason)),
                None => problems.push(format!(
                    "{} ({} {}) was neither exercised nor explained in coverage.rs",
                    op.id, op.method, op.path
                )),
            }
        }
        for name in lock(&self.unknown).iter() {
            problems.push(format!(
                "{name} was recorded but is not an operation of the spec"
            ));
        }
        let mut text = String::new();
        let _ = writeln!(
            text,
            "Berth contract coverage (daemon API {version_text}, spec API {})",
            berth_client::api::API_VERSION
        );
        let _ = writeln!(
            text,
            "operations exercised against the daemon: {exercised}/{}",
            OPERATIONS.len()
        );
        let _ = writeln!(text, "not exercised here ({}):", rest.len());
        for (op, reason) in &rest {
            let _ = writeln!(text, "  {:<22} {}", op.id, reason);
        }
        let features = lock(&self.features);
        if !features.is_empty() {
            let _ = writeln!(text, "features skipped by the negotiated version:");
            for (feature, reason) in features.iter() {
                let _ = writeln!(text, "  {feature:<40} {reason}");
            }
        }
        (text, problems)
    }
}

#[test]
fn reasons_name_operations_of_the_spec() {
    for (id, _) in NOT_HERE {
        assert!(
            OPERATIONS.iter().any(|o| o.id == *id),
            "{id} in NOT_HERE is not an operation of the spec"
        );
    }
    for (id, ..) in VERSION_GATED {
        assert!(
            OPERATIONS.iter().any(|o| o.id == *id),
            "{id} in VERSION_GATED is not an operation of the spec"
        );
    }
}
