//! Heap dumps (issue 4): the pure parts — dump guards (memory, cgroup and disk
//! estimates) and snapshot redaction.
