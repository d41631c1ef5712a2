//! Config items compared without the place they were written: moving a line (or a block)
//! changes nothing a reload has to do.

use crate::config::iproute::{IpAddress, Route, Rule};
use crate::config::track::{ScriptCmd, TrackRef};
use crate::config::vrrp::UnicastPeer;
use crate::config::Loc;

/// A config line's object, compared without the place it was written.
pub(crate) trait Located: Clone + PartialEq {
    fn loc(&self) -> Loc;
    fn loc_mut(&mut self) -> &mut Loc;

    /// One copy, given `other`'s place: a copy of each (and its drop) was twice the code.
    fn same_as(&self, other: &Self) -> bool {
        let mut a = self.clone();
        *a.loc_mut() = other.loc();
        a == *other
    }
}

macro_rules! located {
    ($($t:ty),*) => {
        $(impl Located for $t {
            fn loc(&self) -> Loc {
                self.loc
            }
            fn loc_mut(&mut self) -> &mut Loc {
                &mut self.loc
            }
        })*
    };
}
located!(IpAddress, Route, Rule, UnicastPeer, TrackRef, ScriptCmd);

/// Whether the items of `a` and `b` are pairwise the same but for their places.
pub(crate) fn same_lists<T: Located>(a: &[T], b: &[T]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_as(y))
}
