//! The alerts on a child's loop: a bounded queue and one non-blocking SMTP session at a time
//! (keepalived opens one per alert at once; one at a time keeps a child's fds and memory
//! bounded). The session's socket and its one timer use the tokens the child gives.
//! All of keepalived's SMTP log lines are worded here.

use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;

use log::info;
use mio::Interest;

use super::session::Session;
use super::{message, Mail, Note, Settings};
use crate::core::event_loop::EventLoop;
use crate::core::time::Micros;
use crate::core::timer::TimerId;

/// Alerts waiting behind the one being sent; beyond this the oldest goes.
pub(crate) const QUEUE_MAX: usize = 16;

struct Active {
    sock: mio::net::TcpStream,
    sess: Session,
    mail: Mail,
    timer: Option<(TimerId, Micros)>,
}

pub(crate) struct Alerts {
    settings: Option<Settings>,
    /// Oldest first; a Vec, as it holds at most [`QUEUE_MAX`].
    queue: Vec<Mail>,
    active: Option<Active>,
    io_token: usize,
    timer_token: usize,
}

impl Alerts {
    /// Alerts sent as `settings` say (None: no smtp_server or no notification_email, so
    /// nothing is ever sent).
    pub(crate) fn new(settings: Option<Settings>, io_token: usize, timer_token: usize) -> Alerts {
        Alerts {
            settings,
            queue: Vec::new(),
            active: None,
            io_token,
            timer_token,
        }
    }

    /// Whether alerts go anywhere (callers skip wording mails otherwise).
    pub(crate) fn enabled(&self) -> bool {
        self.settings.is_some()
    }

    /// The router_id the subjects start with.
    pub(crate) fn router_id(&self) -> &str {
        self.settings.as_ref().map_or("", |s| s.router_id.as_str())
    }

    /// A reload's settings: the session under way finishes with the old ones.
    pub(crate) fn set_settings(&mut self, settings: Option<Settings>) {
        if settings.is_none() {
            self.queue.clear();
        }
        self.settings = settings;
    }

    /// Queues `mail` and starts on it when no session is under way.
    pub(crate) fn send(&mut self, lp: &mut EventLoop, mail: Mail) {
        if self.settings.is_none() {
            return;
        }
        if let Some(old) = push_bounded(&mut self.queue, mail) {
            info!("SMTP alert queue full - dropping alert \"{}\"", old.subject);
        }
        self.next(lp);
    }

    /// Starts the next queued alert's session if none is under way.
    fn next(&mut self, lp: &mut EventLoop) {
        while self.active.is_none() {
            let Some(s) = &self.settings else {
                return;
            };
            if self.queue.is_empty() {
                return;
            }
            let mail = self.queue.remove(0);
            let now = Micros::now();
            // keepalived drops a mail whose connect fails at once, without a line.
            let Ok(sock) = mio::net::TcpStream::connect(s.server) else {
                continue;
            };
            let both = Interest::READABLE | Interest::WRITABLE;
            if lp.register(sock.as_raw_fd(), self.io_token, both).is_err() {
                continue;
            }
            let sess = Session::new(now, s.timeout, message::date_now());
            self.active = Some(Active {
                sock,
                sess,
                mail,
                timer: None,
            });
            self.rearm(lp);
        }
    }

    /// The session's socket is ready.
    pub(crate) fn on_io(&mut self, lp: &mut EventLoop, readable: bool, writable: bool) {
        let (Some(a), Some(s)) = (self.active.as_mut(), self.settings.as_ref()) else {
            return;
        };
        let now = Micros::now();
        let mut notes = [None; 3];
        if a.sess.is_connecting() {
            if !writable && !readable {
                return;
            }
            notes[0] = Some(match a.sock.take_error() {
                Ok(None) if a.sock.peer_addr().is_ok() => a.sess.connected(now),
                _ => a.sess.connect_failed(),
            });
        }
        if readable && !a.sess.is_done() {
            notes[1] = read_all(a, now, s);
        }
        if !a.sess.is_done() {
            notes[2] = write_all(a);
        }
        for n in notes.into_iter().flatten() {
            log_note(n, s, a.sock.as_raw_fd());
        }
        self.after(lp);
    }

    /// A loop timer with the alerts' token fired.
    pub(crate) fn on_timer(&mut self, lp: &mut EventLoop, id: TimerId) {
        let (Some(a), Some(s)) = (self.active.as_mut(), self.settings.as_ref()) else {
            return;
        };
        if a.timer.map(|t| t.0) != Some(id) {
            return;
        }
        a.timer = None;
        let first = a.sess.on_deadline(Micros::now());
        let then = write_all(a);
        for n in [first, then].into_iter().flatten() {
            log_note(n, s, a.sock.as_raw_fd());
        }
        self.after(lp);
    }

    /// After the session moved: closes it when done and goes on with the queue, or re-arms
    /// its timer.
    fn after(&mut self, lp: &mut EventLoop) {
        let done = self.active.as_ref().is_some_and(|a| a.sess.is_done());
        if done {
            if let Some(a) = self.active.take() {
                let _ = lp.deregister(a.sock.as_raw_fd());
                if let Some((id, _)) = a.timer {
                    lp.cancel_timer(id);
                }
            }
            self.next(lp);
            return;
        }
        self.rearm(lp);
    }

    fn rearm(&mut self, lp: &mut EventLoop) {
        let Some(a) = self.active.as_mut() else {
            return;
        };
        let want = a.sess.poll_at();
        if a.timer.map(|t| t.1) == want {
            return;
        }
        if let Some((id, _)) = a.timer.take() {
            lp.cancel_timer(id);
        }
        if let Some(at) = want {
            a.timer = Some((lp.add_timer_at(at, self.timer_token), at));
        }
    }

    /// Stopping: what is under way and queued is dropped, as keepalived's exit drops it.
    pub(crate) fn stop(&mut self, lp: &mut EventLoop) {
        self.queue.clear();
        if let Some(a) = self.active.take() {
            let _ = lp.deregister(a.sock.as_raw_fd());
            if let Some((id, _)) = a.timer {
                lp.cancel_timer(id);
            }
        }
    }
}

/// Queues `mail`; the oldest waiting alert goes (and comes back) when the queue is full.
fn push_bounded(q: &mut Vec<Mail>, mail: Mail) -> Option<Mail> {
    let dropped = (q.len() >= QUEUE_MAX).then(|| q.remove(0));
    q.push(mail);
    dropped
}

/// Reads until the socket would block; the first note the replies give comes back.
fn read_all(a: &mut Active, now: Micros, s: &Settings) -> Option<Note> {
    let mut buf = [0u8; 512];
    let mut note = None;
    loop {
        match a.sock.read(&mut buf) {
            Ok(0) => return note.or(a.sess.closed()),
            Ok(n) => {
                if let Some(x) = a.sess.received(now, &buf[..n], s, &a.mail) {
                    note = note.or(Some(x));
                }
                if a.sess.is_done() {
                    return note;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return note,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return note.or(Some(a.sess.read_failed(now))),
        }
    }
}

/// Writes what the session has pending until done or the socket would block.
fn write_all(a: &mut Active) -> Option<Note> {
    while !a.sess.pending().is_empty() {
        match a.sock.write(a.sess.pending()) {
            Ok(n) => a.sess.sent(n),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return None,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Some(a.sess.send_failed()),
        }
    }
    None
}

/// keepalived's line for `n` (the detail ones only with -D); the server is named as
/// keepalived's inet_sockaddrtopair names it.
fn log_note(n: Note, s: &Settings, fd: i32) {
    let host = Host(s.server);
    // The lines that name the server, as the words before and after it: one log call for all.
    let (before, after) = match n {
        Note::Connected if s.log_detail => ("Remote SMTP server ", " connected."),
        Note::Sent if s.log_detail => return info!("SMTP alert successfully sent."),
        Note::Connected | Note::Sent => return,
        Note::ConnectTimeout => ("Timeout opening connection to remote SMTP server ", "."),
        // keepalived's line when poll reports the failed connect as an error on the fd.
        Note::ConnectError => return info!("smtp fd {fd} returned write error"),
        Note::ReadTimeout => ("Timeout reading data to remote SMTP server ", "."),
        Note::ReadError => ("Error reading data from remote SMTP server ", "."),
        Note::Closed => ("Remote SMTP server ", " has closed the connection."),
        Note::Overflow => (
            "Received buffer from remote SMTP server ",
            " overflow our get read buffer length.",
        ),
        Note::SendError => ("Cannot send data to remote SMTP server ", "."),
        Note::BadCode(cmd, code) => {
            return info!(
                "Error processing {cmd} cmd on SMTP server {host}. SMTP status code = {code}"
            )
        }
    };
    info!("{before}{host}{after}");
}

struct Host(std::net::SocketAddr);

impl std::fmt::Display for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}]:{}", self.0.ip(), self.0.port())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(k: usize) -> Mail {
        Mail {
            subject: format!("s{k}"),
            body: String::new(),
        }
    }

    #[test]
    fn a_full_queue_drops_its_oldest_alert() {
        let mut q = Vec::new();
        for k in 0..QUEUE_MAX {
            assert_eq!(push_bounded(&mut q, mail(k)), None);
        }
        assert_eq!(push_bounded(&mut q, mail(99)), Some(mail(0)));
        assert_eq!(q.len(), QUEUE_MAX);
        assert_eq!(q.first(), Some(&mail(1)));
        assert_eq!(q.last(), Some(&mail(99)));
    }

    #[test]
    fn lines_name_the_server_as_keepalived() {
        let v6: std::net::SocketAddr = "[2001:db8::25]:2525".parse().unwrap();
        assert_eq!(Host(v6).to_string(), "[2001:db8::25]:2525");
        let v4: std::net::SocketAddr = "10.0.0.25:25".parse().unwrap();
        assert_eq!(Host(v4).to_string(), "[10.0.0.25]:25");
    }
}
