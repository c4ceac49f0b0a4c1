//! A per-node column of byte sizes in 4 bytes a node.
//!
//! Self and retained sizes almost always fit in 32 bits; the few that do
//! not (the root and the chain of dominators above a multi-GB structure)
//! are kept exactly in a side map, so the column costs 4 bytes a node
//! instead of 8 and never loses a byte.

use std::collections::HashMap;

const SPILLED: u32 = u32::MAX;

/// Sizes indexed by node ordinal.
#[derive(Debug, Clone, Default)]
pub struct SizeColumn {
  small: Vec<u32>,
  big: HashMap<u32, u64>,
}

impl SizeColumn {
  /// A column holding `sizes`.
  pub fn from_u32(sizes: &[u32]) -> Self {
    Self::from_vec(sizes.to_vec())
  }

  /// A column holding `sizes`, in their own memory.
  pub fn from_vec(sizes: Vec<u32>) -> Self {
    let mut c = SizeColumn {
      small: sizes,
      big: HashMap::new(),
    };
    for (i, s) in c.small.iter().enumerate() {
      if *s == SPILLED {
        c.big.insert(i as u32, SPILLED as u64);
      }
    }
    c
  }

  /// Size of node `n` (0 when out of range).
  #[inline]
  pub fn get(&self, n: u32) -> u64 {
    match self.small.get(n as usize) {
      Some(&SPILLED) => self.big.get(&n).copied().unwrap_or(SPILLED as u64),
      Some(&s) => s as u64,
      None => 0,
    }
  }

  /// Sets the size of node `n` (ignored when out of range).
  #[inline]
  pub fn set(&mut self, n: u32, v: u64) {
    let slot = match self.small.get_mut(n as usize) {
      Some(s) => s,
      None => return,
    };
    if v >= SPILLED as u64 {
      *slot = SPILLED;
      self.big.insert(n, v);
    } else {
      if *slot == SPILLED {
        self.big.remove(&n);
      }
      *slot = v as u32;
    }
  }

  /// Adds `v` to the size of node `n`.
  #[inline]
  pub fn add(&mut self, n: u32, v: u64) {
    if v != 0 {
      let now = self.get(n).saturating_add(v);
      self.set(n, now);
    }
  }
}
