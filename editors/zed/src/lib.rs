//! Registers `debuglens lsp` with Zed. Binary lookup, as in the other editors:
//! `lsp.debuglens.binary.path` in Zed settings → `DEBUGLENS_SERVER_PATH` in the project's shell
//! environment → `debuglens` on the project's PATH. Settings under `lsp.debuglens.settings` are the
//! server's `debuglens` section (also sent as initialization options unless those are set).
use zed_extension_api::{self as zed, serde_json, settings::LspSettings, LanguageServerId, Result};

struct DebuglensExtension;

impl DebuglensExtension {
    fn lsp_settings(id: &LanguageServerId, worktree: &zed::Worktree) -> Option<LspSettings> {
        LspSettings::for_worktree(id.as_ref(), worktree).ok()
    }
}

impl zed::Extension for DebuglensExtension {
    fn new() -> Self {
        Self
    }

    fn language_server_command(
        &mut self,
        id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<zed::Command> {
        let env = worktree.shell_env();
        let binary = Self::lsp_settings(id, worktree).and_then(|s| s.binary);
        let from_env = env
            .iter()
            .find(|(k, v)| k == "DEBUGLENS_SERVER_PATH" && !v.is_empty())
            .map(|(_, v)| v.clone());
        let command = binary
            .as_ref()
            .and_then(|b| b.path.clone())
            .or(from_env)
            .or_else(|| worktree.which("debuglens"))
            .ok_or_else(|| {
                "debuglens not found: install it (`cargo install --path .` in the debuglens repository) so \
                 `debuglens` is on PATH, or set \"lsp\": {\"debuglens\": {\"binary\": {\"path\": \"/path/to/debuglens\"}}} \
                 in Zed's settings"
                    .to_string()
            })?;
        let args = binary
            .and_then(|b| b.arguments)
            .unwrap_or_else(|| vec!["lsp".to_string()]);
        Ok(zed::Command { command, args, env })
    }

    fn language_server_initialization_options(
        &mut self,
        id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<Option<serde_json::Value>> {
        let settings = Self::lsp_settings(id, worktree);
        Ok(settings.and_then(|s| s.initialization_options.or(s.settings)))
    }

    fn language_server_workspace_configuration(
        &mut self,
        id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<Option<serde_json::Value>> {
        let settings = Self::lsp_settings(id, worktree).and_then(|s| s.settings);
        Ok(Some(serde_json::json!({ "debuglens": settings.unwrap_or_default() })))
    }
}

zed::register_extension!(DebuglensExtension);
