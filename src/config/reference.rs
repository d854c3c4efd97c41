//! The configuration reference, built from the settings' own declarations (variable,
//! default, help text) so it cannot drift from what the service reads:
//! `securehands config` prints every setting with its current value and where it came
//! from (secrets redacted); `securehands config --reference` prints the table that
//! `docs/operations.md` carries.

use clap::parser::ValueSource;
use clap::{ArgMatches, Command};

/// One setting as an operator sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingRow {
    /// The environment variable.
    pub variable: String,
    /// The flag (`--bind`).
    pub flag: String,
    /// The default, when there is one.
    pub default: Option<String>,
    /// The first paragraph of its help text.
    pub meaning: String,
    /// The value in force (redacted for secrets), when set or defaulted.
    pub current: Option<String>,
    /// Where the value came from: `default`, `environment` or `command line`.
    pub source: &'static str,
}

/// Every setting of `command` (the arguments that have an environment variable), in
/// declaration order, with the values `matches` holds.
pub fn settings(command: &Command, matches: &ArgMatches) -> Vec<SettingRow> {
    command
        .get_arguments()
        .filter_map(|arg| {
            let variable = arg.get_env()?.to_string_lossy().into_owned();
            let id = arg.get_id().as_str();
            let default = arg
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .reduce(|a, b| format!("{a},{b}"))
                .filter(|d| !d.is_empty());
            let raw = matches.get_raw(id).map(|values| {
                values
                    .map(|v| v.to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join(",")
            });
            let current = raw.map(|value| {
                if arg.is_hide_env_values_set() {
                    "***".to_string()
                } else {
                    super::redact_url(&value)
                }
            });
            let source = match matches.value_source(id) {
                Some(ValueSource::EnvVariable) => "environment",
                Some(ValueSource::CommandLine) => "command line",
                Some(ValueSource::DefaultValue) => "default",
                _ => "unset",
            };
            let meaning = arg
                .get_long_help()
                .or(arg.get_help())
                .map(|h| h.to_string())
                .unwrap_or_default();
            let meaning = meaning
                .split("\n\n")
                .next()
                .unwrap_or_default()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            Some(SettingRow {
                variable,
                flag: format!("--{}", arg.get_long().unwrap_or(id)),
                default,
                meaning,
                current,
                source,
            })
        })
        .collect()
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The reference table (Markdown): variable, flag, default, meaning.
pub fn reference_table(rows: &[SettingRow]) -> String {
    let mut out = String::from("| variable | flag | default | meaning |\n|---|---|---|---|\n");
    for r in rows {
        out.push_str(&format!(
            "| `{}` | `{}` | {} | {} |\n",
            r.variable,
            r.flag,
            r.default
                .as_deref()
                .map_or("—".to_string(), |d| format!("`{}`", cell(d))),
            cell(&r.meaning)
        ));
    }
    out
}

/// What is in force: one line per setting, `VARIABLE=value  (source)`.
pub fn current_values(rows: &[SettingRow]) -> String {
    let width = rows.iter().map(|r| r.variable.len()).max().unwrap_or(0);
    rows.iter()
        .map(|r| {
            format!(
                "{:width$} = {}  ({})\n",
                r.variable,
                r.current.as_deref().unwrap_or(""),
                r.source
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Arg, Command};

    fn command() -> Command {
        Command::new("t")
            .arg(
                Arg::new("url")
                    .long("url")
                    .env("T_URL")
                    .default_value("sqlite://x.db")
                    .help("Where | it is.\n\nMore."),
            )
            .arg(
                Arg::new("secret")
                    .long("secret")
                    .env("T_SECRET")
                    .hide_env_values(true)
                    .help("Shh."),
            )
            .arg(Arg::new("plain").long("plain").help("No variable."))
    }

    #[test]
    fn rows_redact_secrets_and_passwords_and_say_where_values_came_from() {
        let m = command()
            .try_get_matches_from(["t", "--secret", "abc", "--url", "postgres://u:pw@h/db"])
            .expect("matches");
        let rows = settings(&command(), &m);
        assert_eq!(
            rows.len(),
            2,
            "arguments without a variable are not settings"
        );
        assert_eq!(rows[0].current.as_deref(), Some("postgres://u:***@h/db"));
        assert_eq!(rows[0].source, "command line");
        assert_eq!(rows[0].meaning, "Where | it is.");
        assert_eq!(rows[1].current.as_deref(), Some("***"));
        let table = reference_table(&rows);
        assert!(table.contains("| `T_URL` | `--url` | `sqlite://x.db` | Where \\| it is. |"));
        assert!(table.contains("| `T_SECRET` | `--secret` | — | Shh. |"));
        let m = command().try_get_matches_from(["t"]).expect("matches");
        let rows = settings(&command(), &m);
        assert_eq!(rows[0].source, "default");
        assert_eq!(rows[1].current, None);
        assert!(current_values(&rows).contains("T_SECRET = "));
    }
}
