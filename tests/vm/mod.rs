//! The IPVS VM: Debian's kernel with its ip_vs modules, booted under qemu (TCG) from a busybox
//! initramfs that also holds our binary and the libraries it loads. This machine's kernel has
//! no IPVS; that one does.
//!
//! [`run`] takes files to place in the VM (a keepalived.conf ...) and a shell script of steps,
//! boots, runs the steps and returns what they printed on the console, then the daemon's log
//! (`== log`). The steps have helpers: `$KA` (keepalived -C logging to /tmp/ka.log),
//! `started N`, `reloaded N`, `wait_for SECS CMD`, `section NAME` (prints /proc/net/ip_vs);
//! [`section`] and [`table`] read that output back. Include with `mod vm;` and `mod lab;`.

#![allow(dead_code)]

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::lab;

/// One VM at a time per test process: the machine has two cores.
static VM_LOCK: Mutex<()> = Mutex::new(());
static LIBS: OnceLock<Result<Vec<PathBuf>, String>> = OnceLock::new();

const INITRAMFS_SH: &str = include_str!("initramfs.sh");

/// Shell helpers every steps script can use.
const PRELUDE: &str = r#"
# wait_for SECONDS COMMAND...: polls COMMAND every 100 ms; says TIMEOUT if it never holds.
wait_for() {
    local t=$(( $1 * 10 )); shift
    while [ $t -gt 0 ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1; t=$(( t - 1 ))
    done
    echo "TIMEOUT waiting for: $*"; return 1
}
# section NAME: prints the IPVS table under a marker the test reads back.
section() { echo "== $1"; cat /proc/net/ip_vs; echo "== end"; }
# has_weight VS RS W: destination RS of service VS (both hex ADDR:PORT as /proc/net/ip_vs
# prints them) has weight W ("none": it is not in the table).
has_weight() {
    [ "$(awk -v vs="$1" -v rs="$2" '$1 ~ /^(TCP|UDP|SCTP|FWM)$/ {cur = $2}
        $1 == "->" && cur == vs && $2 == rs {w = $4}
        END {print (w == "" ? "none" : w)}' /proc/net/ip_vs)" = "$3" ]
}
# now: seconds since boot, for `took`. took NAME T0: prints how long since T0 a step took.
now() { cut -d' ' -f1 /proc/uptime; }
took() { echo "== took $1 $(awk -v a="$2" -v b="$(now)" 'BEGIN {printf "%.2f", b - a}') s"; }
# $KA logs to /tmp/ka.log, which is printed after the steps.
KA="keepalived -n -l -C -f /etc/keepalived/keepalived.conf -p /run/ka.pid -c /run/ka_check.pid"
# started N: waits until checker children have started N times (the table is in by then).
started() {
    wait_for 30 sh -c "[ \$(grep -c 'Startup complete' /tmp/ka.log) -ge $1 ]"
}
# reloaded N: waits until the checker child has finished N reloads (table updated).
reloaded() {
    wait_for 30 sh -c "[ \$(grep -c 'Reload complete' /tmp/ka.log) -ge $1 ]"
}
"#;

fn cache_dir() -> PathBuf {
    std::env::var_os("KA_VM_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/keepalived-vm"))
}

fn kernel(cache: &Path) -> Option<PathBuf> {
    let boot = cache.join("kernel/boot");
    std::fs::read_dir(boot)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("vmlinuz-"))
        })
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary under test: cargo builds it for the tests; the VM runs it (stripped) with the
/// shared libraries it loads, so no second, static build is needed.
fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_keepalived"))
}

/// The shared libraries `bin` loads, from ldd: `libc.so.6 => /lib/.../libc.so.6 (0x...)` and
/// `/lib64/ld-linux-x86-64.so.2 (0x...)`.
fn libraries(bin: &Path) -> Result<Vec<PathBuf>, String> {
    LIBS.get_or_init(|| ldd(bin)).clone()
}

fn ldd(bin: &Path) -> Result<Vec<PathBuf>, String> {
    let out = Command::new("ldd")
        .arg(bin)
        .output()
        .map_err(|e| format!("ldd: {e}"))?;
    if !out.status.success() {
        return Err(format!("ldd {} failed", bin.display()));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().find(|w| w.starts_with('/')))
        .map(PathBuf::from)
        .collect())
}

/// The base initramfs, rebuilt when the script that makes it changes.
fn base_initramfs(cache: &Path) -> Result<PathBuf, String> {
    let mut h = DefaultHasher::new();
    INITRAMFS_SH.hash(&mut h);
    let out = cache.join(format!("base-{:016x}.cpio.gz", h.finish()));
    if out.is_file() {
        return Ok(out);
    }
    let st = Command::new("sh")
        .arg(crate_dir().join("tests/vm/initramfs.sh"))
        .arg(cache)
        .arg(&out)
        .status()
        .map_err(|e| format!("initramfs.sh: {e}"))?;
    if st.success() {
        Ok(out)
    } else {
        Err("initramfs.sh failed".into())
    }
}

/// The per-run archive: our binary, `files` (path in the VM, text) and /steps.sh.
fn run_archive(
    work: &Path,
    bin: &Path,
    libs: &[PathBuf],
    programs: &[PathBuf],
    files: &[(&str, &str)],
    steps: &str,
) -> Result<PathBuf, String> {
    let root = work.join("root");
    let put = |p: &str, data: &[u8]| -> Result<(), String> {
        let dst = root.join(p.trim_start_matches('/'));
        if let Some(d) = dst.parent() {
            std::fs::create_dir_all(d).map_err(|e| e.to_string())?;
        }
        std::fs::write(&dst, data).map_err(|e| format!("{}: {e}", dst.display()))
    };
    let dst = root.join("bin/keepalived");
    std::fs::create_dir_all(root.join("bin")).map_err(|e| e.to_string())?;
    let st = Command::new("strip")
        .arg("-o")
        .arg(&dst)
        .arg(bin)
        .status()
        .map_err(|e| format!("strip: {e}"))?;
    if !st.success() {
        return Err("strip failed".into());
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&dst, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| e.to_string())?;
    for lib in libs.iter().chain(programs) {
        let data = std::fs::read(lib).map_err(|e| format!("{}: {e}", lib.display()))?;
        put(&lib.to_string_lossy(), &data)?;
        // The kernel execs the dynamic loader too, so it needs the x bit.
        let dst = root.join(lib.strip_prefix("/").unwrap_or(lib));
        std::fs::set_permissions(&dst, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| e.to_string())?;
    }
    for (p, text) in files {
        put(p, text.as_bytes())?;
    }
    let script = format!("{PRELUDE}\n{steps}\necho '== log'\ncat /tmp/ka.log 2>/dev/null\n");
    put("steps.sh", script.as_bytes())?;
    let out = work.join("run.cpio.gz");
    let st = Command::new("sh")
        .arg("-c")
        .arg("cd root && find . | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -1 > ../run.cpio.gz")
        .current_dir(work)
        .status()
        .map_err(|e| e.to_string())?;
    if !st.success() {
        return Err("cpio failed".into());
    }
    Ok(out)
}

/// Boots the VM with `files` and runs `steps`; returns the steps' console output (between the
/// VM's ready and done markers), or None when the VM lab cannot run here (reported as SKIPPED;
/// a failure under CI). `budget` bounds the steps; boot time is added.
pub fn run(test: &str, files: &[(&str, &str)], steps: &str, budget: Duration) -> Option<String> {
    run_with(test, files, &[], steps, budget)
}

/// [`run`], with host `programs` (and the libraries they load) at their own paths in the VM:
/// Debian's keepalived as a reference.
pub fn run_with(
    test: &str,
    files: &[(&str, &str)],
    programs: &[&str],
    steps: &str,
    budget: Duration,
) -> Option<String> {
    if !lab::require_program(test, "/usr/bin/qemu-system-x86_64")
        || !lab::require_program(test, "/bin/busybox")
    {
        return None;
    }
    let cache = cache_dir();
    let Some(kernel) = kernel(&cache) else {
        lab::skip(
            test,
            &format!(
                "no kernel in {} (run tests/setup.d/ipvs.sh)",
                cache.display()
            ),
        );
        return None;
    };
    let _one = VM_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let bin = binary();
    let libs = libraries(&bin).unwrap_or_else(|e| panic!("{test}: {e}"));
    let base = base_initramfs(&cache).unwrap_or_else(|e| panic!("{test}: {e}"));
    let work = std::env::temp_dir().join(format!("ka-vm-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("work dir");
    let mut progs = Vec::new();
    for p in programs {
        let p = PathBuf::from(p);
        progs.extend(ldd(&p).unwrap_or_else(|e| panic!("{test}: {e}")));
        progs.push(p);
    }
    let extra = run_archive(&work, &bin, &libs, &progs, files, steps)
        .unwrap_or_else(|e| panic!("{test}: {e}"));
    let initrd = work.join("initrd.cpio.gz");
    let mut all = std::fs::read(&base).expect("base initramfs");
    all.extend(std::fs::read(&extra).expect("run archive"));
    std::fs::write(&initrd, all).expect("initrd");
    // A TCG VM takes a whole core: run it while no network lab (timing-sensitive) runs.
    let _labs = lab::lock_labs();
    let console = work.join("console.log");
    let log = std::fs::File::create(&console).expect("console log");
    let mut child = Command::new("qemu-system-x86_64")
        .args(["-accel", "tcg", "-cpu", "max", "-m", "256", "-smp", "1"])
        .args(["-nographic", "-no-reboot", "-nic", "none"])
        .arg("-kernel")
        .arg(&kernel)
        .arg("-initrd")
        .arg(&initrd)
        .args([
            "-append",
            "console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init",
        ])
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log fd"))
        .stderr(log)
        .spawn()
        .expect("qemu");
    // Boot takes about 6-10 s under TCG on a busy machine; the steps have their own budget.
    let deadline = Instant::now() + Duration::from_secs(60) + budget;
    let status = loop {
        if let Some(st) = child.try_wait().expect("qemu wait") {
            break Some(st);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    drop(_labs);
    let text = String::from_utf8_lossy(&std::fs::read(&console).unwrap_or_default()).into_owned();
    let _ = std::fs::remove_dir_all(&work);
    assert!(
        status.is_some(),
        "{test}: the VM overran its time; console:\n{text}"
    );
    let start = text
        .find("VM-READY")
        .unwrap_or_else(|| panic!("{test}: the VM never got ready; console:\n{text}"));
    let body = &text[start..];
    let end = body
        .find("VM-DONE")
        .unwrap_or_else(|| panic!("{test}: the steps never finished; console:\n{text}"));
    assert!(
        !text.contains("VM-ERROR"),
        "{test}: VM setup failed; console:\n{text}"
    );
    Some(body[..end].replace('\r', ""))
}

/// The text printed between `== name` and the next `== end`.
pub fn section<'a>(out: &'a str, name: &str) -> &'a str {
    let marker = format!("== {name}\n");
    let Some(i) = out.find(&marker) else {
        panic!("no section '{name}' in:\n{out}");
    };
    let rest = &out[i + marker.len()..];
    &rest[..rest.find("== end").unwrap_or(rest.len())]
}

fn addr(s: &str) -> String {
    // 0A090001:0050 or [2001:0db8:...]:01BB
    let (a, p) = s.rsplit_once(':').unwrap_or((s, "0"));
    let port = u16::from_str_radix(p, 16).unwrap_or(0);
    if let Some(v6) = a.strip_prefix('[').and_then(|a| a.strip_suffix(']')) {
        let ip: Ipv6Addr = v6.parse().unwrap_or(Ipv6Addr::UNSPECIFIED);
        format!("[{ip}]:{port}")
    } else {
        let ip = Ipv4Addr::from(u32::from_str_radix(a, 16).unwrap_or(0));
        format!("{ip}:{port}")
    }
}

/// /proc/net/ip_vs as one readable line per service, sorted (the kernel's order is a hash's):
/// `TCP 10.9.0.1:80 rr; -> 10.9.1.1:80 Masq 1; -> 10.9.1.2:80 Masq 2`, destinations sorted
/// too. Words after the scheduler (`persistent TIMEOUT MASK`, `ops`) are kept as printed.
pub fn table(section: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur: Option<(String, Vec<String>)> = None;
    fn flush(out: &mut Vec<String>, cur: &mut Option<(String, Vec<String>)>) {
        if let Some((svc, mut dests)) = cur.take() {
            dests.sort();
            dests.insert(0, svc);
            out.push(dests.join("; "));
        }
    }
    for line in section.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        match w.as_slice() {
            ["->", a, fwd, weight, ..] if *a != "RemoteAddress:Port" => {
                if let Some((_, d)) = cur.as_mut() {
                    d.push(format!("-> {} {fwd} {weight}", addr(a)));
                }
            }
            ["FWM", mark, rest @ ..] => {
                flush(&mut out, &mut cur);
                let m = u32::from_str_radix(mark, 16).unwrap_or(0);
                cur = Some((format!("FWM {m} {}", rest.join(" ")), Vec::new()));
            }
            [proto @ ("TCP" | "UDP" | "SCTP"), a, rest @ ..] => {
                flush(&mut out, &mut cur);
                cur = Some((
                    format!("{proto} {} {}", addr(a), rest.join(" ")),
                    Vec::new(),
                ));
            }
            _ => {}
        }
    }
    flush(&mut out, &mut cur);
    out.sort();
    out
}
