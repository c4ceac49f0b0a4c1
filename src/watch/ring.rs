//! A preallocated, fixed-capacity ring buffer.
//!
//! The GC epilogue writes one record per collection here; the JS thread
//! drains it in batches. `push` never allocates (the storage is allocated once
//! in `with_capacity`) and, when full, overwrites the oldest entry and hands it
//! back so the caller can account for it (the watchdog keeps exact per-kind
//! counts even when records are lost, see `src/watch.rs`).

pub struct Ring<T: Copy> {
  buf: Box<[T]>,
  /// Index of the oldest element.
  head: usize,
  len: usize,
}

impl<T: Copy> Ring<T> {
  /// A ring of `capacity` slots (at least 1), each initialised to `fill`.
  pub fn with_capacity(capacity: usize, fill: T) -> Ring<T> {
    Ring { buf: vec![fill; capacity.max(1)].into_boxed_slice(), head: 0, len: 0 }
  }

  pub fn capacity(&self) -> usize {
    self.buf.len()
  }

  pub fn len(&self) -> usize {
    self.len
  }

  pub fn is_empty(&self) -> bool {
    self.len == 0
  }

  /// Appends `item`; if the ring was full, returns the evicted oldest item.
  pub fn push(&mut self, item: T) -> Option<T> {
    let cap = self.buf.len();
    if self.len < cap {
      let idx = (self.head + self.len) % cap;
      self.buf[idx] = item;
      self.len += 1;
      None
    } else {
      let evicted = self.buf[self.head];
      self.buf[self.head] = item;
      self.head = (self.head + 1) % cap;
      Some(evicted)
    }
  }

  /// Removes every element, oldest first, appending them to `out`.
  pub fn drain_into(&mut self, out: &mut Vec<T>) {
    let cap = self.buf.len();
    out.reserve(self.len);
    for i in 0..self.len {
      out.push(self.buf[(self.head + i) % cap]);
    }
    self.head = 0;
    self.len = 0;
  }

  /// The elements, oldest first, without removing them.
  pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
    let cap = self.buf.len();
    (0..self.len).map(move |i| &self.buf[(self.head + i) % cap])
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn keeps_order_and_evicts_oldest() {
    let mut r = Ring::with_capacity(3, 0u32);
    assert_eq!(r.push(1), None);
    assert_eq!(r.push(2), None);
    assert_eq!(r.push(3), None);
    assert_eq!(r.push(4), Some(1));
    assert_eq!(r.push(5), Some(2));
    assert_eq!(r.iter().copied().collect::<Vec<_>>(), vec![3, 4, 5]);
    let mut out = Vec::new();
    r.drain_into(&mut out);
    assert_eq!(out, vec![3, 4, 5]);
    assert!(r.is_empty());
    assert_eq!(r.push(6), None);
    r.drain_into(&mut out);
    assert_eq!(out, vec![3, 4, 5, 6]);
  }

  #[test]
  fn zero_capacity_is_one() {
    let mut r = Ring::with_capacity(0, 0u8);
    assert_eq!(r.capacity(), 1);
    assert_eq!(r.push(7), None);
    assert_eq!(r.push(8), Some(7));
  }
}
