//! setsockopt for the VRRP and BFD sockets (setup time): the error names the option, so a
//! failed setup says which.

use std::io;
use std::mem;
use std::os::fd::{AsRawFd, OwnedFd};

use libc::{c_int, c_void, socklen_t};

/// `setsockopt` with a plain-old-data value.
pub(crate) fn setsockopt<T>(
    fd: &OwnedFd,
    level: c_int,
    name: c_int,
    what: &'static str,
    val: &T,
) -> io::Result<()> {
    setsockopt_raw(fd, level, name, val)
        .map_err(|e| io::Error::new(e.kind(), format!("setsockopt {what}: {e}")))
}

/// [`setsockopt`] without the option's name in the error, which keeps the errno readable
/// (`raw_os_error`) for callers that tolerate some.
pub(crate) fn setsockopt_raw<T>(
    fd: &OwnedFd,
    level: c_int,
    name: c_int,
    val: &T,
) -> io::Result<()> {
    // SAFETY: `val` points to a live T of the size passed; the kernel only reads it.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (val as *const T).cast::<c_void>(),
            mem::size_of::<T>() as socklen_t,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

pub(crate) fn set_int(
    fd: &OwnedFd,
    level: c_int,
    name: c_int,
    what: &'static str,
    v: c_int,
) -> io::Result<()> {
    setsockopt(fd, level, name, what, &v)
}
