//! Reading the SIGUSR1 data files (/tmp/keepalived.data, /tmp/keepalived_check.data) as the
//! tests that compare ours with keepalived's do.

/// The file's sections in order: ("------< NAME >------" header, the lines under it).
pub fn sections(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for l in text.lines() {
        if l.starts_with("------<") {
            out.push((l.to_string(), Vec::new()));
        } else if let Some(last) = out.last_mut() {
            last.1.push(l.to_string());
        }
    }
    out
}
