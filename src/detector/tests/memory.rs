//! Detector tests on synthetic whole-process memory (filled in below).
