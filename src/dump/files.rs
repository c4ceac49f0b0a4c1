//! Private output files: created new (never overwriting, never following a
//! planted file) with mode 0600 before a byte is written.

use std::fs::{File, OpenOptions};
use std::path::Path;

/// Creates `path` exclusively, readable and writable by the owner only.
pub fn create_private(path: &Path) -> Result<File, String> {
  let mut o = OpenOptions::new();
  o.write(true).create_new(true);
  #[cfg(unix)]
  {
    use std::os::unix::fs::OpenOptionsExt;
    o.mode(0o600);
  }
  o.open(path)
    .map_err(|e| format!("cannot create {}: {e}", path.display()))
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
    assert!(create_private(&p).unwrap_err().contains("cannot create"));
    let _ = std::fs::remove_dir_all(&dir);
  }
}
