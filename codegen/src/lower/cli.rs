//! The command-line shape of operations: derived names, and what
//! `x-berth-cli` adds (aliases, docker-style commands).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::Lowerer;
use crate::error::{Error, Location, Result};
use crate::ir::{
    Body, BodyKind, Cli, CliArg, CliArgTarget, CliCommand, Group, Operation, ParamLocation,
};
use crate::naming;

/// `x-berth-cli` on an operation.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct CliExtension {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    defaults: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    commands: Vec<CommandExtension>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct CommandExtension {
    name: String,
    #[serde(default)]
    about: Option<String>,
    #[serde(default)]
    set: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    flags: Vec<String>,
    #[serde(default)]
    args: Vec<ArgExtension>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ArgExtension {
    name: String,
    #[serde(default)]
    value_name: Option<String>,
    #[serde(default)]
    help: Option<String>,
    to: ArgTo,
    #[serde(default)]
    split: Option<String>,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    variadic: bool,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ArgTo {
    One(String),
    Two(Vec<String>),
}

impl<'a> Lowerer<'a> {
    pub(super) fn lower_cli(
        &mut self,
        op: &Operation,
        raw: &openapiv3::Operation,
        at: &Location,
    ) -> Result<Cli> {
        let ext_at = at.join("x-berth-cli");
        let ext: CliExtension = match raw.extensions.get("x-berth-cli") {
            Some(value) => serde_json::from_value(value.clone())
                .map_err(|e| Error::spec(&ext_at, format!("invalid x-berth-cli: {e}")))?,
            None => CliExtension::default(),
        };
        let tag = raw.tags.first().map_or("", String::as_str);
        let mut commands = Vec::new();
        for (i, command) in ext.commands.into_iter().enumerate() {
            commands.push(self.lower_command(
                op,
                command,
                &ext_at.join("commands").join(&i.to_string()),
            )?);
        }
        let mut defaults = Vec::new();
        for (wire, value) in &ext.defaults {
            let param = op
                .params
                .iter()
                .find(|p| &p.wire == wire && p.location != ParamLocation::Path && !p.required)
                .ok_or_else(|| {
                    Error::spec(
                        &ext_at.join("defaults"),
                        format!("`{wire}` is not an optional query or header parameter of this operation"),
                    )
                })?;
            let text = match value {
                serde_json::Value::String(text) => text.clone(),
                serde_json::Value::Bool(_) | serde_json::Value::Number(_) => value.to_string(),
                _ => {
                    return Err(Error::spec(
                        &ext_at.join("defaults"),
                        format!("the default for `{wire}` must be a string, number or boolean"),
                    ))
                }
            };
            defaults.push((param.ident.clone(), text));
        }
        Ok(Cli {
            name: ext.name.unwrap_or_else(|| command_name(&op.id, tag)),
            aliases: ext.aliases,
            commands,
            defaults,
        })
    }

    fn lower_command(
        &mut self,
        op: &Operation,
        ext: CommandExtension,
        at: &Location,
    ) -> Result<CliCommand> {
        let param_ident = |wire: &str, what: &str| {
            op.params
                .iter()
                .find(|p| p.wire == wire)
                .map(|p| p.ident.clone())
                .ok_or_else(|| {
                    Error::spec(
                        at,
                        format!(
                            "{what} names `{wire}`, which is not a parameter of this operation"
                        ),
                    )
                })
        };
        let mut set = Vec::new();
        for (wire, value) in ext.set {
            let ident = param_ident(&wire, "`set`")?;
            if !(value.is_string() || value.is_boolean() || value.is_number()) {
                return Err(Error::spec(
                    at,
                    format!("`set` value for `{wire}` must be a string, number or boolean"),
                ));
            }
            set.push((ident, value));
        }
        let flags = ext
            .flags
            .iter()
            .map(|wire| param_ident(wire, "`flags`"))
            .collect::<Result<Vec<_>>>()?;
        let mut args = Vec::new();
        let mut taken = std::collections::BTreeSet::new();
        let count = ext.args.len();
        for (index, arg) in ext.args.into_iter().enumerate() {
            if arg.variadic {
                let fills_list = match (&arg.to, arg.split.as_deref()) {
                    (ArgTo::One(to), None) => op.params.iter().any(|p| {
                        &p.wire == to
                            && p.location != ParamLocation::Path
                            && matches!(p.ty, crate::ir::TypeRef::List(_))
                    }),
                    _ => false,
                };
                if !fills_list || index + 1 != count {
                    return Err(Error::spec(
                        at,
                        format!(
                            "argument `{}`: `variadic: true` needs `to` to name one query or header parameter that is an array, and must be the last argument",
                            arg.name
                        ),
                    ));
                }
            }
            let target = match (&arg.to, arg.split.as_deref()) {
                (ArgTo::One(to), None) if to == "body" => match &op.body {
                    Some(Body {
                        kind: BodyKind::Binary { .. },
                        ..
                    }) => CliArgTarget::Body,
                    _ => {
                        return Err(Error::spec(
                            at,
                            format!(
                            "argument `{}` goes to the body, but the operation has no binary body",
                            arg.name
                        ),
                        ))
                    }
                },
                (ArgTo::One(to), None) => CliArgTarget::Param(param_ident(to, "`to`")?),
                (ArgTo::Two(to), Some("name-tag")) => match to.as_slice() {
                    [name, tag] => {
                        CliArgTarget::NameTag(param_ident(name, "`to`")?, param_ident(tag, "`to`")?)
                    }
                    _ => {
                        return Err(Error::spec(
                            at,
                            "`split: name-tag` needs `to` with exactly two parameters",
                        ))
                    }
                },
                (_, Some(other)) if other != "name-tag" => {
                    return Err(Error::spec(
                        at,
                        format!("unknown `split: {other}`; the supported split is `name-tag`"),
                    ))
                }
                _ => {
                    return Err(Error::spec(
                        at,
                        format!(
                            "argument `{}`: `to` takes one name, or two with `split: name-tag`",
                            arg.name
                        ),
                    ))
                }
            };
            args.push(CliArg {
                ident: naming::unique(naming::field_ident(&arg.name), &mut taken),
                value_name: arg.value_name.unwrap_or_else(|| arg.name.to_uppercase()),
                help: arg.help,
                optional: arg.optional,
                variadic: arg.variadic,
                target,
            });
        }
        // Every required path parameter must be filled, or the command could not run.
        for param in op
            .params
            .iter()
            .filter(|p| p.location == ParamLocation::Path)
        {
            let filled = set.iter().any(|(i, _)| i == &param.ident)
                || args.iter().any(|a| match &a.target {
                    CliArgTarget::Param(i) => i == &param.ident,
                    CliArgTarget::NameTag(a, b) => a == &param.ident || b == &param.ident,
                    CliArgTarget::Body => false,
                });
            if !filled {
                return Err(Error::spec(
                    at,
                    format!(
                        "command `{}` leaves path parameter `{}` unfilled",
                        ext.name, param.wire
                    ),
                ));
            }
        }
        Ok(CliCommand {
            type_name: self.reserve_type_name(&format!(
                "{}{}",
                naming::type_ident(&op.id, "Operation"),
                naming::type_ident(&ext.name, "Command")
            )),
            name: ext.name,
            about: ext.about,
            set,
            flags,
            args,
        })
    }
}

/// `ContainerList` in tag `Container` → `list`; without the tag prefix the
/// whole operationId in kebab-case.
fn command_name(operation_id: &str, tag: &str) -> String {
    let words = naming::words(operation_id);
    let tag_words = naming::words(tag);
    match words.strip_prefix(tag_words.as_slice()) {
        Some(rest) if !rest.is_empty() && !tag_words.is_empty() => rest.join("-"),
        _ => words.join("-"),
    }
}

/// Checks that command names and aliases in a group are unique.
pub fn finish_group(group: &mut Group) -> Result<()> {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for op in &group.operations {
        let names = std::iter::once(&op.cli.name)
            .chain(&op.cli.aliases)
            .chain(op.cli.commands.iter().map(|c| &c.name));
        for name in names {
            if name.is_empty() || name.starts_with('-') || name.contains(char::is_whitespace) {
                return Err(Error::spec(
                    &Location::root().in_operation(&op.id),
                    format!("`{name}` is not a usable command name"),
                ));
            }
            if let Some(other) = seen.insert(name.clone(), op.id.clone()) {
                return Err(Error::spec(
                    &Location::root().in_operation(&op.id),
                    format!(
                        "command name `{name}` in group `{}` is used by both {other} and {}",
                        group.command, op.id
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::command_name;

    #[test]
    fn command_names_drop_the_tag() {
        assert_eq!(command_name("ContainerList", "Container"), "list");
        assert_eq!(command_name("ImageCreate", "Image"), "create");
        assert_eq!(
            command_name("PutContainerArchive", "Container"),
            "put-container-archive"
        );
        assert_eq!(command_name("Container", "Container"), "container");
        assert_eq!(command_name("getPets", ""), "get-pets");
    }
}
