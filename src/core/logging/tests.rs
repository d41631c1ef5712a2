use super::*;

#[test]
fn child_file_names() {
    let b = Path::new("/tmp/keepalived.log");
    assert_eq!(child_log_file(b, "Keepalived", "Keepalived"), b);
    assert_eq!(
        child_log_file(b, "Keepalived_vrrp", "Keepalived"),
        Path::new("/tmp/keepalived_vrrp.log")
    );
    assert_eq!(
        child_log_file(b, "Keepalived_healthcheckers", "Keepalived"),
        Path::new("/tmp/keepalived_healthcheckers.log")
    );
    assert_eq!(
        child_log_file(Path::new("/var/log/ka"), "Keepalived_vrrp", "Keepalived"),
        Path::new("/var/log/ka_vrrp")
    );
    assert_eq!(
        child_log_file(Path::new("/a.b/k.x.log"), "Keepalived_vrrp", "Keepalived"),
        Path::new("/a.b/k.x_vrrp.log")
    );
}

#[test]
fn line_format_has_ctime_stamp() {
    let mut s = String::new();
    format_line(&mut s, true, &format_args!("Starting {}", "x"));
    // "Wed Nov 25 15:58:41 2026: Starting x\n"
    let (stamp, rest) = s.split_once(": ").expect("stamp separator");
    assert_eq!(rest, "Starting x\n");
    assert_eq!(stamp.len(), 24, "{stamp:?}");
    assert_eq!(&stamp[13..14], ":");
    let mut s = String::new();
    format_line(&mut s, false, &format_args!("bare"));
    assert_eq!(s, "bare\n");
}

#[test]
fn file_sink_and_reinit_after_name_change() {
    let dir = std::env::temp_dir().join(format!("ka-log-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let base = dir.join("k.log");
    init(&Settings {
        console: false,
        timestamps: true,
        syslog: false,
        facility: Facility::Daemon,
        file: Some(base.clone()),
        file_mode: 0o600,
        level: LevelFilter::Info,
    });
    log::info!("parent line");
    set_process_name("Keepalived_vrrp");
    log::info!("child line");
    log::debug!("not shown without -D");
    let parent = std::fs::read_to_string(&base).unwrap_or_default();
    let child = std::fs::read_to_string(dir.join("k_vrrp.log")).unwrap_or_default();
    assert!(parent.ends_with(": parent line\n"), "{parent:?}");
    assert!(child.ends_with(": child line\n"), "{child:?}");
    assert!(!child.contains("not shown"));
    // The given mode, not the test process's umask (022, which would give 0644).
    for f in [base.clone(), dir.join("k_vrrp.log")] {
        let mode = std::os::unix::fs::MetadataExt::mode(&std::fs::metadata(&f).expect("stat"));
        assert_eq!(mode & 0o777, 0o600, "{}", f.display());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn syslog_line_is_the_syslog_crates_rfc3164_line() {
    use syslog::{Formatter3164, LogFormat, Severity};
    let reference = Formatter3164 {
        facility: syslog::Facility::LOG_LOCAL3,
        hostname: None,
        process: "Keepalived_vrrp".to_string(),
        pid: 4242,
    };
    let pri = syslog_facility(Facility::Local(3)) | severity(Level::Warn);
    // Both read the clock: retry if a second ticked between them.
    for _ in 0..3 {
        let mut want = Vec::new();
        let r = reference.format(
            &mut want,
            Severity::LOG_WARNING,
            "(VI_1) Entering MASTER STATE",
        );
        assert!(r.is_ok());
        let mut ours = String::new();
        format_syslog(
            &mut ours,
            pri,
            "Keepalived_vrrp",
            4242,
            &format_args!("({}) Entering {} STATE", "VI_1", "MASTER"),
        );
        if ours.as_bytes() == want.as_slice() {
            assert!(ours.starts_with("<156>"), "{ours:?}");
            return;
        }
    }
    panic!("our syslog line differs from Formatter3164's");
}

#[test]
fn syslog_priorities_match_the_facilities() {
    assert_eq!(
        syslog_facility(Facility::Daemon),
        syslog::Facility::LOG_DAEMON as u8
    );
    assert_eq!(
        syslog_facility(Facility::User),
        syslog::Facility::LOG_USER as u8
    );
    assert_eq!(
        syslog_facility(Facility::Local(0)),
        syslog::Facility::LOG_LOCAL0 as u8
    );
    assert_eq!(
        syslog_facility(Facility::Local(7)),
        syslog::Facility::LOG_LOCAL7 as u8
    );
    assert_eq!(
        syslog_facility(Facility::Local(9)),
        syslog::Facility::LOG_LOCAL7 as u8
    );
    assert_eq!(severity(Level::Error), syslog::Severity::LOG_ERR as u8);
    assert_eq!(severity(Level::Info), syslog::Severity::LOG_INFO as u8);
    assert_eq!(severity(Level::Trace), syslog::Severity::LOG_DEBUG as u8);
}

/// Our stamps say what libc's strftime says for the same time, in UTC and local time, across
/// single and double digit days and hours, both ends of the year and a leap day.
#[test]
fn stamps_match_strftime() {
    let times: [i64; 6] = [
        0,
        951_782_400,
        1_709_208_000,
        1_735_689_599,
        1_764_979_321,
        4_102_444_800,
    ];
    // A 32-bit time_t (the libc crate's on 32-bit musl) cannot hold the year 2100.
    for now in times
        .into_iter()
        .filter_map(|t| super::line::TimeT::try_from(t).ok())
    {
        for utc in [true, false] {
            let Some(tm) = super::broken_down(now, utc) else {
                panic!("libc cannot break {now} down");
            };
            // Zones east and west of UTC (strftime's %z reads the offset from the tm).
            let east = libc::tm {
                tm_gmtoff: 5 * 3600 + 30 * 60,
                ..tm
            };
            let west = libc::tm {
                tm_gmtoff: -(3 * 3600 + 30 * 60),
                ..tm
            };
            for (tm, fmt) in [tm, east, west].iter().flat_map(|tm| {
                [
                    c"%a %b %e %H:%M:%S %Y",
                    c"%b %d %H:%M:%S",
                    c"%a, %d %b %Y %H:%M:%S %z",
                ]
                .map(|f| (tm, f))
            }) {
                let mut want = [0u8; 64];
                // SAFETY: strftime writes at most want.len() bytes; the format is a C string.
                let n = unsafe {
                    libc::strftime(want.as_mut_ptr().cast(), want.len(), fmt.as_ptr(), tm)
                };
                let mut ours = String::new();
                super::push_tm(&mut ours, tm, fmt.to_str().unwrap_or_default());
                assert_eq!(ours.as_bytes(), &want[..n], "{now} utc={utc} {fmt:?}");
            }
        }
    }
}
