//! Why a check failed, and keepalived's words for it. Dialogs and the runner report a
//! [`Failure`]; only [`Failure::worded`] turns it into the text of a log line, so the
//! checkers carry no strings and the wording (which scripts grep) stays in one place.

/// keepalived words its lines differently per checker type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Words {
    Tcp,
    Udp,
    Icmp,
    Misc,
    /// HTTP_GET and SSL_GET: keepalived words both alike ("Remote Web server", "HTTP_CHECK").
    Web,
    Smtp,
    Dns,
    /// A dialog checker named by its keyword.
    Named(&'static str),
}

/// How a check failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// connect(2) refused at once (for the web checkers: the network is unreachable).
    Unreachable,
    /// The connection failed, or the socket reported an error.
    Failed,
    /// Not connected (or, for a datagram, no answer) within connect_timeout.
    Timeout,
    /// Connected, but the conversation did not end within connect_timeout.
    ReadTimeout,
    /// UDP_CHECK: the reply is not the one required.
    ReplyMismatch,
    /// HTTP_GET / SSL_GET: the server closed without sending a response.
    NoData,
    /// HTTP_GET / SSL_GET: a status code the url does not accept.
    StatusCode,
    /// HTTP_GET / SSL_GET: the body's MD5 is not the url's digest.
    Digest,
    /// HTTP_GET / SSL_GET: the body does not match (or matches, with regex_no_match) the regex.
    Regex,
    /// HTTP_GET / SSL_GET: the response header does not fit our buffer.
    HeaderTooLong,
    /// SSL_GET: the TLS handshake or a TLS record failed.
    Handshake,
    /// SMTP_CHECK: the greeting is not a 220.
    BadBanner,
    /// SMTP_CHECK: HELO was not answered with a 250.
    BadHelo,
    /// SMTP_CHECK: the server closed before the dialog ended.
    ReadFailure,
    /// DNS_CHECK: the answer's RCODE (not 0).
    Rcode(u8),
    /// DNS_CHECK: the socket reported an error.
    DnsReadFailed,
}

/// Why a checker went down, where keepalived's mail says it: SMTP_CHECK names its failure and
/// the host it failed on, MISC_CHECK a script that timed out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DownReason {
    Smtp(Failure, std::net::SocketAddr),
    MiscTimedOut,
}

/// keepalived's wording of each DNS RCODE.
const RCODE: [&str; 16] = [
    "read error occurred. (rcode = 0)",
    "read error occurred. (rcode = 1)",
    "read error occurred. (rcode = 2)",
    "read error occurred. (rcode = 3)",
    "read error occurred. (rcode = 4)",
    "read error occurred. (rcode = 5)",
    "read error occurred. (rcode = 6)",
    "read error occurred. (rcode = 7)",
    "read error occurred. (rcode = 8)",
    "read error occurred. (rcode = 9)",
    "read error occurred. (rcode = 10)",
    "read error occurred. (rcode = 11)",
    "read error occurred. (rcode = 12)",
    "read error occurred. (rcode = 13)",
    "read error occurred. (rcode = 14)",
    "read error occurred. (rcode = 15)",
];

impl Failure {
    /// The reason as a checker of type `w` words it in its failure line (check_http.c,
    /// check_smtp.c, check_dns.c and the layer 4 checkers each have their own words for a
    /// connect that failed or timed out).
    pub fn worded(self, w: Words) -> &'static str {
        use Failure::*;
        match (w, self) {
            (Words::Web, Unreachable) => "HTTP_CHECK - network unreachable",
            (Words::Web, Timeout) => "Timeout connecting",
            (Words::Web, ReadTimeout) => "Timeout HTTP read",
            (Words::Web, Failed) => "Error connecting",
            (Words::Smtp, Timeout) => "Connection timeout to server",
            (Words::Smtp, ReadTimeout) => "Read timeout from server",
            (Words::Smtp, Failed | Unreachable) => "Error connecting to server",
            (Words::Dns, Timeout) => "read timeout from socket",
            (Words::Dns, Failed | Unreachable) => "connection error.",
            (_, Unreachable | Failed) => "failed",
            (_, Timeout) => "timeout",
            (_, ReadTimeout) => "read timeout",
            (_, ReplyMismatch) => "reply data mismatch",
            (_, NoData) => "Read, no data received from",
            (_, StatusCode) => "HTTP status code error to",
            (_, Digest) => "MD5 digest error to",
            (_, Regex) => "Regex match failed",
            (_, HeaderTooLong) => "HTTP header too long from",
            (_, Handshake) => "SSL handshake/communication error connecting to",
            (_, BadBanner) => "Bad greeting banner from server",
            (_, BadHelo) => "Bad HELO response from server",
            (_, ReadFailure) => "Read failure from server",
            (_, Rcode(rc)) => RCODE[usize::from(rc & 0xf)],
            (_, DnsReadFailed) => "failed to read socket",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connect_failures_take_each_checker_types_words() {
        assert_eq!(Failure::Failed.worded(Words::Tcp), "failed");
        assert_eq!(Failure::Unreachable.worded(Words::Tcp), "failed");
        assert_eq!(
            Failure::Unreachable.worded(Words::Web),
            "HTTP_CHECK - network unreachable"
        );
        assert_eq!(Failure::ReadTimeout.worded(Words::Web), "Timeout HTTP read");
        assert_eq!(
            Failure::Timeout.worded(Words::Smtp),
            "Connection timeout to server"
        );
        assert_eq!(Failure::Failed.worded(Words::Dns), "connection error.");
        assert_eq!(
            Failure::Rcode(5).worded(Words::Dns),
            "read error occurred. (rcode = 5)"
        );
        assert_eq!(Failure::Digest.worded(Words::Web), "MD5 digest error to");
    }
}
