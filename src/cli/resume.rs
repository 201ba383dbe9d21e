//! A run with `--out DIR` keeps a checkpoint of the blocks of replications
//! it has completed (`DIR/.nines-checkpoint`, a part without a trailer:
//! `report/part.rs`), each block appended and synced as it is done. Ctrl-C,
//! a kill or a crash leaves it behind; `nines run FILE --out DIR --resume`
//! folds its complete blocks again (a block cut short by the kill is
//! dropped) and runs the rest, so the results are the uninterrupted run's,
//! byte for byte. A finished run removes it.

use crate::experiment::{BLOCK, Batches, Results};
use crate::metrics::RepOutcome;
use crate::report::part::{self, Header};
use anyhow::{Context, anyhow, bail};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// The checkpoint's name in the `--out` directory.
pub const CHECKPOINT: &str = ".nines-checkpoint";

/// Runs expected to process fewer events keep no checkpoint (they take
/// about a second): the threshold of the progress bar.
pub const CHECKPOINT_EVENTS: f64 = 2e7;

/// The complete blocks of a checkpoint, in order, and where the last ends.
struct Saved {
    blocks: Vec<Vec<RepOutcome>>,
    end: u64,
}

/// Reads the checkpoint at `path` written for a run whose header is
/// `header`: its complete blocks (a damaged or cut tail is dropped).
fn read(path: &Path, header: &Header) -> anyhow::Result<Saved> {
    let name = path.display();
    let file = File::open(path).with_context(|| format!("cannot read {name}"))?;
    let mut reader = BufReader::new(file);
    let mut magic = vec![0; part::MAGIC.len()];
    reader
        .read_exact(&mut magic)
        .map_err(|_| anyhow!("{name} is not a checkpoint of this version of nines"))?;
    if magic != part::MAGIC {
        bail!("{name} was written by another version of nines; run without --resume");
    }
    let mut line = Vec::new();
    reader.read_until(b'\n', &mut line)?;
    if line.pop() != Some(b'\n') {
        bail!("{name} is cut short before its first block; run without --resume");
    }
    let saved = Header::decode(&line).map_err(|e| anyhow!("{name}: {e}"))?;
    if saved.fingerprint() != header.fingerprint() {
        let what = if saved.scenario != header.scenario {
            "the scenario has changed since"
        } else if saved.version != header.version {
            "another version of nines wrote it"
        } else {
            "its seed, replications, horizon, warm-up or threshold differ from this run's"
        };
        bail!(
            "{name} cannot be resumed: {what}\n  = hint: run again with the interrupted run's flags, or without --resume to start over"
        );
    }
    let mut end = reader.stream_position()?;
    let mut blocks = Vec::new();
    loop {
        let index = blocks.len() as u64;
        let mut head = [0; part::RECORD_HEAD_LEN];
        if reader.read_exact(&mut head).is_err() {
            break;
        }
        let Ok((got, count, len, sum)) = part::decode_record_head(&head) else {
            break;
        };
        let expected = (header.replications - index * BLOCK).min(BLOCK);
        if got != index || count != expected || len > 1 << 34 {
            break;
        }
        let mut payload = vec![0; len as usize];
        if reader.read_exact(&mut payload).is_err() {
            break;
        }
        let Ok(outcomes) = part::decode_payload(&payload, count, &sum) else {
            break;
        };
        blocks.push(outcomes);
        end = reader.stream_position()?;
    }
    Ok(Saved { blocks, end })
}

/// Where completed blocks are appended.
struct Writer {
    file: File,
}

impl Writer {
    /// A new checkpoint holding only `header`.
    fn create(path: &Path, header: &Header) -> anyhow::Result<Writer> {
        let mut file =
            File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
        file.write_all(&header.encode())?;
        file.sync_data()?;
        Ok(Writer { file })
    }

    /// The checkpoint at `path`, cut after its last complete block.
    fn reopen(path: &Path, end: u64) -> anyhow::Result<Writer> {
        let mut file = OpenOptions::new()
            .write(true)
            .open(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        file.set_len(end)?;
        file.seek(SeekFrom::Start(end))?;
        Ok(Writer { file })
    }

    fn append(&mut self, index: u64, outcomes: &[RepOutcome]) -> anyhow::Result<()> {
        self.file.write_all(&part::encode_block(index, outcomes))?;
        self.file.sync_data()?;
        Ok(())
    }
}

/// What a checkpointed run needs.
pub struct Checkpointed<'a> {
    pub dir: &'a Path,
    pub header: Header,
    pub resume: bool,
    pub stop: &'a AtomicBool,
}

impl Checkpointed<'_> {
    pub fn path(&self) -> PathBuf {
        self.dir.join(CHECKPOINT)
    }

    /// Runs (or, with `resume`, finishes) the run block by block into
    /// `batches`, each block folded, shown to `each` and then appended to
    /// the checkpoint, until done or `stop` is set. Returns the results
    /// and how many replications came from the checkpoint.
    ///
    /// # Errors
    /// When the checkpoint cannot be read (with `resume`) or written.
    pub fn run(
        &self,
        mut batches: Batches,
        each: &mut dyn FnMut(u64, &RepOutcome),
        progress: &(dyn Fn() + Sync),
    ) -> anyhow::Result<(Results, u64)> {
        let path = self.path();
        let n = self.header.replications;
        let mut writer = if self.resume {
            if !path.exists() {
                bail!(
                    "{} holds no interrupted run to resume (no {CHECKPOINT})\n  = hint: run without --resume",
                    self.dir.display()
                );
            }
            let saved = read(&path, &self.header)?;
            for (b, outcomes) in saved.blocks.iter().enumerate() {
                for (k, o) in outcomes.iter().enumerate() {
                    let rep = b as u64 * BLOCK + k as u64;
                    batches.push(rep, o);
                    each(rep, o);
                    progress();
                }
            }
            Writer::reopen(&path, saved.end)?
        } else {
            Writer::create(&path, &self.header)?
        };
        let resumed = batches.done();
        while batches.done() < n && !self.stop.load(Ordering::SeqCst) {
            let start = batches.done();
            let end = (start + BLOCK).min(n);
            let outcomes = batches.simulate_range(start, end, progress);
            for (k, o) in outcomes.iter().enumerate() {
                batches.push(start + k as u64, o);
                each(start + k as u64, o);
            }
            writer.append(start / BLOCK, &outcomes)?;
        }
        Ok((batches.results(), resumed))
    }

    /// The run is complete and written: its checkpoint goes.
    pub fn finish(&self) -> anyhow::Result<()> {
        std::fs::remove_file(self.path())
            .with_context(|| format!("cannot remove {}", self.path().display()))
    }
}
