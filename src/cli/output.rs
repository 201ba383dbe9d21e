//! Files written by `--out`: where they may go, their permissions, and the
//! record of what produced them.

use crate::experiment::Settings;
use anyhow::{Context, anyhow, bail};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The files a run writes into its `--out` directory.
pub const RESULT_FILES: [&str; 3] = ["summary.json", "replications.csv", "report.html"];

/// Creates `dir` if needed; refuses one that already holds results unless
/// `force`, so that a run never overwrites another by accident.
pub fn prepare_dir(dir: &Path, force: bool) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let present: Vec<&str> = RESULT_FILES
        .into_iter()
        .filter(|f| dir.join(f).exists())
        .collect();
    if !present.is_empty() && !force {
        bail!(
            "{} already holds results ({}); nothing was run\n  = hint: add --force to replace them, or choose another directory",
            dir.display(),
            present.join(", ")
        );
    }
    // What a killed run was writing: never renamed into place, so never
    // results; gone before this run writes its own.
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    Ok(())
}

/// The prefix of the temporary files written into an `--out` directory.
pub const TEMP_PREFIX: &str = ".nines-unfinished-";

/// A temporary file in `dir`, to be renamed into place when finished, with
/// the permissions of any new file (0644 less the umask) rather than the
/// owner-only 0600 of temporary files.
pub fn temp_file(dir: &Path) -> anyhow::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    builder
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))
}

/// Moves a finished temporary file to its final name in one rename, so
/// readers never see a half-written file.
pub fn persist(file: tempfile::NamedTempFile, path: &Path) -> anyhow::Result<()> {
    file.as_file().sync_all()?;
    file.persist(path)
        .map_err(|e| anyhow!("cannot write {}: {}", path.display(), e.error))?;
    Ok(())
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The settings a result depends on, in one line: every field of
/// [`Settings`], so that a setting added there is never left out of the
/// hash (the thread count is not among them: results do not depend on it).
pub fn settings_text(settings: &Settings) -> String {
    format!("{settings:?}")
}

/// `input` of the summary: the scenario's path as given, the SHA-256 of its
/// bytes, and the SHA-256 of the settings, so that a result can be traced to
/// what produced it.
pub fn input_json(path: &Path, settings: &Settings) -> anyhow::Result<serde_json::Value> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(input_json_bytes(path, &bytes, settings))
}

/// [`input_json`] of scenario bytes already read.
pub fn input_json_bytes(path: &Path, bytes: &[u8], settings: &Settings) -> serde_json::Value {
    let settings_text = settings_text(settings);
    serde_json::json!({
        "path": path.display().to_string(),
        "sha256": sha256_hex(bytes),
        "settings": settings_text,
        "settings_sha256": sha256_hex(settings_text.as_bytes()),
    })
}

/// Writes the results of a run into `dir`, each file atomically:
/// `replications.csv` (already written to `csv`), `summary.json` and
/// `report.html`. `nines run` and `nines merge` both end here.
pub fn write_results(
    dir: &Path,
    csv: tempfile::NamedTempFile,
    json: &str,
    page: &str,
) -> anyhow::Result<()> {
    use std::io::Write;
    persist(csv, &dir.join("replications.csv"))?;
    let mut summary = temp_file(dir)?;
    summary.write_all(json.as_bytes())?;
    persist(summary, &dir.join("summary.json"))?;
    let mut html = temp_file(dir)?;
    html.write_all(page.as_bytes())?;
    persist(html, &dir.join("report.html"))
}

/// Draws the charts of the run's page as PNG files `width` pixels wide
/// into `dir/charts/` (availability.png, availability-over-time.png, ...):
/// every one is drawn into a temporary file first, and they are all moved
/// into place only once all are drawn. Returns the files written.
pub fn write_png_charts(
    dir: &Path,
    report: &crate::report::Report,
    width: u32,
) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let charts = dir.join("charts");
    std::fs::create_dir_all(&charts)
        .with_context(|| format!("cannot create {}", charts.display()))?;
    let data = crate::report::html::ChartData::new(report);
    let mut drawn = Vec::new();
    for (name, plot) in data.plots() {
        let mut builder = tempfile::Builder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o644));
        }
        let file = builder
            .prefix(TEMP_PREFIX)
            .suffix(".png")
            .tempfile_in(&charts)
            .with_context(|| format!("cannot write in {}", charts.display()))?;
        plot.png(width, file.path())
            .map_err(|e| anyhow!("cannot draw {name}.png: {e}"))?;
        drawn.push((file, charts.join(format!("{name}.png"))));
    }
    let mut written = Vec::new();
    for (file, path) in drawn {
        persist(file, &path)?;
        written.push(path);
    }
    Ok(written)
}

/// Writes `text` to `path` in one rename, so a reader never sees half a
/// file (the JUnit and Markdown reports).
pub fn write_file(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut file = temp_file(dir)?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    persist(file, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_is_the_standard_digest() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
