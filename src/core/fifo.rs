//! Notify FIFOs (keepalived's `notify_fifo` family): each event is one line written to
//! every open FIFO. As keepalived's lib/notify.c fifo_open does, a missing FIFO is created
//! (mode 0644, owned by the configured user), its reader script is started with the
//! FIFO's name as last argument, then the FIFO is opened read-write and non-blocking: a write
//! never waits for a reader, and lines nobody reads are lost once the pipe is full.

use std::ffi::CString;
use std::fs::File;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};

use log::info;

struct OpenFifo {
    name: String,
    file: File,
    /// We made it, so we remove it at stop.
    created: bool,
}

/// The open notify FIFOs of a process.
#[derive(Default)]
pub(crate) struct Fifos {
    open: Vec<OpenFifo>,
}

impl Fifos {
    /// Creates (if missing) and opens FIFO `name`, starting its `reader` first through
    /// `run_script` (its argv, the FIFO's name appended). `kind` prefixes "notify fifo" in
    /// the log lines ("vrrp_" for vrrp_notify_fifo).
    pub(crate) fn open(
        &mut self,
        name: &str,
        kind: &str,
        owner: Option<(u32, u32)>,
        reader: Option<&[String]>,
        run_script: &mut dyn FnMut(Vec<String>),
    ) {
        let Ok(cname) = CString::new(std::path::Path::new(name).as_os_str().as_bytes()) else {
            info!("Unable to create {kind}notify fifo {name}");
            return;
        };
        // SAFETY: a valid C string; mkfifo only reads it.
        let made = unsafe { libc::mkfifo(cname.as_ptr(), 0o644) } == 0;
        let err = std::io::Error::last_os_error();
        if !made && err.raw_os_error() != Some(libc::EEXIST) {
            info!("Unable to create {kind}notify fifo {name}");
            return;
        }
        // Opened (read-write: no reader needed) before the owner is set, unlike keepalived's
        // chown by name: whoever can write the directory could swap the name for a link to
        // any file between the two. The reader, started after, finds the FIFO already its.
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
            .open(name);
        let file = match file {
            Ok(file) => file,
            Err(e) => {
                info!(
                    "Unable to open {kind}notify fifo {name} - errno {}",
                    e.raw_os_error().unwrap_or(0)
                );
                if made {
                    let _ = std::fs::remove_file(name);
                }
                return;
            }
        };
        // O_NOFOLLOW stops a symlink, not a regular file (or a hard link to one) planted at
        // the name, which every line would overwrite from offset 0: write only to a FIFO.
        if !file.metadata().is_ok_and(|m| m.file_type().is_fifo()) {
            info!("Unable to open {kind}notify fifo {name} - not a fifo");
            return;
        }
        if let (true, Some((uid, gid))) = (made, owner) {
            if std::os::unix::fs::fchown(&file, Some(uid), Some(gid)).is_err() {
                info!("Failed to set uid:gid for fifo {name}");
            }
        }
        if let Some(argv) = reader {
            let mut argv = argv.to_vec();
            argv.push(name.to_string());
            run_script(argv);
        }
        self.open.push(OpenFifo {
            name: name.to_string(),
            file,
            created: made,
        });
    }

    /// Whether no FIFO is open (so no line needs building).
    pub(crate) fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    /// Writes `line` to every FIFO (one write each, so the line stays whole for a reader).
    pub(crate) fn write_line(&mut self, line: &str) {
        for f in &mut self.open {
            // A full pipe drops the line, as keepalived does.
            let _ = f.file.write(line.as_bytes());
        }
    }

    /// Closes every FIFO, removing the ones we created first (so that a reader looping on
    /// reopening it cannot).
    pub(crate) fn close(&mut self) {
        for f in self.open.drain(..) {
            if f.created {
                let _ = std::fs::remove_file(&f.name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn creates_the_fifo_starts_its_reader_and_writes_whole_lines() {
        let dir = std::env::temp_dir().join(format!("ka-fifo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("notify");
        let name = path.to_string_lossy().into_owned();
        let reader = ["/bin/reader".to_string(), "-x".into()];
        let mut started = Vec::new();
        let mut f = Fifos::default();
        f.open(&name, "vrrp_", None, Some(&reader), &mut |a| {
            started.push(a)
        });
        assert_eq!(
            started,
            vec![vec!["/bin/reader".to_string(), "-x".into(), name.clone()]]
        );
        let mut rx = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&path)
            .expect("open reader");
        f.write_line("INSTANCE \"VI_1\" MASTER 100\n");
        f.write_line("GROUP \"G1\" MASTER 0\n");
        let mut buf = [0u8; 256];
        let n = rx.read(&mut buf).expect("read");
        let got = String::from_utf8_lossy(&buf[..n]);
        assert_eq!(got, "INSTANCE \"VI_1\" MASTER 100\nGROUP \"G1\" MASTER 0\n");
        f.close();
        assert!(!path.exists(), "a FIFO we made is removed at close");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_fifo_we_make_is_given_to_its_user() {
        // SAFETY: geteuid cannot fail.
        if unsafe { libc::geteuid() } != 0 {
            return; // chown needs root; the labs run as root.
        }
        let dir = std::env::temp_dir().join(format!("ka-fifo-own-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("notify");
        let name = path.to_string_lossy().into_owned();
        let mut f = Fifos::default();
        f.open(&name, "", Some((65534, 65533)), None, &mut |_| {});
        let m = std::fs::symlink_metadata(&path).expect("stat");
        assert!(m.file_type().is_fifo());
        use std::os::unix::fs::MetadataExt;
        assert_eq!((m.uid(), m.gid()), (65534, 65533));
        f.close();
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_regular_file_at_the_fifo_name_is_never_written() {
        let dir = std::env::temp_dir().join(format!("ka-fifo-file-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let victim = dir.join("victim");
        std::fs::write(&victim, "precious\n").expect("victim");
        let path = dir.join("notify");
        std::fs::hard_link(&victim, &path).expect("link");
        let name = path.to_string_lossy().into_owned();
        let mut f = Fifos::default();
        f.open(&name, "", None, None, &mut |_| {});
        f.write_line("INSTANCE \"VI_1\" MASTER 100\n");
        f.close();
        assert_eq!(
            std::fs::read_to_string(&victim).expect("victim"),
            "precious\n"
        );
        assert!(path.exists(), "a file we did not make stays");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
