//! Live sampled bytes per allocation site over time, and which sites grow.
//!
//! A *site* is the first frame of the application's own code on an
//! allocation's stack, walking from the allocating frame toward the root
//! (`Origin::App`): the line a person fixes, even when the object itself is
//! made inside Node or a dependency (a Buffer is allocated in
//! `node:internal/buffer`, on behalf of the line that called
//! `Buffer.allocUnsafe`). Stacks with no frame of the application (a
//! `ServerResponse` made by Node's HTTP parser) are kept too, under their
//! allocating frame, and marked `in_app: false`. Stacks that pass through
//! leakwatch's own code are leakwatch's allocations and are left out.
//!
//! A site's *stack* is the stack under it that gained the most live bytes
//! lately (decayed sum of each reading's gain per profiler node), not the
//! one holding the most: a site's steady buffers must not hide the path that
//! grows. `lib/source-lines.js` reads that stack to find the statement.
//!
//! Each reading adds one point (time, live bytes, exact) to every site's
//! series. A reading right after a full GC is *exact*: V8 drops a sample
//! when a collection finds its object dead, so then only live objects are
//! left. Any other reading is an upper bound: it still counts the garbage
//! no collection has looked at yet (after a young GC, the old generation's:
//! an array's outgrown backing stores, at the site that grows the array).
//! Series and the site table are bounded ([`MAX_POINTS`], [`MAX_SITES`]):
//! when a series is full its older half is thinned, so a long run keeps a
//! coarse past and a fine present.
//!
//! [`SiteTable::rank`] says which sites grew over a window (a leak's span):
//! Mann–Kendall for the direction, Theil–Sen for the rate, and a growth of
//! at least two sampling intervals (one sample more is noise). Early in a
//! fast leak there are too few readings for the test; then *plain growth*
//! is enough: four intervals that never go down (two or three readings),
//! or, with an exact reading at the end, four intervals gained from the
//! first reading to the last exact one, each exact reading above the one
//! before and no reading below an earlier exact one (no definite fall: an
//! upper bound above a later exact reading is garbage collected since, not
//! a fall). Sites of the
//! application come first, then the others; within each, the fastest first.

use std::collections::HashMap;

use serde::Serialize;
#[cfg(test)]
use ts_rs::TS;

use super::profile::{Frame, Origin, Profile};
use crate::detector::trend::{mann_kendall, theil_sen};

/// Points kept per site.
pub const MAX_POINTS: usize = 64;
/// Sites kept; past it, the smallest that do not grow are dropped.
pub const MAX_SITES: usize = 1024;
/// Frames kept of a site's growing stack.
pub const MAX_STACK: usize = 16;
/// Profiler nodes followed per site (their gains pick the growing stack).
const MAX_PATHS: usize = 8;
/// Weight kept of a node's past gains at each reading.
const GAIN_DECAY: f64 = 0.8;
/// One-sided Mann–Kendall p-value a growing site must reach.
const MAX_P: f64 = 0.1;
/// Readings from which the Mann–Kendall test decides (with three, the
/// smallest p-value it can give is 0.15).
const MIN_TESTED: usize = 4;

/// One reading of one site.
#[derive(Clone, Copy, Debug)]
struct Point {
  /// Wall clock, ms.
  t: f64,
  /// Live sampled bytes (an upper bound unless `exact`).
  bytes: f64,
  /// Read right after a full GC: only live objects were counted.
  exact: bool,
}

#[derive(Clone, Debug)]
struct Site {
  frame: Frame,
  in_app: bool,
  points: Vec<Point>,
  /// Frames of the stack that gained the most live bytes lately,
  /// allocating frame first.
  stack: Vec<Frame>,
  /// The profiler nodes under this site: (V8 node id, last bytes, decayed gain).
  paths: Vec<(u32, u64, f64)>,
  /// Live sampled objects in the latest reading.
  objects: u64,
}

impl Site {
  fn push(&mut self, t: f64, bytes: f64, exact: bool) {
    if self.points.len() >= MAX_POINTS {
      let half = self.points.len() / 2;
      let mut i = 0;
      self.points.retain(|_| {
        i += 1;
        i > half || i % 2 == 1
      });
    }
    self.points.push(Point { t, bytes, exact });
  }

  fn bytes(&self) -> f64 {
    self.points.last().map_or(0.0, |p| p.bytes)
  }
}

/// A site that grew over the ranked window.
#[derive(Clone, Debug, PartialEq)]
pub struct GrowingSite {
  pub frame: Frame,
  pub in_app: bool,
  pub live_bytes: u64,
  pub bytes_per_sec: f64,
  /// Live bytes gained over the window (last point − first).
  pub growth_bytes: f64,
  /// This site's rate over the sum of every growing site's.
  pub share: f64,
  pub objects: u64,
  /// The growing stack, allocating frame first.
  pub stack: Vec<Frame>,
  /// Whether each frame of `stack` is the application's own code.
  pub stack_app: Vec<bool>,
}

/// One frame of a site's growing stack.
#[derive(Serialize, Clone, Debug)]
#[cfg_attr(test, derive(TS))]
pub struct SiteFrame {
  pub function: String,
  pub file: String,
  pub line: u32,
  pub column: u32,
  /// The application's own code (not `node:`, `node_modules` or leakwatch).
  pub app: bool,
}

/// A growing allocation site as the sampler sees it; `lib/source-lines.js`
/// adds the statement read from the source (`AllocationSite` in `index.d.ts`).
/// V8's sampler records functions, not statements: `line`/`column` are where
/// the allocating function is defined, and a function the optimizing
/// compiler inlined counts in its caller.
#[derive(Serialize, Clone, Debug)]
#[cfg_attr(test, derive(TS))]
#[cfg_attr(test, ts(rename = "SampledSite"))]
pub struct SiteReport {
  #[serde(flatten)]
  pub site: SitePlace,
  pub bytes_per_min: f64,
  pub growth_bytes: f64,
  /// This site's rate over the sum of every growing site's, 0..1.
  pub share: f64,
  /// The stack that grows there, allocating frame first:
  /// `function (file:line:column)`.
  pub stack: Vec<String>,
  /// The same stack, frame by frame.
  pub frames: Vec<SiteFrame>,
}

/// Where a site is and what it holds now.
#[derive(Serialize, Clone, Debug)]
#[cfg_attr(test, derive(TS))]
pub struct SitePlace {
  /// The first function of the application's own code on the allocation's
  /// stack (outside `node:` internals, `node_modules` and leakwatch), or,
  /// when none is on it (`in_app: false`), the allocating one.
  pub function: String,
  pub file: String,
  pub line: u32,
  pub column: u32,
  /// `file:line:column`, or the function's name when V8 knows no script
  /// (e.g. `(V8 API)`).
  pub location: String,
  pub in_app: bool,
  /// Estimated live bytes allocated there now (sampled, scaled).
  pub live_bytes: u64,
  /// Estimated live objects allocated there.
  pub objects: u64,
}

impl SitePlace {
  fn new(frame: &Frame, in_app: bool, live_bytes: u64, objects: u64) -> SitePlace {
    SitePlace {
      function: if frame.function.is_empty() { "(anonymous)".to_string() } else { frame.function.clone() },
      file: frame.file().to_string(),
      line: frame.line,
      column: frame.column,
      location: frame.location(),
      in_app,
      live_bytes,
      objects,
    }
  }
}

impl GrowingSite {
  pub fn report(&self) -> SiteReport {
    SiteReport {
      site: SitePlace::new(&self.frame, self.in_app, self.live_bytes, self.objects),
      bytes_per_min: (self.bytes_per_sec * 60.0).round(),
      growth_bytes: self.growth_bytes.round(),
      share: (self.share * 1000.0).round() / 1000.0,
      stack: self.stack.iter().map(Frame::display).collect(),
      frames: self
        .stack
        .iter()
        .zip(&self.stack_app)
        .map(|(f, &app)| SiteFrame {
          function: f.function.clone(),
          file: f.file().to_string(),
          line: f.line,
          column: f.column,
          app,
        })
        .collect(),
    }
  }
}

/// Updates a site's followed nodes with one reading's `(node id, bytes)`:
/// each gain (bytes above the node's last reading) adds to a decayed sum;
/// nodes absent from the reading read zero. Keeps the [`MAX_PATHS`] with the
/// largest gains, the largest first (ties: more live bytes first).
fn follow_paths(paths: &mut Vec<(u32, u64, f64)>, reading: impl Iterator<Item = (u32, u64)>) {
  let mut seen: HashMap<u32, u64> = reading.collect();
  for p in paths.iter_mut() {
    let bytes = seen.remove(&p.0).unwrap_or(0);
    p.2 = p.2 * GAIN_DECAY + bytes.saturating_sub(p.1) as f64;
    p.1 = bytes;
  }
  paths.extend(seen.into_iter().map(|(id, bytes)| (id, bytes, bytes as f64)));
  paths.sort_by(|a, b| b.2.total_cmp(&a.2).then(b.1.cmp(&a.1)).then(a.0.cmp(&b.0)));
  paths.truncate(MAX_PATHS);
}

/// Sites and their series for one isolate.
pub struct SiteTable {
  own_dir: String,
  sites: HashMap<Frame, Site>,
  readings: u64,
}

impl SiteTable {
  /// `own_dir`: leakwatch's package directory (its frames are never blamed).
  pub fn new(own_dir: &str) -> SiteTable {
    SiteTable { own_dir: own_dir.to_string(), sites: HashMap::new(), readings: 0 }
  }

  pub fn len(&self) -> usize {
    self.sites.len()
  }

  pub fn is_empty(&self) -> bool {
    self.sites.is_empty()
  }

  pub fn readings(&self) -> u64 {
    self.readings
  }

  /// Forgets every site and series (the sampler restarted: V8's new sample
  /// set starts empty, so the old series would read as a fall).
  pub fn clear(&mut self) {
    self.sites.clear();
  }

  /// Bytes this table holds, roughly (for `getStats()`).
  pub fn memory_bytes(&self) -> usize {
    self
      .sites
      .values()
      .map(|s| {
        std::mem::size_of::<Site>()
          + s.points.capacity() * std::mem::size_of::<Point>()
          + s.stack.iter().map(|x| x.function.capacity() + x.url.capacity() + 56).sum::<usize>()
          + s.paths.capacity() * 24
          + 2 * (s.frame.function.capacity() + s.frame.url.capacity())
      })
      .sum()
  }

  /// Where the live bytes of node `i` belong: `Some((site frame, in_app))`,
  /// or `None` when leakwatch itself allocated them.
  fn site_of(&self, p: &Profile, stack: &[usize]) -> Option<(usize, bool)> {
    for &f in stack {
      match p.frames[f].origin(&self.own_dir) {
        Origin::App => return Some((f, true)),
        Origin::Leakwatch => return None,
        Origin::Runtime | Origin::Dependency => {}
      }
    }
    // No frame of the application: the allocating frame with a script,
    // else the allocating frame.
    let f = stack.iter().copied().find(|&f| !p.frames[f].file().is_empty()).or(stack.first().copied())?;
    Some((f, false))
  }

  /// Adds one reading taken at `t_ms` (wall clock); `exact`: right after a
  /// full GC.
  pub fn ingest(&mut self, t_ms: f64, exact: bool, p: &Profile) {
    self.readings += 1;
    // site frame index → (bytes, objects, in_app, [(node index, bytes)])
    let mut now: HashMap<usize, (u64, u64, bool, Vec<(usize, u64)>)> = HashMap::new();
    for (i, n) in p.nodes.iter().enumerate() {
      if n.bytes == 0 {
        continue;
      }
      let stack = p.stack(i);
      let Some((f, in_app)) = self.site_of(p, &stack) else { continue };
      let e = now.entry(f).or_insert((0, 0, in_app, Vec::new()));
      e.0 += n.bytes;
      e.1 += n.objects;
      e.3.push((i, n.bytes));
    }
    for (f, (bytes, objects, in_app, nodes)) in now.iter() {
      let frame = &p.frames[*f];
      let site = self.sites.entry(frame.clone()).or_insert_with(|| Site {
        frame: frame.clone(),
        in_app: *in_app,
        points: Vec::new(),
        stack: Vec::new(),
        paths: Vec::new(),
        objects: 0,
      });
      site.push(t_ms, *bytes as f64, exact);
      site.objects = *objects;
      let before = site.paths.first().map(|x| x.0);
      follow_paths(&mut site.paths, nodes.iter().map(|&(i, b)| (p.nodes[i].id, b)));
      let best = site.paths.first().map(|x| x.0);
      if best != before || site.stack.is_empty() {
        if let Some(&(i, _)) = nodes.iter().find(|&&(i, _)| Some(p.nodes[i].id) == best) {
          site.stack = p.stack(i).iter().take(MAX_STACK).map(|&x| p.frames[x].clone()).collect();
        }
      }
    }
    // Sites whose objects all died read zero now; after eight zero readings
    // they leave the table.
    let present: std::collections::HashSet<&Frame> = now.keys().map(|&f| &p.frames[f]).collect();
    self.sites.retain(|k, s| {
      if present.contains(k) {
        return true;
      }
      if s.points.len() >= 8 && s.points.iter().rev().take(8).all(|p| p.bytes == 0.0) {
        return false;
      }
      s.push(t_ms, 0.0, exact);
      s.objects = 0;
      true
    });
    self.evict();
  }

  /// Keeps at most [`MAX_SITES`]: drops the sites with the least live bytes.
  fn evict(&mut self) {
    if self.sites.len() <= MAX_SITES {
      return;
    }
    let mut sizes: Vec<(f64, Frame)> = self.sites.values().map(|s| (s.bytes(), s.frame.clone())).collect();
    sizes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let excess = self.sites.len() - MAX_SITES;
    for (_, k) in sizes.into_iter().take(excess) {
      self.sites.remove(&k);
    }
  }

  /// The sites that grew from `from_ms` on (the last point before it is the
  /// baseline), application sites first, fastest first; at most `limit`.
  /// `interval_bytes`: the sampling interval (growth under two is noise).
  pub fn rank(&self, from_ms: f64, interval_bytes: f64, limit: usize) -> Vec<GrowingSite> {
    let mut out: Vec<GrowingSite> = Vec::new();
    for s in self.sites.values() {
      let start = s.points.iter().rposition(|p| p.t < from_ms).unwrap_or(0);
      let pts = &s.points[start..];
      if pts.len() < 2 {
        continue;
      }
      let growth = pts[pts.len() - 1].bytes - pts[0].bytes;
      if growth < 2.0 * interval_bytes || growth <= 0.0 {
        continue;
      }
      let ys: Vec<f64> = pts.iter().map(|p| p.bytes).collect();
      let trend = ys.len() >= MIN_TESTED && mann_kendall(&ys).is_some_and(|mk| mk.p_increasing <= MAX_P);
      if !trend && !plain_growth(pts, growth, interval_bytes) {
        continue;
      }
      let t0 = pts[0].t;
      let rel: Vec<(f64, f64)> = pts.iter().map(|p| ((p.t - t0) / 1000.0, p.bytes)).collect();
      let Some(line) = theil_sen(&rel) else { continue };
      // A step of one large allocation has a Theil–Sen slope of zero: the
      // chord over the window still says how fast it grew.
      let span_s = (pts[pts.len() - 1].t - t0) / 1000.0;
      let rate = if line.slope > 0.0 { line.slope } else { growth / span_s.max(1e-3) };
      out.push(GrowingSite {
        frame: s.frame.clone(),
        in_app: s.in_app,
        live_bytes: s.bytes().max(0.0) as u64,
        bytes_per_sec: rate,
        growth_bytes: growth,
        share: 0.0,
        objects: s.objects,
        stack: s.stack.clone(),
        stack_app: s.stack.iter().map(|f| f.origin(&self.own_dir) == Origin::App).collect(),
      });
    }
    let total: f64 = out.iter().map(|g| g.bytes_per_sec).sum();
    for g in &mut out {
      g.share = if total > 0.0 { g.bytes_per_sec / total } else { 0.0 };
    }
    out.sort_by(|a, b| {
      b.in_app.cmp(&a.in_app).then(b.bytes_per_sec.total_cmp(&a.bytes_per_sec)).then(a.frame.url.cmp(&b.frame.url))
    });
    out.truncate(limit);
    out
  }

  /// The sites holding the most live sampled bytes now, largest first.
  pub fn largest(&self, limit: usize) -> Vec<SitePlace> {
    let mut v: Vec<&Site> = self.sites.values().filter(|s| s.bytes() > 0.0).collect();
    v.sort_by(|a, b| b.bytes().total_cmp(&a.bytes()).then(a.frame.url.cmp(&b.frame.url)));
    v.into_iter()
      .take(limit)
      .map(|s| SitePlace::new(&s.frame, s.in_app, s.bytes() as u64, s.objects))
      .collect()
  }
}

/// Growth too early for the trend test, or that it misses because upper
/// bounds sit among exact readings (see the module docs): four sampling
/// intervals at least, and never down — plainly (two or three readings), or
/// definitely (measured to the last exact reading; each exact reading above
/// the one before, and no reading below an earlier exact one: a step that
/// stays flat is not growth). `growth`: last reading − first.
fn plain_growth(pts: &[Point], growth: f64, interval_bytes: f64) -> bool {
  let enough = 4.0 * interval_bytes;
  if pts.len() < MIN_TESTED && growth >= enough && pts.windows(2).all(|w| w[1].bytes >= w[0].bytes) {
    return true;
  }
  let Some(last_exact) = pts[1..].iter().rposition(|p| p.exact) else { return false };
  if pts[last_exact + 1].bytes - pts[0].bytes < enough {
    return false;
  }
  let mut floor = f64::NEG_INFINITY; // the latest exact reading so far
  for p in pts {
    if p.bytes < floor || (p.exact && p.bytes == floor) {
      return false;
    }
    if p.exact {
      floor = p.bytes;
    }
  }
  true
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::sites::profile::{FrameTable, ProfileNode};

  const OWN: &str = "/opt/lw/";

  fn fr(function: &str, url: &str, line: u32) -> Frame {
    Frame { function: function.into(), url: url.into(), line, column: 5 }
  }

  /// A profile with a root and, per entry, a stack (root-most first) holding `bytes`.
  fn profile(stacks: &[(&[Frame], u64)]) -> Profile {
    let mut t = FrameTable::default();
    let root = t.intern(fr("(root)", "", 0));
    let mut nodes = vec![ProfileNode { id: 0, parent: None, frame: root, bytes: 0, objects: 0 }];
    for (stack, bytes) in stacks {
      let mut parent = 0;
      for (d, f) in stack.iter().enumerate() {
        let frame = t.intern(f.clone());
        let existing = nodes.iter().position(|n| n.parent == Some(parent) && n.frame == frame);
        parent = match existing {
          Some(i) => i,
          None => {
            nodes.push(ProfileNode { id: nodes.len() as u32, parent: Some(parent), frame, bytes: 0, objects: 0 });
            nodes.len() - 1
          }
        };
        if d == stack.len() - 1 {
          nodes[parent].bytes += bytes;
          nodes[parent].objects += (*bytes / 64).max(1);
        }
      }
    }
    Profile { frames: t.frames().to_vec(), nodes }
  }

  fn app(line: u32) -> Frame {
    fr("handler", "/srv/app/server.js", line)
  }

  #[test]
  fn the_growing_app_line_ranks_first_even_when_node_allocates_the_object() {
    let mut table = SiteTable::new(OWN);
    let parser = [fr("parserOnIncoming", "node:_http_server", 1100), fr("ServerResponse", "node:_http_server", 190)];
    for step in 0..10u64 {
      let leak = [fr("emit", "node:events", 500), app(17), fr("push", "", 0)];
      let steady = [app(30), fr("stringify", "", 0)];
      let p = profile(&[
        (&leak[..], 100_000 * step),
        (&parser[..], 2_000_000 * step), // the responses the app keeps: allocated by Node
        (&steady[..], 500_000 + (step % 2) * 1000),
      ]);
      table.ingest(1000.0 * step as f64, false, &p);
    }
    let r = table.rank(0.0, 32768.0, 5);
    assert_eq!(r.len(), 2, "{r:?}");
    assert_eq!((r[0].frame.line, r[0].in_app), (17, true), "the app's own line first");
    assert!((r[0].bytes_per_sec - 100_000.0).abs() < 1.0, "{}", r[0].bytes_per_sec);
    assert_eq!(r[0].stack[0].display(), "push");
    assert_eq!(r[0].stack[1].display(), "handler (/srv/app/server.js:17:5)");
    assert_eq!(r[0].stack_app, vec![false, true, false]);
    assert_eq!((r[1].frame.function.as_str(), r[1].in_app), ("ServerResponse", false));
    assert!((r[0].share + r[1].share - 1.0).abs() < 1e-9);
    assert!((r[1].share - 2_000_000.0 / 2_100_000.0).abs() < 1e-9);
  }

  #[test]
  fn leakwatch_own_allocations_and_flat_sites_are_not_blamed() {
    let mut table = SiteTable::new(OWN);
    for step in 0..10u64 {
      let own = [app(5), fr("getStats", "/opt/lw/index.js", 40), fr("parse", "", 0)];
      let flat = [app(9)];
      let p = profile(&[(&own[..], 1_000_000 * step), (&flat[..], 1_000_000)]);
      table.ingest(1000.0 * step as f64, false, &p);
    }
    assert!(table.rank(0.0, 32768.0, 5).is_empty());
    assert_eq!(table.largest(5).len(), 1, "leakwatch's bytes are not a site");
  }

  #[test]
  fn one_more_sample_is_noise_and_a_window_starts_at_the_leak() {
    let mut table = SiteTable::new(OWN);
    for step in 0..20u64 {
      // One sample of 32 KiB appears at step 5 and stays: not a leak.
      let noise = [app(1)];
      // Flat until step 10, then grows.
      let late = [app(2)];
      let grown = if step >= 10 { (step - 9) * 200_000 } else { 0 } + 50_000;
      let p = profile(&[(&noise[..], if step >= 5 { 32768 } else { 0 } + 64), (&late[..], grown)]);
      table.ingest(1000.0 * step as f64, false, &p);
    }
    let two = table.rank(18_500.0, 32768.0, 5);
    assert_eq!(two.iter().map(|g| g.frame.line).collect::<Vec<_>>(), vec![2], "two readings, 200 kB apart");
    let all = table.rank(0.0, 32768.0, 5);
    assert_eq!(all.iter().map(|g| g.frame.line).collect::<Vec<_>>(), vec![2]);
    let recent = table.rank(10_500.0, 32768.0, 5);
    assert!((recent[0].bytes_per_sec - 200_000.0).abs() < 1.0, "{:?}", recent[0]);
    assert!(recent[0].growth_bytes >= 9.0 * 200_000.0 - 1.0);
  }

  /// One site's series, (MB, exact) per reading a second apart.
  fn series(readings: &[(f64, bool)]) -> Vec<GrowingSite> {
    let mut table = SiteTable::new(OWN);
    let a = [app(9)];
    for (step, &(mb, exact)) in readings.iter().enumerate() {
      table.ingest(1000.0 * step as f64, exact, &profile(&[(&a[..], (mb * 1e6) as u64)]));
    }
    table.rank(0.0, 262144.0, 5)
  }

  #[test]
  fn an_early_fast_leak_is_named_though_a_reading_between_full_gcs_counted_old_garbage() {
    // Recorded (test/fixtures/leaky-app.js, Node 20): after full GCs, then
    // after a young GC (the array's outgrown backing stores still counted),
    // then after a full GC again. Four readings: the trend test cannot pass.
    let recorded = [(14.2, true), (60.7, true), (240.8, false), (197.7, true)];
    let r = series(&recorded);
    assert_eq!(r.len(), 1, "{r:?}");
    assert!((r[0].growth_bytes - 183.5e6).abs() < 1e3, "{r:?}");
    // Not knowing which readings were exact, it reads as a fall.
    assert!(series(&recorded.map(|(mb, _)| (mb, false))).is_empty());
  }

  #[test]
  fn a_step_that_stays_flat_a_definite_fall_or_garbage_between_full_gcs_is_not_growth() {
    let step = [(10.0, true), (50.0, true), (50.0, true), (50.0, true)];
    assert!(series(&step).is_empty(), "a step, then flat");
    let fall = [(10.0, true), (50.0, true), (30.0, false), (60.0, true)];
    assert!(series(&fall).is_empty(), "30 MB counted with garbage is below the 50 MB live before it");
    let garbage = [(1.0, true), (50.0, false), (1.0, true), (60.0, false)];
    assert!(series(&garbage).is_empty(), "old garbage between full GCs");
    let rising = [(10.0, true), (50.0, true), (30.0, false), (60.0, true)].map(|(mb, e)| (mb + if e { 0.0 } else { 25.0 }, e));
    assert_eq!(series(&rising).len(), 1, "55 MB with garbage, between 50 and 60 MB live");
  }

  #[test]
  fn series_and_table_stay_bounded() {
    let mut table = SiteTable::new(OWN);
    for step in 0..300u64 {
      let frames: Vec<Frame> = (0..8).map(|k| app((step * 8 + k) as u32 % 2000 + 1)).collect();
      let stacks: Vec<([Frame; 1], u64)> = frames.into_iter().map(|f| ([f], 1000 + step)).collect();
      let refs: Vec<(&[Frame], u64)> = stacks.iter().map(|(s, b)| (&s[..], *b)).collect();
      table.ingest(step as f64 * 10.0, false, &profile(&refs));
      assert!(table.len() <= MAX_SITES);
    }
    assert!(table.sites.values().all(|s| s.points.len() <= MAX_POINTS));
    assert!(table.memory_bytes() < 4 << 20, "{}", table.memory_bytes());
  }

  #[test]
  fn a_site_whose_objects_died_reads_zero_then_leaves() {
    let mut table = SiteTable::new(OWN);
    let a = [app(1)];
    table.ingest(0.0, false, &profile(&[(&a[..], 1000)]));
    for step in 1..20 {
      table.ingest(step as f64, false, &profile(&[]));
    }
    assert!(table.is_empty(), "{:?}", table.sites);
  }

  #[test]
  fn the_stack_shown_is_the_one_that_grows_not_the_largest() {
    let mut table = SiteTable::new(OWN);
    for step in 0..10u64 {
      let steady = [fr("send", "/srv/app/node_modules/express/lib/response.js", 120), app(22)];
      let growing = [app(22)];
      let p = profile(&[(&steady[..], 5_000_000 + (step % 2) * 100), (&growing[..], 300_000 * step)]);
      table.ingest(1000.0 * step as f64, false, &p);
    }
    let r = table.rank(0.0, 32768.0, 5);
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0].stack.len(), 1, "the growing path (the site's own allocations), not send's: {:?}", r[0].stack);
    let json = serde_json::to_value(r[0].report()).unwrap();
    assert_eq!(json["frames"][0]["line"], 22);
    assert_eq!(json["frames"][0]["app"], true);
    assert_eq!(json["stack"][0], "handler (/srv/app/server.js:22:5)");
  }

  #[test]
  fn followed_paths_are_bounded_and_decay() {
    let mut paths = Vec::new();
    for step in 0..50u32 {
      follow_paths(&mut paths, (0..20u32).map(|k| (k + step, 1000 * (k as u64 + 1))));
      assert!(paths.len() <= MAX_PATHS);
    }
    // Node 7 grows by 10 kB a reading from now on: it becomes the first.
    for step in 1..6u64 {
      follow_paths(&mut paths, [(7u32, 10_000 * step), (100u32, 50_000)].into_iter());
    }
    assert_eq!(paths[0].0, 7, "{paths:?}");
  }
}
