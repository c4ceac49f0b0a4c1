//! Streaming gzip of a finished plain snapshot into a new private file
//! (used by the synchronous API, where no JS stream can run).

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use flate2::write::GzEncoder;
use flate2::Compression;

use super::error::{DumpError, Step};

/// Compresses `src` into the new file `dst` (mode 0600) at gzip level 1 —
/// heap snapshots shrink to ~15 % at that level and higher ones cost far
/// more time for ~2 points. Returns the bytes written; on error `dst` is
/// removed.
pub fn gzip_file(src: &Path, dst: &Path) -> Result<u64, DumpError> {
  let read = |source| DumpError::Read { step: Step::Compress, path: src.to_path_buf(), source };
  let write = |source| DumpError::Write { step: Step::Compress, path: dst.to_path_buf(), source };
  let mut input = File::open(src).map_err(read)?;
  let file = super::files::create_private(dst).map_err(|source| DumpError::Create {
    step: Step::Compress,
    path: dst.to_path_buf(),
    source,
  })?;
  let result = (|| {
    let mut gz = GzEncoder::new(BufWriter::with_capacity(1 << 20, &file), Compression::fast());
    let mut buf = vec![0u8; 1 << 20];
    loop {
      let n = match input.read(&mut buf) {
        Ok(0) => break,
        Ok(n) => n,
        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
        Err(e) => return Err(read(e)),
      };
      gz.write_all(&buf[..n]).map_err(write)?;
    }
    gz.finish().and_then(|mut w| w.flush()).map_err(write)?;
    file.sync_all().map_err(write)?;
    file.metadata().map(|m| m.len()).map_err(write)
  })();
  if result.is_err() {
    let _ = std::fs::remove_file(dst);
  }
  result
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::io::Read;

  #[test]
  fn round_trip_and_cleanup() {
    let dir = std::env::temp_dir().join(format!("leakwatch-gzip-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let (src, dst) = (dir.join("a.heapsnapshot"), dir.join("a.heapsnapshot.gz"));
    let _ = std::fs::remove_file(&dst);
    let text = "{\"x\":[1,2,3]}".repeat(1000);
    std::fs::write(&src, &text).unwrap();
    let n = gzip_file(&src, &dst).unwrap();
    assert!(n > 0 && n < text.len() as u64 / 4);
    let mut back = String::new();
    flate2::read::GzDecoder::new(File::open(&dst).unwrap())
      .read_to_string(&mut back)
      .unwrap();
    assert_eq!(back, text);
    // An existing output is not overwritten.
    let e = gzip_file(&src, &dst).unwrap_err();
    assert_eq!(e.code(), "ERR_LEAKWATCH_DUMP_CREATE", "{e}");
    assert!(dst.exists(), "the existing file is left alone");
    // Missing input: error, and no output file left behind.
    let _ = std::fs::remove_file(&dst);
    let e = gzip_file(&dir.join("missing"), &dst).unwrap_err();
    assert_eq!(e.code(), "ERR_LEAKWATCH_DUMP_READ", "{e}");
    assert!(e.to_string().contains("missing"), "{e}");
    assert!(!dst.exists());
    let _ = std::fs::remove_dir_all(&dir);
  }
}
