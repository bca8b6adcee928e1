//! Editor settings: `initializationOptions` and `workspace/didChangeConfiguration`.
//!
//! Accepted shapes: `{ "settings": {...} }`, `{ "djsec": {...} }` or the settings object itself,
//! with keys `enable`, `select`, `ignore`, `severity` (`{ "DJS101": "error" }`) and `trace`.
//! Unknown keys are ignored (editors send more than we read).

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

use crate::analysis::{Context, RuleSettings, Severity};

#[derive(Debug, Clone)]
pub struct Settings {
    pub enable: bool,
    pub rules: Arc<RuleSettings>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            enable: true,
            rules: Arc::new(RuleSettings::default()),
        }
    }
}

impl Settings {
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
        let list = |key: &str| -> Result<Vec<String>, String> {
            match map.get(key) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|i| {
                        i.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| format!("`{key}` must be a list of strings"))
                    })
                    .collect(),
                Some(_) => Err(format!("`{key}` must be a list of strings")),
            }
        };
        let mut severity = Vec::new();
        if let Some(obj) = map.get("severity").and_then(Value::as_object) {
            for (code, level) in obj {
                let parsed = level.as_str().and_then(Severity::parse).ok_or_else(|| {
                    format!("`severity.{code}` must be error, warning, info or hint")
                })?;
                severity.push((code.clone(), parsed));
            }
        }
        Ok(Settings {
            enable,
            rules: Arc::new(RuleSettings {
                select: list("select")?,
                ignore: list("ignore")?,
                severity,
            }),
        })
    }

    pub fn context_for(&self, path: Option<PathBuf>) -> Context {
        Context {
            path,
            rules: Arc::clone(&self.rules),
            ..Context::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let s = Settings::from_json(
            &serde_json::json!({"settings": {"enable": false, "ignore": ["DJS2"], "severity": {"DJS101": "hint"}}}),
        );
        let s = s.map_err(|e| e.to_string());
        assert!(matches!(&s, Ok(s) if !s.enable && s.rules.ignore == vec!["DJS2".to_string()]));
        assert!(Settings::from_json(&serde_json::json!({"djsec": {"select": "x"}})).is_err());
        assert!(Settings::from_json(&serde_json::json!(null)).is_ok());
    }
}
