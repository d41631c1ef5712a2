//! Running `keepalived -t` (ours or keepalived 2.2.7) on a config inside a lab and reading which lines it
//! flagged, so two checkers can be compared.

use super::Lab;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

pub const KEEPALIVED: &str = "/usr/sbin/keepalived";
/// The binary under test: `$KEEPALIVED_RS_BIN` (a release or cross build, or a shim), else this crate's.
pub fn ours() -> String {
    std::env::var("KEEPALIVED_RS_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_keepalived").to_string())
}

/// A parser that loops must fail the test, not hang it.
const TIMEOUT_SECS: &str = "60";

/// The `*.conf` files in `dir`, sorted.
pub fn conf_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "conf"))
        .collect();
    files.sort();
    files
}

/// (file name, line) of every message tied to a config line.
pub type Flagged = BTreeSet<(String, u32)>;

/// The outcome of one `-t` run.
#[derive(Debug)]
pub struct Check {
    pub ok: bool,
    pub flagged: Flagged,
    /// Messages that name no config line (keepalived prints several so; we give them the
    /// line of the block they are about).
    pub lineless: usize,
    pub output: String,
}

pub fn file_name(path: &str) -> String {
    Path::new(path.trim())
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.trim().to_string())
}

/// keepalived prefixes messages about a config line with `(FILE: Line N)`, or `(Line N)` for some
/// messages about the top file (`main`); other messages carry no line.
pub fn keepalived_flagged(output: &str, main: &str) -> Flagged {
    const MARK: &str = "Line ";
    let mut set = Flagged::new();
    for line in output.lines() {
        let mut rest = line;
        while let Some(at) = rest.find(MARK) {
            let before = &rest[..at];
            let after = &rest[at + MARK.len()..];
            rest = after;
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            let (Ok(n), true) = (
                digits.parse::<u32>(),
                after[digits.len()..].starts_with(')'),
            ) else {
                continue;
            };
            let file = if before.ends_with('(') {
                Some(main)
            } else if let Some(b) = before.strip_suffix(": ") {
                b.rfind('(').map(|open| &b[open + 1..])
            } else {
                None
            };
            if let Some(file) = file {
                set.insert((file_name(file), n));
            }
        }
    }
    set
}

/// keepalived's messages that carry no `Line N)`, ignoring the banner lines `-t` may print.
pub fn keepalived_lineless(output: &str) -> usize {
    output
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.contains("Line ") && !l.starts_with("SECURITY VIOLATION"))
        .count()
}

/// Ours print `FILE:LINE: message`; line 0 means the message is about no particular line.
pub fn ours_flagged(output: &str) -> Flagged {
    let mut set = Flagged::new();
    for line in output.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(file), Some(num), Some(_)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if let Ok(n) = num.parse::<u32>() {
            if n > 0 && !file.is_empty() {
                set.insert((file_name(file), n));
            }
        }
    }
    set
}

/// A description of how our run and keepalived's on `sample` disagree, or None when they agree.
pub fn compare(sample: &str, ours: &Check, theirs: &Check) -> Option<String> {
    let mut why = Vec::new();
    if ours.ok != theirs.ok {
        why.push(format!(
            "exit: ours {}, keepalived {}",
            if ours.ok { "0" } else { "non-zero" },
            if theirs.ok { "0" } else { "non-zero" }
        ));
    }
    // A line only we flag is fine where keepalived reported the same problem without a line.
    let extra = ours.flagged.difference(&theirs.flagged).count();
    let missing = theirs.flagged.difference(&ours.flagged).count();
    if missing > 0 || extra > theirs.lineless {
        let only = |a: &Flagged, b: &Flagged| -> Vec<String> {
            a.difference(b).map(|(_, n)| n.to_string()).collect()
        };
        why.push(format!(
            "lines only we flag: [{}]; lines only keepalived flags: [{}]",
            only(&ours.flagged, &theirs.flagged).join(","),
            only(&theirs.flagged, &ours.flagged).join(",")
        ));
    }
    if why.is_empty() {
        return None;
    }
    Some(format!(
        "{sample}: {}\n  ours:\n{}  keepalived:\n{}",
        why.join("; "),
        indent(&ours.output),
        indent(&theirs.output)
    ))
}

pub fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
}

/// One namespace, "c", with the interfaces keepalived's samples and our test configs name.
pub fn config_lab(name: &str) -> Lab {
    let mut lab = Lab::new(name);
    for (i, ifname) in ["eth0", "eth1", "eth2", "eth3", "eth0.1"]
        .iter()
        .enumerate()
    {
        lab.stub_link("c", ifname, &format!("p{i}"));
    }
    lab
}

/// Runs `bin -t -l [extra] -f file`, in namespace "c" of `lab` or, without a lab, on the host.
pub fn run_check(lab: Option<&mut Lab>, bin: &str, file: &Path, extra: &[&str]) -> Check {
    let f = file.to_string_lossy();
    let mut cmd = vec!["timeout", TIMEOUT_SECS, bin, "-t", "-l"];
    cmd.extend_from_slice(extra);
    cmd.extend(["-f", &f]);
    let out = match lab {
        Some(lab) => lab.exec("c", &cmd),
        None => Command::new(cmd[0])
            .args(&cmd[1..])
            .output()
            .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}")),
    };
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let (flagged, lineless) = if bin == KEEPALIVED {
        (
            keepalived_flagged(&output, &f),
            keepalived_lineless(&output),
        )
    } else {
        (ours_flagged(&output), 0)
    };
    Check {
        ok: out.status.success(),
        flagged,
        lineless,
        output,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(file: &str, ns: &[u32]) -> Flagged {
        ns.iter().map(|n| (file.to_string(), *n)).collect()
    }

    #[test]
    fn keepalived_output_is_read_with_and_without_file() {
        let k = "(/x/keepalived.conf.vrrp.rules: Line 11) VRRP parsed invalid IP 192.168.100./24. skipping IP...\n\
                 (/x/keepalived.conf.vrrp.rules: Line 11) Invalid rule to address 192.168.100./24\n\
                 Sync group VG1 has no virtual router(s). removing\n\
                 (/x/keepalived.conf.vrrp.rules: Line 25) Rule has no preference (A: Line x)\n\
                 (sub/a.conf: Line 2) Unknown keyword 'frob'\n\
                 (Line 3) Config files missing '/nonexistent'.\n";
        let mut expect = lines("keepalived.conf.vrrp.rules", &[3, 11, 25]);
        expect.insert(("a.conf".to_string(), 2));
        assert_eq!(
            keepalived_flagged(k, "/x/keepalived.conf.vrrp.rules"),
            expect
        );
    }

    #[test]
    fn our_output_is_read_and_lineless_messages_ignored() {
        let ours = "/x/k.conf:11: bad address '192.168.100./24'\n\
                    /x/k.conf:25: warning: rule has no preference\n\
                    /x/k.conf:0: warning: sync group VG1 has no virtual routers\n\
                    keepalived: cannot open file\n";
        assert_eq!(ours_flagged(ours), lines("k.conf", &[11, 25]));
    }

    #[test]
    fn compare_names_exit_and_line_differences() {
        let mut a = Check {
            ok: false,
            flagged: lines("s", &[1]),
            lineless: 0,
            output: String::new(),
        };
        let mut b = Check {
            ok: false,
            flagged: lines("s", &[1]),
            lineless: 0,
            output: String::new(),
        };
        assert_eq!(compare("s", &a, &b), None);
        // Our extra line stands for keepalived's one message without a line; a second does not.
        a.flagged.insert(("s".to_string(), 3));
        assert!(compare("s", &a, &b).is_some());
        b.lineless = 1;
        assert_eq!(compare("s", &a, &b), None);
        a.flagged.insert(("s".to_string(), 4));
        assert!(compare("s", &a, &b).is_some());
        a.flagged.remove(&("s".to_string(), 4));
        b.flagged.insert(("s".to_string(), 7));
        b.ok = true;
        let msg = compare("s", &a, &b).unwrap_or_default();
        assert!(msg.contains("exit: ours non-zero, keepalived 0"), "{msg}");
        assert!(msg.contains("lines only keepalived flags: [7]"), "{msg}");
    }
}
