//! Script and FIFO settings: script_user, enable_script_security, startup/shutdown
//! hooks and the notify FIFOs with their reader scripts.

use super::super::diag::Diagnostics;
use super::super::tree::Node;
use super::kw::Kw;
use super::types::*;
use super::values::{run_as, unsigned};
use super::GlobalDefs;

pub(super) fn parse(k: Kw, n: &Node, g: &mut GlobalDefs, d: &mut Diagnostics) -> bool {
    let kw = n.keyword();
    match k {
        Kw::ScriptUser => {
            match n.arg(0) {
                None => d.warn(n.loc, "no script username given"),
                Some(_) => match run_as(n, 0) {
                    Ok(r) => {
                        g.script_user = r;
                        g.script_user_unknown = false;
                    }
                    Err(e) => {
                        g.script_user_unknown = true;
                        d.warn(
                        n.loc,
                        format_args!("script_user: {e} - scripts without a user of their own are removed"),
                    )
                    }
                },
            }
        }
        Kw::EnableScriptSecurity => g.enable_script_security = true,
        Kw::StartupScript | Kw::ShutdownScript => {
            let slot = if k == Kw::StartupScript {
                &mut g.startup_script
            } else {
                &mut g.shutdown_script
            };
            if slot.as_ref().is_some_and(|s| !s.command.is_empty()) {
                d.warn(n.loc, format_args!("{kw} already given - ignoring"));
            } else if n.arg(0).is_some() {
                // The command is the first argument, split as every script string is.
                let Some((cmd, rest)) = crate::config::track::script_line(n, d) else {
                    return true;
                };
                let what = kw.trim_end_matches("_script");
                let Some(run_as) = crate::config::track::notify_user(n, &rest, what, &cmd, d)
                else {
                    return true;
                };
                let timeout = slot.as_ref().and_then(|s| s.timeout);
                *slot = Some(HookScript {
                    command: cmd.cmd,
                    argv: cmd.argv,
                    run_as,
                    timeout,
                });
            } else {
                d.warn(n.loc, format_args!("{kw} missing"));
            }
        }
        Kw::StartupScriptTimeout | Kw::ShutdownScriptTimeout => {
            let slot = if k == Kw::StartupScriptTimeout {
                &mut g.startup_script
            } else {
                &mut g.shutdown_script
            };
            if let Some(t) = unsigned(n, 0, 1, 1000, d) {
                slot.get_or_insert_with(HookScript::default).timeout = Some(t as u32);
            }
        }
        Kw::NotifyFifo | Kw::VrrpNotifyFifo | Kw::LvsNotifyFifo => {
            let (fifo, name) = match k {
                Kw::NotifyFifo => (&mut g.fifos.any, &mut g.notify_fifo),
                Kw::VrrpNotifyFifo => (&mut g.fifos.vrrp, &mut g.vrrp_notify_fifo),
                _ => (&mut g.fifos.lvs, &mut g.lvs_notify_fifo),
            };
            match n.arg(0) {
                None => d.warn(n.loc, format_args!("no {kw} name given")),
                Some(v) if fifo.name.is_some() => {
                    d.warn(n.loc, format_args!("{kw} already given - ignoring {v}"))
                }
                Some(v) => {
                    match run_as(n, 1) {
                        Ok(r) => fifo.owner = r,
                        // keepalived drops the FIFO then, but only logs it.
                        Err(_) => return true,
                    }
                    fifo.name = Some(v.to_string());
                    *name = fifo.name.clone();
                }
            }
        }
        Kw::NotifyFifoScript | Kw::VrrpNotifyFifoScript | Kw::LvsNotifyFifoScript => {
            let fifo = match k {
                Kw::NotifyFifoScript => &mut g.fifos.any,
                Kw::VrrpNotifyFifoScript => &mut g.fifos.vrrp,
                _ => &mut g.fifos.lvs,
            };
            match n.arg(0) {
                None => d.warn(n.loc, format_args!("no {kw} given")),
                Some(v) if fifo.script.is_some() => {
                    d.warn(n.loc, format_args!("{kw} already given - ignoring {v}"))
                }
                Some(_) => {
                    // keepalived drops the script for an unknown user; without one it runs
                    // as the default script user.
                    let Some((cmd, rest)) = crate::config::track::script_line(n, d) else {
                        return true;
                    };
                    if let Some(owner) = crate::config::track::run_as_words(&rest) {
                        fifo.script = Some((cmd.argv, owner));
                    }
                }
            }
        }
        Kw::FifoWriteVrrpStatesOnReload => g.fifos.write_vrrp_states_on_reload = true,
        _ => return false,
    }
    true
}
