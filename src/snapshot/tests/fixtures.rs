//! Tests on real snapshots written by `test/fixtures/snapshots/make.js`
//! (Node's `v8.writeHeapSnapshot()`); they need no Node at test time.

use std::sync::OnceLock;

use super::*;

fn dir() -> String {
  format!("{}/test/fixtures/snapshots", env!("CARGO_MANIFEST_DIR"))
}

fn load(name: &str) -> Snapshot {
  let path = format!("{}/{name}.heapsnapshot.gz", dir());
  match Snapshot::open(&path) {
    Ok(s) => s,
    Err(e) => panic!("{path}: {e}"),
  }
}

fn leaky() -> &'static Snapshot {
  static S: OnceLock<Snapshot> = OnceLock::new();
  S.get_or_init(|| load("leaky"))
}

fn triple() -> &'static (Snapshot, Snapshot, Snapshot) {
  static S: OnceLock<(Snapshot, Snapshot, Snapshot)> = OnceLock::new();
  S.get_or_init(|| {
    (
      load("triple-baseline"),
      load("triple-target"),
      load("triple-final"),
    )
  })
}

/// 1-based line of make.js holding `LOCATION-MARKER <what>`, and the line.
fn marker(what: &str) -> (u32, String) {
  let text = std::fs::read_to_string(format!("{}/make.js", dir())).unwrap();
  let tag = format!("LOCATION-MARKER {what}");
  let (i, line) = text.lines().enumerate().find(|(_, l)| l.ends_with(&tag)).unwrap();
  (i as u32 + 1, line.to_string())
}

fn row<'a>(rows: &'a [ClassSummary], class: &str) -> &'a ClassSummary {
  rows
    .iter()
    .find(|r| r.class_name == class)
    .unwrap_or_else(|| panic!("no class {class}"))
}

fn instances(s: &Snapshot, class: &str) -> Vec<u32> {
  let k = s.classes().lookup(class).unwrap();
  (0..s.node_count() as u32)
    .filter(|&n| s.class_of(n) == k)
    .collect()
}

#[test]
fn parses_node_snapshot_header_and_counts() {
  let s = leaky();
  let g = s.graph();
  assert!(g.node_count() > 10_000, "{}", g.node_count());
  assert!(g.edge_count() > g.node_count());
  assert_eq!(g.node_type_name(g.root()), "synthetic");
  // The root's children include (GC roots) and the global object.
  let names: Vec<&str> = g.edges(g.root()).map(|e| g.name(g.edge_to(e))).collect();
  assert!(names.contains(&"(GC roots)"), "{names:?}");
  assert!(!g.locations().is_empty());
}

#[test]
fn summary_counts_the_known_objects() {
  let s = leaky();
  let rows = summary(s);
  let leaky_row = row(&rows, "LeakyThing");
  assert_eq!(leaky_row.count, 1000);
  let each: Vec<u64> = instances(s, "LeakyThing")
    .iter()
    .map(|&n| s.self_size(n))
    .collect();
  assert_eq!(each.len(), 1000);
  assert_eq!(leaky_row.self_size, each.iter().sum::<u64>());
  // Each LeakyThing retains its own `label` string (one owner each).
  assert!(leaky_row.retained_size > leaky_row.self_size);
  assert!(leaky_row.min_distance.is_some());
  // The 1000 closures are `Function`s; 1000 `req` objects are `Object`s.
  assert!(row(&rows, "Function").count >= 1000);
  assert!(row(&rows, "Object").count >= 1000);
  // Rows are sorted by retained size.
  assert!(rows.windows(2).all(|w| w[0].retained_size >= w[1].retained_size));
}

#[test]
fn dominator_chain_of_a_leaky_thing() {
  let s = leaky();
  let n = instances(s, "LeakyThing")[0];
  // LeakyThing <- req (Object) <- closure context <- leakyTask closure <- tasks array.
  let req = s.dominator(n);
  assert_eq!(s.class_name(req), "Object");
  let ctx = s.dominator(req);
  assert_eq!(s.class_name(ctx), "system / Context");
  let closure = s.dominator(ctx);
  assert_eq!(s.class_name(closure), "Function");
  assert_eq!(s.graph().name(closure), "leakyTask");
  let array = s.dominator(closure);
  assert_eq!(s.class_name(array), "Array");
  assert_eq!(
    s.retained_size(closure),
    s.self_size(closure) + s.retained_size(ctx),
    "the closure's only dominated child is its context"
  );
  assert!(s.retained_size(array) >= 1000 * s.retained_size(closure) / 2);
}

#[test]
fn retainer_path_runs_through_tasks() {
  let s = leaky();
  let p = class_retainer_path(s, "LeakyThing").unwrap();
  let labels: Vec<&str> = p.steps.iter().map(|x| x.edge_label.as_str()).collect();
  let t = labels
    .iter()
    .position(|&l| l == "tasks")
    .unwrap_or_else(|| panic!("{}", p.render()));
  assert!(
    labels[t + 1].starts_with('[') && labels[t + 1].ends_with(']'),
    "{}",
    p.render()
  );
  assert_eq!(&labels[t + 2..], &["context", "req", "thing"], "{}", p.render());
  assert_eq!(p.steps[t + 1].node_class, "Function");
  assert_eq!(p.steps.last().unwrap().node_class, "LeakyThing");
  // Reached from the global object (a user root), as DevTools prefers.
  assert_eq!(p.steps[0].node_name, "global");
  assert_eq!(p.steps[0].edge_type, "shortcut");
  let r = p.render();
  println!("{r}\n{}", p.render_verbose());
  assert!(r.starts_with("global → "), "{r}");
  assert!(r.contains(" → tasks → ["), "{r}");
  assert!(
    r.ends_with(&format!(
      "context → req → thing → LeakyThing@{}",
      p.steps.last().unwrap().node_id
    )),
    "{r}"
  );
  // The path of a specific object, by id, ends at that object.
  let id = s.graph().id(instances(s, "LeakyThing")[5]);
  let q = retainer_path(s, id).unwrap();
  assert_eq!(q.steps.last().unwrap().node_id, id);
  assert_eq!(
    q.steps.len() as u32,
    s.distance(s.node_by_id(id).unwrap()) - distances_base(s, &q)
  );
}

/// Path length equals distance, minus the system base when the path starts
/// from the root's system side.
fn distances_base(s: &Snapshot, p: &RetainerPath) -> u32 {
  let first = s.node_by_id(p.steps[0].node_id).unwrap();
  s.distance(first) - 1
}

#[test]
fn closure_and_constructor_locations_point_into_make_js() {
  let s = leaky();
  let locs = function_locations(s, "leakyTask");
  assert_eq!(locs.len(), 1000);
  let (line, text) = marker("leakyTask");
  let column = text.find("leakyTask()").unwrap() as u32 + "leakyTask".len() as u32 + 1;
  for (_, l) in &locs {
    assert!(
      l.script_name.as_deref().unwrap_or("").ends_with("/make.js"),
      "{l:?}"
    );
    assert_eq!((l.line, l.column), (line, column), "{l:?}");
  }
  // Objects get their constructor's location.
  let thing = s.graph().id(instances(s, "LeakyThing")[0]);
  let l = location_of(s, thing).unwrap();
  assert_eq!(l.line, marker("LeakyThing").0);
  assert!(l.script_name.unwrap().ends_with("/make.js"));
}

#[test]
fn diff_between_snapshots_of_one_process() {
  let (b, t, f) = triple();
  let d = diff(b, t);
  let g = d.iter().find(|r| r.class_name == "Growing").unwrap();
  assert_eq!((g.added_count, g.removed_count, g.count_delta), (250, 0, 250));
  assert_eq!(g.size_delta, g.added_size as i64);
  let tr = d.iter().find(|r| r.class_name == "Transient").unwrap();
  assert_eq!((tr.added_count, tr.removed_count), (100, 0));

  let d = diff(t, f);
  let g = d.iter().find(|r| r.class_name == "Growing").unwrap();
  assert_eq!((g.added_count, g.removed_count, g.count_delta), (50, 0, 50));
  let tr = d.iter().find(|r| r.class_name == "Transient").unwrap();
  assert_eq!((tr.added_count, tr.removed_count, tr.count_delta), (0, 100, -100));
  assert_eq!(tr.size_delta, -(tr.removed_size as i64));
  // Nothing changes when a snapshot is compared with itself.
  assert!(diff(t, t).is_empty());
}

#[test]
fn three_snapshot_leak_candidates() {
  let (b, t, f) = triple();
  let report = leak_candidates(b, t, f);
  let growing = report
    .by_class
    .iter()
    .find(|c| c.class_name == "Growing")
    .unwrap();
  assert_eq!(
    growing.count, 250,
    "only those allocated between baseline and target"
  );
  assert!(
    report.by_class.iter().all(|c| c.class_name != "Transient"),
    "transients died before final"
  );
  assert_eq!(growing.sample_ids.len(), leaks::MAX_SAMPLES);
  let group = report.by_path.iter().find(|p| p.class_name == "Growing").unwrap();
  assert_eq!(group.count, 250, "all share one path shape: {}", group.shape);
  assert!(group.shape.ends_with("[]:Growing"), "{}", group.shape);
  assert!(
    group.sample_path.render().contains("growing → ["),
    "{}",
    group.sample_path.render()
  );
  assert_eq!(
    report.total_count,
    report.by_class.iter().map(|c| c.count).sum::<u64>()
  );
}

#[test]
fn instances_and_retainers_of_a_leaky_thing() {
  let s = leaky();
  let top = class_instances(s, "LeakyThing", 3).unwrap();
  assert_eq!(top.len(), 3);
  assert!(top.windows(2).all(|w| w[0].retained_size >= w[1].retained_size));
  assert!(top
    .iter()
    .all(|i| i.class_name == "LeakyThing" && i.retained_size >= i.self_size));
  let r = retainers_of(s, top[0].id).unwrap();
  assert_eq!(r.len(), 1, "{r:?}");
  assert_eq!(
    (r[0].edge_label.as_str(), r[0].node.class_name.as_str()),
    ("thing", "Object")
  );
}

#[test]
fn reports_render_paths_with_closures_and_their_locations() {
  use report::{retainers_report, Target};
  let s = leaky();
  let r = serde_json::to_value(retainers_report(s, &Target::Class("LeakyThing".into()), 2).unwrap()).unwrap();
  assert_eq!(r["count"], 1000);
  assert_eq!(r["instances"].as_array().unwrap().len(), 2);
  let path = r["path"].as_str().unwrap();
  assert!(
    path.contains(" → tasks → [0] → (closure) → context → req → thing → LeakyThing@"),
    "{path}"
  );
  let (line, _) = marker("leakyTask");
  let task = r["closures"]
    .as_array()
    .unwrap()
    .iter()
    .find(|c| c["name"] == "leakyTask")
    .unwrap();
  assert_eq!(task["line"], line);
  let text = task["location"].as_str().unwrap();
  assert!(
    text.contains("/make.js:") && text.ends_with(&format!(":{line}:{}", task["column"])),
    "{text}"
  );
  // An unknown class is a query error, not a panic.
  let e = retainers_report(s, &Target::Class("Nope".into()), 1).unwrap_err();
  assert_eq!(e.kind, ErrorKind::Query);
}

#[test]
fn jobs_report_monotonic_progress_and_name_the_bad_file() {
  use std::sync::Mutex;
  let seen = Mutex::new(Vec::<(String, f64)>::new());
  let job = Job::Analyze {
    path: format!("{}/leaky.heapsnapshot.gz", dir()).into(),
    top: 5,
    sort: report::SortKey::Count,
  };
  let r = serde_json::to_value(jobs::run(&job, &|p, f| seen.lock().unwrap().push((p.to_string(), f))).unwrap()).unwrap();
  assert_eq!(r["classes"].as_array().unwrap().len(), 5);
  let seen = seen.into_inner().unwrap();
  assert!(seen.windows(2).all(|w| w[0].1 <= w[1].1), "{seen:?}");
  assert_eq!(seen.last().unwrap(), &("done".to_string(), 1.0));
  assert!(seen.iter().filter(|(p, _)| p == "parse").count() > 10, "{seen:?}");

  let job = Job::FindLeaks {
    baseline: format!("{}/triple-baseline.heapsnapshot.gz", dir()).into(),
    target: format!("{}/make.js", dir()).into(),
    final_: format!("{}/triple-final.heapsnapshot.gz", dir()).into(),
    top: 5,
  };
  let e = jobs::run(&job, &|_, _| {}).unwrap_err();
  assert!(e.message.contains("make.js"), "{e}");
  assert!(e.offset.is_some(), "{e}");
}
