//! The session's socket on a child's loop: a non-blocking unix or TCP stream to the master
//! agent, one io token and one timer token. Nothing here waits: a connect that cannot finish
//! at once finishes on a writable event, a master that does not read holds our answers in the
//! session's buffer, and a master that goes away is retried after the session's back-off.
//! The subagent's log lines are worded here.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::path::PathBuf;

use log::{info, warn};
use mio::Interest;

use super::session::{Note, Session};
use crate::core::event_loop::EventLoop;
use crate::core::time::Micros;
use crate::core::timer::TimerId;
use crate::snmp::mib::Mib;

/// net-snmp's default master agent socket.
pub(crate) const DEFAULT_SOCKET: &str = "/var/agentx/master";
/// AgentX's registered TCP port.
const AGENTX_PORT: u16 = 705;

/// Where the master agent listens, from `snmp_socket` / `-A` (net-snmp's transport syntax).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    Unix(PathBuf),
    Tcp(SocketAddr),
}

/// `/path`, `unix:/path`, `tcp:host[:port]` or `host:port`; None (default) is
/// [`DEFAULT_SOCKET`]. Names are resolved here, once.
pub(crate) fn target(spec: Option<&str>) -> Result<Target, String> {
    let s = spec.unwrap_or(DEFAULT_SOCKET);
    if let Some(p) = s.strip_prefix("unix:") {
        return Ok(Target::Unix(PathBuf::from(p)));
    }
    if s.starts_with('/') {
        return Ok(Target::Unix(PathBuf::from(s)));
    }
    let hp = match s.split_once(':') {
        Some(("tcp", rest)) => rest,
        Some((t @ ("udp" | "udp6" | "tcp6" | "ipx" | "dtlsudp" | "tls" | "tlstcp"), _)) => {
            return Err(format!("AgentX over {t} is not supported: {s}"))
        }
        _ => s,
    };
    let (host, port) = match hp.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() => match p.parse::<u16>() {
            Ok(port) => (h, port),
            Err(_) => return Err(format!("bad AgentX port in {s}")),
        },
        _ => (hp, AGENTX_PORT),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    crate::core::resolve::socket_addr(host, port)
        .map(Target::Tcp)
        .ok_or_else(|| format!("cannot resolve the AgentX master {s}"))
}

enum Stream {
    Unix(mio::net::UnixStream),
    Tcp(mio::net::TcpStream),
}

impl Stream {
    fn connect(t: &Target) -> io::Result<Stream> {
        Ok(match t {
            Target::Unix(p) => Stream::Unix(mio::net::UnixStream::connect(p)?),
            Target::Tcp(a) => Stream::Tcp(mio::net::TcpStream::connect(*a)?),
        })
    }

    fn fd(&self) -> i32 {
        match self {
            Stream::Unix(s) => s.as_raw_fd(),
            Stream::Tcp(s) => s.as_raw_fd(),
        }
    }

    /// Whether a connect under way has finished (Err: it failed).
    fn established(&self) -> io::Result<bool> {
        let (err, peer) = match self {
            Stream::Unix(s) => (s.take_error()?, s.peer_addr().is_ok()),
            Stream::Tcp(s) => (s.take_error()?, s.peer_addr().is_ok()),
        };
        match err {
            Some(e) => Err(e),
            None => Ok(peer),
        }
    }

    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.read(buf),
            Stream::Tcp(s) => s.read(buf),
        }
    }

    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.write(buf),
            Stream::Tcp(s) => s.write(buf),
        }
    }
}

struct Conn {
    stream: Stream,
    /// The connect has not finished yet.
    connecting: bool,
}

/// The subagent of one child: the session and its socket.
pub(crate) struct Agent {
    target: Target,
    sess: Session,
    conn: Option<Conn>,
    timer: Option<(TimerId, Micros)>,
    io_token: usize,
    timer_token: usize,
    /// A failed connect was logged since the last session: the retries stay quiet.
    warned: bool,
}

impl Agent {
    /// Starts the subagent: its first connect goes at once.
    pub(crate) fn start(
        lp: &mut EventLoop,
        target: Target,
        io_token: usize,
        timer_token: usize,
        mibs: &[&dyn Mib],
    ) -> Agent {
        info!("Starting SNMP subagent");
        let mut a = Agent {
            target,
            sess: Session::new(Micros::now()),
            conn: None,
            timer: None,
            io_token,
            timer_token,
            warned: false,
        };
        a.on_timer(lp, None, mibs);
        a
    }

    pub(crate) fn target(&self) -> &Target {
        &self.target
    }

    /// Whether the session is open and its tables registered (a trap would go).
    pub(crate) fn is_ready(&self) -> bool {
        self.sess.is_ready()
    }

    /// The socket is ready.
    pub(crate) fn on_io(&mut self, lp: &mut EventLoop, mibs: &[&dyn Mib]) {
        let now = Micros::now();
        if let Some(c) = self.conn.as_mut().filter(|c| c.connecting) {
            match c.stream.established() {
                Ok(false) => return,
                Ok(true) => {
                    c.connecting = false;
                    self.sess.connected(now);
                }
                Err(e) => return self.connect_failed(lp, now, &e),
            }
        }
        self.drive(lp, now, mibs);
    }

    /// A loop timer with the agent's token fired (`id` None: a start without one).
    pub(crate) fn on_timer(&mut self, lp: &mut EventLoop, id: Option<TimerId>, mibs: &[&dyn Mib]) {
        if let Some(id) = id {
            if self.timer.map(|t| t.0) != Some(id) {
                return;
            }
            self.timer = None;
        }
        let now = Micros::now();
        self.sess.on_timer(now);
        if self.conn.is_none() && self.sess.connect_due(now) {
            self.connect(lp, now);
        }
        self.drive(lp, now, mibs);
    }

    /// Sends a notification (a trap); false when the session is not up to take it (net-snmp
    /// drops it then). Only writes: what the master sends is read on the socket's next event,
    /// so a trap needs no tables (and the caller builds none).
    pub(crate) fn notify(&mut self, vbs: &[(&[u32], crate::snmp::mib::Value<'_>)]) -> bool {
        if !self.sess.notify(vbs) {
            return false;
        }
        if let Some(c) = self.conn.as_mut().filter(|c| !c.connecting) {
            // A write that would block goes on at the writable event; one that fails leaves
            // the session to find the master gone at its next read.
            while !self.sess.pending().is_empty() {
                match c.stream.write(self.sess.pending()) {
                    Ok(n) => self.sess.sent(n),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
        }
        true
    }

    /// The child stops: Close goes if it can, and the socket closes.
    pub(crate) fn stop(&mut self, lp: &mut EventLoop) {
        self.sess.close();
        if let Some(mut c) = self.conn.take() {
            if !c.connecting {
                let _ = c.stream.write(self.sess.pending());
            }
            let _ = lp.deregister(c.stream.fd());
        }
        if let Some((id, _)) = self.timer.take() {
            lp.cancel_timer(id);
        }
    }

    fn connect(&mut self, lp: &mut EventLoop, now: Micros) {
        let stream = match Stream::connect(&self.target) {
            Ok(s) => s,
            Err(e) => return self.connect_failed(lp, now, &e),
        };
        let both = Interest::READABLE | Interest::WRITABLE;
        if let Err(e) = lp.register(stream.fd(), self.io_token, both) {
            return self.connect_failed(lp, now, &e);
        }
        self.conn = Some(Conn {
            stream,
            connecting: true,
        });
        // A unix socket connects at once; TCP finishes on a writable event, or times out.
        // Its error is read once (SO_ERROR clears): a refusal seen here is final.
        let Some(c) = self.conn.as_mut() else {
            return;
        };
        match c.stream.established() {
            Ok(true) => {
                c.connecting = false;
                self.sess.connected(now);
            }
            Ok(false) => self.sess.connecting(now),
            Err(e) => self.connect_failed(lp, now, &e),
        }
    }

    fn connect_failed(&mut self, lp: &mut EventLoop, now: Micros, e: &io::Error) {
        if !self.warned {
            warn!(
                "Warning: Failed to connect to the agentx master agent ({}): {e}",
                Shown(&self.target)
            );
            self.warned = true;
        }
        self.drop_conn(lp, now);
    }

    fn drop_conn(&mut self, lp: &mut EventLoop, now: Micros) {
        if let Some(c) = self.conn.take() {
            let _ = lp.deregister(c.stream.fd());
        }
        self.sess.disconnected(now);
        self.rearm(lp);
    }

    /// Moves bytes both ways until the socket would block or the session waits for room.
    fn drive(&mut self, lp: &mut EventLoop, now: Micros, mibs: &[&dyn Mib]) {
        while let Some(c) = self.conn.as_mut().filter(|c| !c.connecting) {
            let mut progressed = false;
            let mut gone = false;
            while !self.sess.pending().is_empty() {
                match c.stream.write(self.sess.pending()) {
                    Ok(n) => self.sess.sent(n),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => {
                        gone = true;
                        break;
                    }
                }
            }
            if self.sess.pending().is_empty() && !gone {
                self.sess.resume(now, mibs);
            }
            // An empty read buffer means the session holds back for room: a read of 0
            // bytes into it would look like the master's EOF.
            while !gone && !self.sess.read_buf().is_empty() && !self.sess.must_close() {
                match c.stream.read(self.sess.read_buf()) {
                    Ok(0) => gone = true,
                    Ok(n) => {
                        self.sess.filled(now, n, mibs);
                        progressed = true;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => gone = true,
                }
                if !self.sess.pending().is_empty() {
                    break;
                }
            }
            if self.sess.must_close() {
                let _ = c.stream.write(self.sess.pending());
                gone = true;
            }
            if gone {
                self.log_notes();
                self.drop_conn(lp, now);
                break;
            }
            if !progressed {
                break;
            }
        }
        // A connect that timed out: no stream to say goodbye on.
        if self.sess.must_close() && self.conn.as_ref().is_some_and(|c| c.connecting) {
            self.log_notes();
            self.drop_conn(lp, now);
        }
        self.log_notes();
        self.rearm(lp);
    }

    fn rearm(&mut self, lp: &mut EventLoop) {
        let want = self.sess.poll_at();
        if self.timer.map(|t| t.1) == want {
            return;
        }
        if let Some((id, _)) = self.timer.take() {
            lp.cancel_timer(id);
        }
        if let Some(at) = want {
            self.timer = Some((lp.add_timer_at(at, self.timer_token), at));
        }
    }

    fn log_notes(&mut self) {
        for n in self.sess.take_notes() {
            match n {
                // net-snmp's line, which keepalived logs: scripts grep for it.
                Note::Connected => {
                    self.warned = false;
                    info!("NET-SNMP version 5.9.3 AgentX subagent connected")
                }
                Note::OpenFailed(e) => warn!("AgentX master agent refused our session: error {e}"),
                Note::RegisterFailed { error, .. } => warn!("registering pdu failed: {error}!"),
                Note::MasterClosed(_) => info!("AgentX master agent closed the session"),
                Note::Timeout => info!(
                    "AgentX master agent failed to respond to ping.  Attempting to re-register."
                ),
                Note::ConnectTimeout if self.warned => {}
                Note::ConnectTimeout => {
                    self.warned = true;
                    warn!(
                        "Warning: Failed to connect to the agentx master agent ({}): timed out",
                        Shown(&self.target)
                    )
                }
                Note::Malformed(e) => {
                    warn!("AgentX: unreadable PDU from the master agent ({e}) - reconnecting")
                }
            }
        }
    }
}

struct Shown<'a>(&'a Target);

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Target::Unix(p) => write!(f, "{}", p.display()),
            Target::Tcp(a) => write!(f, "tcp:{a}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_specs_read_as_net_snmp_reads_them() {
        let unix = |p: &str| Ok(Target::Unix(PathBuf::from(p)));
        assert_eq!(target(None), unix("/var/agentx/master"));
        assert_eq!(target(Some("/tmp/x/master")), unix("/tmp/x/master"));
        assert_eq!(target(Some("unix:/tmp/m")), unix("/tmp/m"));
        let tcp = |a: &str| Ok(Target::Tcp(a.parse().unwrap()));
        assert_eq!(target(Some("tcp:127.0.0.1:7050")), tcp("127.0.0.1:7050"));
        assert_eq!(target(Some("tcp:127.0.0.1")), tcp("127.0.0.1:705"));
        assert_eq!(target(Some("127.0.0.1:706")), tcp("127.0.0.1:706"));
        assert_eq!(target(Some("tcp:[::1]:705")), tcp("[::1]:705"));
        assert!(target(Some("udp:1.2.3.4:705")).unwrap_err().contains("udp"));
        assert!(target(Some("tcp:127.0.0.1:x")).is_err());
    }
}
