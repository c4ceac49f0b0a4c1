//! Fuzz target: the parallel number parser must not depend on where the
//! numeric arrays are cut or how many threads parse them. Arbitrary bytes
//! (after a first byte that picks the cut) are parsed as one piece on this
//! thread and again in pieces of 1 to 64 bytes on one or two workers (the
//! calling thread parsing too); both must give the same graph, or the same
//! error at the same offset. Any difference, panic or hang is a bug.
#![no_main]

use leakwatch::snapshot::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
  let Some((&knob, text)) = data.split_first() else {
    return;
  };
  let piece = 1 + (knob & 0x3f) as usize;
  let workers = 1 + (knob >> 7) as usize;
  let whole = parse::parse_bytes_in_pieces(text, 1 << 20, 0);
  let cut = parse::parse_bytes_in_pieces(text, piece, workers);
  match (&whole, &cut) {
    (Ok(a), Ok(b)) => assert!(a == b, "the graphs differ with pieces of {piece} bytes on {workers} workers"),
    (Err(a), Err(b)) => assert_eq!(a, b, "the errors differ with pieces of {piece} bytes on {workers} workers"),
    _ => panic!("one plan failed and the other did not ({piece}-byte pieces, {workers} workers): {whole:?} vs {cut:?}"),
  }
});
