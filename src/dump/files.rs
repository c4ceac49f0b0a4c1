//! Private output files: created new (never overwriting, never following a
//! planted file) with mode 0600 before a byte is written.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Creates `path` exclusively, readable and writable by the owner only.
/// Callers wrap the error in a [`super::DumpError::Create`] naming the path.
pub fn create_private(path: &Path) -> io::Result<File> {
  let mut o = OpenOptions::new();
  o.write(true).create_new(true);
  #[cfg(unix)]
  {
    use std::os::unix::fs::OpenOptionsExt;
    o.mode(0o600);
  }
  o.open(path)
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn private_and_exclusive() {
    let dir = std::env::temp_dir().join(format!("leakwatch-files-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let p = dir.join("a");
    let _ = std::fs::remove_file(&p);
    create_private(&p).unwrap();
    #[cfg(unix)]
    {
      use std::os::unix::fs::PermissionsExt;
      assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert_eq!(create_private(&p).unwrap_err().kind(), io::ErrorKind::AlreadyExists);
    let _ = std::fs::remove_dir_all(&dir);
  }
}
