//! The debug allocator: counts, per-tag live tracking and the leak report.

use keepalived::core::alloc::{self, DebugAlloc, Scope, Tag};

#[global_allocator]
static A: DebugAlloc = DebugAlloc;

// Tags are per thread and the harness runs tests in parallel, so each test charges its work
// to a tag no other test uses.

#[test]
fn deliberate_leak_is_reported_with_size_and_tag() {
    assert!(alloc::enable_tracking());
    alloc::set_tag(Tag::Vrrp);
    let before = alloc::live_by_tag(Tag::Vrrp);
    let leaked: &'static mut [u8] = Box::leak(vec![7u8; 12345].into_boxed_slice());
    alloc::with_site("test: forgotten vec", || {
        let v: Vec<u64> = Vec::with_capacity(10_000);
        std::mem::forget(v);
    });
    alloc::set_tag(Tag::Core);

    let r = alloc::leak_report();
    let (n, bytes) = r.live(Tag::Vrrp);
    assert_eq!(n, before.0 + 2, "two leaked blocks");
    assert_eq!(bytes, before.1 + 12345 + 80_000);
    let text = r.to_string();
    assert!(text.contains("tag vrrp"), "{text}");
    assert!(text.contains("12345 bytes at"), "{text}");
    assert!(text.contains("[vrrp]"), "{text}");
    assert!(text.contains("80000 bytes at"), "{text}");
    assert!(text.contains("[vrrp test: forgotten vec]"), "{text}");
    assert!(text.contains("Number of allocations"), "{text}");
    assert!(r.stats.allocs >= r.stats.frees + 2);
    assert_eq!(leaked.len(), 12345);
}

#[test]
fn balanced_workload_leaves_nothing_live_under_its_tag() {
    assert!(alloc::enable_tracking());
    alloc::set_tag(Tag::Check);
    {
        let mut m = std::collections::BTreeMap::new();
        for i in 0..1000u32 {
            m.insert(i, format!("value {i}"));
        }
        let mut s = String::new();
        for _ in 0..100 {
            s.push_str("grow by realloc ");
        }
        assert!(m.len() == 1000 && !s.is_empty());
    }
    alloc::set_tag(Tag::Core);
    assert_eq!(alloc::live_by_tag(Tag::Check), (0, 0));
    assert_eq!(alloc::leak_report().live(Tag::Check), (0, 0));
}

#[test]
fn scope_counts_this_threads_allocations() {
    let s = Scope::new();
    let x = 1u64 + 2;
    assert_eq!(s.allocs(), 0, "plain arithmetic allocates nothing");
    let v: Vec<u8> = Vec::with_capacity(64);
    drop(v);
    let c = s.counts();
    assert_eq!((c.allocs, c.frees), (1, 1));
    assert_eq!(c.bytes, 64);
    let mut g: Vec<u8> = Vec::with_capacity(1);
    g.extend_from_slice(&[0; 100]);
    assert!(s.counts().reallocs >= 1);
    assert_eq!(x, 3);
}

#[test]
fn counters_track_live_and_peak_bytes() {
    let before = alloc::stats();
    let big = vec![0u8; 1 << 20];
    let during = alloc::stats();
    assert!(during.allocs > before.allocs);
    assert!(during.peak_bytes >= 1 << 20);
    drop(big);
    let after = alloc::stats();
    assert!(after.frees > before.frees);
    assert!(after.peak_bytes >= during.peak_bytes);
}

#[test]
fn many_blocks_survive_table_churn() {
    assert!(alloc::enable_tracking());
    alloc::set_tag(Tag::Config);
    let mut keep = Vec::new();
    for round in 0..20 {
        let tmp: Vec<Box<[u8; 24]>> = (0..500).map(|_| Box::new([round as u8; 24])).collect();
        keep.push(Box::new(round));
        drop(tmp);
    }
    let (n, bytes) = alloc::live_by_tag(Tag::Config);
    // keep's 20 boxes plus keep's own buffer.
    assert_eq!(n, 21, "live blocks");
    assert!(bytes >= 20 * 4);
    drop(keep);
    alloc::set_tag(Tag::Core);
    assert_eq!(alloc::live_by_tag(Tag::Config), (0, 0));
}
