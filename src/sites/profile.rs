//! One reading of V8's sampling heap profiler, as plain data.
//!
//! V8's `AllocationProfile` is a tree of call stacks: each node is one frame
//! (function, script, line, column) under its caller, with the sampled
//! allocations made *at* that stack that are still alive (V8 drops a sample
//! when its object is collected). `src/v8/sampling.rs` copies the tree into
//! a [`Profile`]: a flat node list in which every node names its parent and an
//! interned [`Frame`], so the pure code here never touches V8.

use std::collections::HashMap;

/// One stack frame of an allocation: V8's 1-based line and column (0 when
/// V8 has no position, e.g. for native functions).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Frame {
  pub function: String,
  /// The script's URL or path as V8 knows it (`node:internal/…`,
  /// `/srv/app/server.js`, `file:///srv/app/esm.mjs`, or empty for natives).
  pub url: String,
  pub line: u32,
  pub column: u32,
}

/// Where a frame's code comes from: what decides whether it is a line a
/// person can fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
  /// The application's own code: a site a person fixes.
  App,
  /// A dependency (`node_modules`).
  Dependency,
  /// Node.js itself (`node:`, `internal/`), V8 builtins and natives (no URL).
  Runtime,
  /// leakwatch's own code (its JS files), never blamed.
  Leakwatch,
}

impl Frame {
  /// The file path of the frame's script (`file://` URLs decoded to paths).
  pub fn file(&self) -> &str {
    self.url.strip_prefix("file://").unwrap_or(&self.url)
  }

  /// Classifies the frame; `own_dir` is leakwatch's package directory.
  pub fn origin(&self, own_dir: &str) -> Origin {
    let file = self.file();
    if file.is_empty() || self.url.starts_with("node:") || file.starts_with("internal/") || !looks_like_path(file) {
      Origin::Runtime
    } else if !own_dir.is_empty() && file.starts_with(own_dir) && is_own_file(&file[own_dir.len()..]) {
      Origin::Leakwatch
    } else if file.contains("/node_modules/") || file.contains("\\node_modules\\") {
      Origin::Dependency
    } else {
      Origin::App
    }
  }

  /// `file:line:column`, or the function's name when V8 knows no script
  /// (natives such as `(V8 API)`).
  pub fn location(&self) -> String {
    if self.file().is_empty() {
      self.display()
    } else {
      format!("{}:{}:{}", self.file(), self.line, self.column)
    }
  }

  /// `function (file:line:column)`, the way Node prints a stack frame.
  pub fn display(&self) -> String {
    let name = if self.function.is_empty() { "(anonymous)" } else { &self.function };
    if self.file().is_empty() {
      name.to_string()
    } else {
      format!("{name} ({}:{}:{})", self.file(), self.line, self.column)
    }
  }
}

/// leakwatch's own runtime files, relative to its package directory (its
/// tests, benches, demo and their fixtures are programs like any other).
fn is_own_file(rest: &str) -> bool {
  let rest = rest.replace('\\', "/");
  rest.starts_with("lib/")
    || matches!(rest.as_str(), "index.js" | "index.mjs" | "register.js" | "binding.js" | "bin/leakwatch.js")
}

/// A script URL that names a file: an absolute path (Unix or Windows) or a
/// relative one with a directory (evaluated code, `[eval]`, has neither).
fn looks_like_path(file: &str) -> bool {
  file.starts_with('/') || file.as_bytes().get(1) == Some(&b':') || file.starts_with("\\\\") || file.contains('/')
}

/// A node of the profile's tree.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileNode {
  /// V8's node id: stable for as long as the profiler runs.
  pub id: u32,
  /// Index of the caller's node in [`Profile::nodes`] (`None` for the root).
  pub parent: Option<usize>,
  /// Index into [`Profile::frames`].
  pub frame: usize,
  /// Estimated live bytes allocated at exactly this stack (V8's sample sizes
  /// times their scaled counts).
  pub bytes: u64,
  /// Estimated live objects allocated at this stack (V8's scaled counts).
  pub objects: u64,
}

/// A copy of the profiler's tree. Parents come before their children.
#[derive(Clone, Debug, Default)]
pub struct Profile {
  pub frames: Vec<Frame>,
  pub nodes: Vec<ProfileNode>,
}

impl Profile {
  /// The stack of node `i`, allocating frame first, root excluded.
  pub fn stack(&self, mut i: usize) -> Vec<usize> {
    let mut out = Vec::new();
    loop {
      let n = &self.nodes[i];
      match n.parent {
        Some(p) => {
          out.push(n.frame);
          i = p;
        }
        None => return out,
      }
    }
  }

  /// Total estimated live bytes in the profile.
  pub fn total_bytes(&self) -> u64 {
    self.nodes.iter().map(|n| n.bytes).sum()
  }
}

/// Interns frames across readings, so the same frame is one index (and
/// `src/v8/sampling.rs` converts V8's strings once per profiler node).
#[derive(Default)]
pub struct FrameTable {
  index: HashMap<Frame, usize>,
  frames: Vec<Frame>,
}

impl FrameTable {
  /// The index of `frame`, adding it if new.
  pub fn intern(&mut self, frame: Frame) -> usize {
    if let Some(&i) = self.index.get(&frame) {
      return i;
    }
    let i = self.frames.len();
    self.frames.push(frame.clone());
    self.index.insert(frame, i);
    i
  }

  pub fn frames(&self) -> &[Frame] {
    &self.frames
  }

  pub fn len(&self) -> usize {
    self.frames.len()
  }

  pub fn is_empty(&self) -> bool {
    self.frames.is_empty()
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn f(url: &str) -> Frame {
    Frame { function: "f".into(), url: url.into(), line: 3, column: 7 }
  }

  #[test]
  fn origins() {
    let own = "/opt/app/node_modules/leakwatch/";
    assert_eq!(f("/srv/app/server.js").origin(own), Origin::App);
    assert_eq!(f("file:///srv/app/esm.mjs").origin(own), Origin::App);
    assert_eq!(f("C:\\srv\\app\\server.js").origin(own), Origin::App);
    assert_eq!(f("/srv/app/node_modules/express/lib/router/index.js").origin(own), Origin::Dependency);
    assert_eq!(f("node:_http_server").origin(own), Origin::Runtime);
    assert_eq!(f("node:internal/buffer").origin(own), Origin::Runtime);
    assert_eq!(f("internal/buffer.js").origin(own), Origin::Runtime);
    assert_eq!(f("").origin(own), Origin::Runtime);
    assert_eq!(f("[eval]").origin(own), Origin::Runtime);
    assert_eq!(f("/opt/app/node_modules/leakwatch/index.js").origin(own), Origin::Leakwatch);
    assert_eq!(f("/opt/app/node_modules/leakwatch/lib/sampling.js").origin(own), Origin::Leakwatch);
    assert_eq!(f("/opt/app/node_modules/leakwatch/register.js").origin(own), Origin::Leakwatch);
    assert_eq!(f("/opt/app/node_modules/leakwatch/bin/leakwatch.js").origin(own), Origin::Leakwatch);
    assert_eq!(f("/work/leakwatch/bin/demo.js").origin("/work/leakwatch/"), Origin::App);
    assert_eq!(f("/opt/app/node_modules/leakwatch/node_modules/x/y.js").origin(own), Origin::Dependency);
    // Its tests and benches are programs like any other.
    assert_eq!(f("/opt/app/node_modules/leakwatch/test/fixtures/app.js").origin(own), Origin::Dependency);
    assert_eq!(f("/work/leakwatch/bench/scenarios/leak-map.js").origin("/work/leakwatch/"), Origin::App);
  }

  #[test]
  fn display_and_file() {
    assert_eq!(f("file:///srv/a.mjs").file(), "/srv/a.mjs");
    assert_eq!(f("/srv/a.js").display(), "f (/srv/a.js:3:7)");
    let native = Frame { function: String::new(), url: String::new(), line: 0, column: 0 };
    assert_eq!(native.display(), "(anonymous)");
    assert_eq!(native.location(), "(anonymous)");
    assert_eq!(f("/srv/a.js").location(), "/srv/a.js:3:7");
  }

  #[test]
  fn stacks_walk_to_the_root() {
    let mut t = FrameTable::default();
    let root = t.intern(Frame { function: "(root)".into(), url: String::new(), line: 0, column: 0 });
    let a = t.intern(f("/srv/a.js"));
    let b = t.intern(f("/srv/b.js"));
    assert_eq!(t.intern(f("/srv/a.js")), a, "interned once");
    let p = Profile {
      frames: t.frames().to_vec(),
      nodes: vec![
        ProfileNode { id: 1, parent: None, frame: root, bytes: 0, objects: 0 },
        ProfileNode { id: 2, parent: Some(0), frame: a, bytes: 10, objects: 1 },
        ProfileNode { id: 3, parent: Some(1), frame: b, bytes: 30, objects: 2 },
      ],
    };
    assert_eq!(p.stack(2), vec![b, a]);
    assert_eq!(p.total_bytes(), 40);
  }
}
