//! Editor settings: `initializationOptions` and `workspace/didChangeConfiguration`.
//!
//! Accepted shapes: `{ "settings": {...} }`, `{ "djsec": {...} }` or the settings object itself,
//! with `enable`, `trace`, and any configuration key in camelCase or kebab-case (`select`,
//! `ignore`, `extendSelect`, `severity` (`{ "DJS101": "error" }`), `perFileIgnores`, `exclude`,
//! `externalSuppressions`, ...; see docs/configuration.md). They go over the configuration
//! files. Unknown keys are ignored (editors send more than we read). `workspaceDiagnostics`
//! (`off` / `settings` / `all`) is read by `server/workspace.rs`.

use serde_json::Value;

use super::workspace::Scope;
use crate::config::{self, Layer};

#[derive(Debug, Clone)]
pub struct Settings {
    pub enable: bool,
    /// The configuration layer the editor puts over every configuration file.
    pub layer: Layer,
    /// Which files of the workspace are reported besides the open ones; `None`: the default for
    /// the client (every file for pull clients, settings modules and URLconfs for the others).
    pub workspace_diagnostics: Option<Scope>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            enable: true,
            layer: Layer::default(),
            workspace_diagnostics: None,
        }
    }
}

impl Settings {
    /// Parse editor settings; an invalid value is an error naming its key (the server then
    /// keeps the settings it had).
    pub fn from_json(value: &Value) -> Result<Settings, String> {
        let mut object = value;
        for key in ["settings", "djsec"] {
            if let Some(inner) = object.get(key).filter(|v| v.is_object()) {
                object = inner;
            }
        }
        if object.is_null() {
            return Ok(Settings::default());
        }
        let Some(map) = object.as_object() else {
            return Err("settings must be an object".to_string());
        };
        let enable = match map.get("enable") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(b)) => *b,
            Some(other) => return Err(format!("`enable` must be a boolean, not {other}")),
        };
        let workspace = map
            .get("workspaceDiagnostics")
            .or_else(|| map.get("workspace-diagnostics"));
        let workspace_diagnostics = match workspace {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => Some(Scope::parse(s).ok_or_else(|| {
                format!(
                    "`workspaceDiagnostics` must be \"off\", \"settings\" or \"all\", not \"{s}\""
                )
            })?),
            Some(other) => {
                return Err(format!(
                    "`workspaceDiagnostics` must be \"off\", \"settings\" or \"all\", not {other}"
                ));
            }
        };
        let (layer, errors) = config::layer_from_json(object);
        if !errors.is_empty() {
            let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
            return Err(shown.join("; "));
        }
        Ok(Settings {
            enable,
            layer,
            workspace_diagnostics,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Selector;

    #[test]
    fn shapes() {
        let s = Settings::from_json(
            &serde_json::json!({"settings": {"enable": false, "ignore": ["DJS2"], "severity": {"DJS101": "hint"}}}),
        );
        let s = s.map_err(|e| e.to_string());
        assert!(
            matches!(&s, Ok(s) if !s.enable && s.layer.ignore == vec![Selector::Prefix("DJS2".to_string())])
        );
        assert!(Settings::from_json(&serde_json::json!({"djsec": {"select": "x"}})).is_err());
        assert!(Settings::from_json(&serde_json::json!(null)).is_ok());
    }

    #[test]
    fn workspace_diagnostics_scope() {
        let scope = |v: serde_json::Value| {
            Settings::from_json(&serde_json::json!({ "settings": v }))
                .map(|s| s.workspace_diagnostics)
        };
        assert_eq!(scope(serde_json::json!({})), Ok(None));
        assert_eq!(
            scope(serde_json::json!({"workspaceDiagnostics": "all"})),
            Ok(Some(Scope::All))
        );
        assert_eq!(
            scope(serde_json::json!({"workspace-diagnostics": "settings"})),
            Ok(Some(Scope::Settings))
        );
        assert_eq!(
            scope(serde_json::json!({"workspaceDiagnostics": "OFF"})),
            Ok(Some(Scope::Off))
        );
        assert!(scope(serde_json::json!({"workspaceDiagnostics": "some"})).is_err());
        assert!(scope(serde_json::json!({"workspaceDiagnostics": true})).is_err());
    }
}
