//! keepalived's `%m`: the text of an OS error alone.

use std::io;

/// strerror(3)'s text for `e`, as keepalived's `%m` prints it: io::Error's Display adds
/// " (os error N)".
pub(crate) fn strerror(e: &io::Error) -> String {
    let mut t = e.to_string();
    if let Some(k) = t.find(" (os error") {
        t.truncate(k);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::strerror;
    use std::io;

    #[test]
    fn an_os_error_loses_its_number_and_other_errors_stay_whole() {
        let e = io::Error::from_raw_os_error(libc::ENETDOWN);
        assert_eq!(strerror(&e), "Network is down");
        let e = io::Error::other("no such thing");
        assert_eq!(strerror(&e), "no such thing");
    }
}
