//! keepalived's weight rules, as a function of a tracked object's level (vrrp_track.c,
//! track_file.c). Incrementally keepalived adds a positive weight while the object is up and a
//! negative one while it is down, `reverse` flipping the sign; weight 0 means FAULT while down
//! (`reverse`: while up). A track file contributes its value times the weight, clamped to
//! 253 at the top; -254 or below means FAULT, and with weight 0 any non-zero value does.

use super::Level;
use crate::config::track::Weight;

/// (priority delta, weight-0 fault) of one link.
pub fn contribution(level: Level, w: Weight) -> (i32, bool) {
    let mult: i64 = if w.reverse { -1 } else { 1 };
    let weight = i64::from(w.weight);
    match level {
        Level::Unknown => (0, w.weight == 0),
        Level::Up | Level::Down => {
            let up = level == Level::Up;
            if weight == 0 {
                return (0, up == w.reverse);
            }
            let applies = (weight > 0 && up) || (weight < 0 && !up);
            (if applies { (weight * mult) as i32 } else { 0 }, false)
        }
        Level::Value(v) => {
            if weight == 0 {
                return (0, (v != 0) != w.reverse);
            }
            let s = v
                .saturating_mul(weight)
                .saturating_mul(mult)
                .clamp(-254, 253);
            if s == -254 {
                (0, true)
            } else {
                (s as i32, false)
            }
        }
    }
}
