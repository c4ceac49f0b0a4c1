//! A fixed-size bit set: one bit per node instead of a `Vec<bool>` byte.
//!
//! Used for the per-node flags of the analysis (page owned, visited, has an
//! essential retainer, leak candidate), which on a 16M-node snapshot saves
//! 14 MB per flag, and by the dump redactor for its per-string flags, whose
//! count it learns only as it goes ([`BitSet::set_growing`]).

/// `len` bits, all clear at first.
#[derive(Debug, Clone, Default)]
pub struct BitSet {
  words: Vec<u64>,
  len: usize,
}

impl BitSet {
  /// A set of `len` clear bits.
  pub fn new(len: usize) -> Self {
    BitSet {
      words: vec![0; len.div_ceil(64)],
      len,
    }
  }

  /// Number of bits.
  pub fn len(&self) -> usize {
    self.len
  }

  /// True when the set holds no bits at all.
  pub fn is_empty(&self) -> bool {
    self.len == 0
  }

  /// Bit `i`; false when out of range.
  #[inline]
  pub fn get(&self, i: usize) -> bool {
    match self.words.get(i >> 6) {
      Some(w) => (w >> (i & 63)) & 1 != 0,
      None => false,
    }
  }

  /// Sets bit `i` (ignored when out of range).
  #[inline]
  pub fn set(&mut self, i: usize) {
    if let Some(w) = self.words.get_mut(i >> 6) {
      *w |= 1 << (i & 63);
    }
  }

  /// Sets bit `i`, first growing the set to `i + 1` bits when it is
  /// shorter (the words grow like a `Vec`: amortised doubling).
  pub fn set_growing(&mut self, i: usize) {
    if i >= self.len {
      self.len = i + 1;
      let words = self.len.div_ceil(64);
      if words > self.words.len() {
        self.words.resize(words, 0);
      }
    }
    self.set(i);
  }

  /// Sets bit `i` and returns whether it was clear before.
  #[inline]
  pub fn insert(&mut self, i: usize) -> bool {
    match self.words.get_mut(i >> 6) {
      Some(w) => {
        let mask = 1u64 << (i & 63);
        let was = *w & mask != 0;
        *w |= mask;
        !was
      }
      None => false,
    }
  }

  /// Clears bit `i` (ignored when out of range).
  #[inline]
  pub fn clear(&mut self, i: usize) {
    if let Some(w) = self.words.get_mut(i >> 6) {
      *w &= !(1 << (i & 63));
    }
  }

  /// Flips every bit.
  pub fn invert(&mut self) {
    for w in &mut self.words {
      *w = !*w;
    }
    let tail = self.len & 63;
    if tail != 0 {
      if let Some(last) = self.words.last_mut() {
        *last &= (1u64 << tail) - 1;
      }
    }
  }

  /// Indices of the set bits, ascending.
  pub fn ones(&self) -> impl Iterator<Item = usize> + '_ {
    self.words.iter().enumerate().flat_map(|(k, &w)| {
      let mut rest = w;
      std::iter::from_fn(move || {
        if rest == 0 {
          return None;
        }
        let b = rest.trailing_zeros() as usize;
        rest &= rest - 1;
        Some((k << 6) | b)
      })
    })
  }

  /// The highest set bit below `i`, if any.
  #[inline]
  pub fn prev_one(&self, i: usize) -> Option<usize> {
    if i == 0 {
      return None;
    }
    let i = i.min(self.len);
    let (mut w, b) = ((i - 1) >> 6, (i - 1) & 63);
    // Bits 0..=b of word w.
    let mut word = self.words.get(w).copied().unwrap_or(0) & (u64::MAX >> (63 - b));
    loop {
      if word != 0 {
        return Some((w << 6) | (63 - word.leading_zeros() as usize));
      }
      if w == 0 {
        return None;
      }
      w -= 1;
      word = self.words[w];
    }
  }

  /// Sets every bit set in `other` (of the same length).
  pub fn union_with(&mut self, other: &BitSet) {
    for (w, o) in self.words.iter_mut().zip(&other.words) {
      *w |= *o;
    }
  }
}

#[cfg(test)]
mod tests {
  use super::BitSet;

  #[test]
  fn ones_prev_one_and_union_agree_with_a_plain_scan() {
    let mut a = BitSet::new(300);
    let mut b = BitSet::new(300);
    for i in [0usize, 1, 63, 64, 65, 127, 128, 200, 299] {
      a.set(i);
    }
    for i in [5usize, 64, 250] {
      b.set(i);
    }
    assert_eq!(a.ones().collect::<Vec<_>>(), vec![0, 1, 63, 64, 65, 127, 128, 200, 299]);
    for i in 0..=300 {
      let want = (0..i).rev().find(|&j| a.get(j));
      assert_eq!(a.prev_one(i), want, "prev_one({i})");
    }
    assert_eq!(BitSet::new(10).prev_one(10), None);
    a.union_with(&b);
    assert_eq!(a.ones().collect::<Vec<_>>(), vec![0, 1, 5, 63, 64, 65, 127, 128, 200, 250, 299]);
  }

  #[test]
  fn set_growing_grows_and_keeps_bits() {
    let mut s = BitSet::default();
    s.set_growing(3);
    s.set_growing(130);
    s.set_growing(64);
    assert_eq!(s.len(), 131);
    assert_eq!(s.ones().collect::<Vec<_>>(), vec![3, 64, 130]);
    assert!(!s.get(1000));
  }
}
